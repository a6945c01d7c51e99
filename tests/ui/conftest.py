"""A Page on real files (a copy of the documented gestures.yaml, a datasets folder) with
the shipped classifier and a scripted backend for recordings from folders."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest

pytest.importorskip("starlette", reason="the ui extra is not installed: pip install '.[ui]'")
pytest.importorskip("ruamel.yaml", reason="the ui extra is not installed: pip install '.[ui]'")

from starlette.testclient import TestClient  # noqa: E402

from gestured.recognition.classifier import load_classifier  # noqa: E402
from gestured.commands.check import init_config, model_labels  # noqa: E402
from gestured.ui.bindings import BindingsFile  # noqa: E402
from gestured.ui.feed import LiveFeed  # noqa: E402
from gestured.ui.security import Guard, host_names  # noqa: E402
from gestured.ui.server import Page, create_app  # noqa: E402
from gestured.ui.teach import Teacher  # noqa: E402
from gestured.ui.trainer import Trainer  # noqa: E402
from tests.conftest import PROJECT_ROOT  # noqa: E402
from tests.fakes import ScriptedBackend, Seen  # noqa: E402

PORT = 8421
ORIGIN = f"http://127.0.0.1:{PORT}"
TOKEN = "test-token-0123456789"


@pytest.fixture()
def config_file(tmp_path: Path) -> Path:
    folder = tmp_path / "config"
    folder.mkdir(mode=0o700)
    path = folder / "gestures.yaml"
    shutil.copy(PROJECT_ROOT / "config" / "gestures.yaml", path)
    path.chmod(0o600)
    return path


@pytest.fixture()
def page(tmp_path: Path, config_file: Path) -> Page:
    classifier = load_classifier()
    feed = LiveFeed(lambda: classifier, clock=lambda: 1_700_000_000.0)
    datasets = tmp_path / "datasets"

    def open_backend(still: bool) -> Any:
        return ScriptedBackend([Seen("thumbs_up")] * 3)

    return Page(
        guard=Guard(TOKEN, host_names("127.0.0.1", PORT)), feed=feed,
        bindings=BindingsFile(config_file, model_labels, init_config),
        teacher=Teacher(datasets, feed.tap, open_backend),
        trainer=Trainer(datasets, tmp_path / "trained", builtin_per_label=40),
        stopping=threading.Event(),
    )


@pytest.fixture()
def client(page: Page) -> Iterator[TestClient]:
    with TestClient(create_app(page), base_url=ORIGIN) as test_client:
        yield test_client
    page.stopping.set()


def post(client: TestClient, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(path, json=body or {}, headers={"X-Gestured-Token": TOKEN, "Origin": ORIGIN, **headers})
