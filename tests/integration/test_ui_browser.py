"""The page in a real browser (Debian's chromium driven by Playwright) against a real
`gestured ui` subprocess with real MediaPipe, real keys into Xvfb and real files.

What a person would do from the page alone: see the hand tracked and thumbs up fire,
bind thumbs up to a key (a typo first), teach `peace` (held record button, then a
folder of photos), train, use the new model, bind it, and see it fire.
Screenshots of each step go to tests/artifacts/ui (or $GESTURED_ARTIFACTS).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pytest

from tests.conftest import PROJECT_ROOT
from tests.integration.ui_source import FRAMES_PER_PHOTO, write_source

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
PHOTOS_SHOWN = 6  # photos of the new gesture in the looped source
PHOTOS_TAUGHT = 120  # other photos of it, added from a folder
FPS = 10
GREEN = np.array([80, 220, 80])  # the skeleton's bones (gestured.preview)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("GESTURED_ARTIFACTS", PROJECT_ROOT / "tests" / "artifacts")) / "ui"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium chromium-driver; CI installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1400, "height": 1000})
        yield context
        context.close()


class UiProcess:
    """`gestured ui` on the looped source; the URL is read from its first line of output."""

    def __init__(self, tmp: Path, source: Path, config: Path, display: str, model_dir: Path) -> None:
        env = {**os.environ, "XDG_DATA_HOME": str(tmp / "data"), "XDG_STATE_HOME": str(tmp / "state"),
               "XDG_RUNTIME_DIR": str(tmp / "run"), "XDG_CONFIG_HOME": str(tmp / "xdg-config"),
               "GESTURED_MODEL_DIR": str(model_dir), "DISPLAY": display, "PYTHONUNBUFFERED": "1"}
        self.log = tmp / "gestured-ui.log"
        command = [sys.executable, "-m", "gestured", "ui", "--source", str(source), "--fps", str(FPS), "--realtime",
                   "--loop", "--port", "0", "--config", str(config), "--offline"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, cwd=tmp)
        self.url = self._read_url()
        self.base = self.url.split("/?token=")[0]
        self.token = self.url.split("token=")[1]

    def _read_url(self) -> str:
        found: list[str] = []

        def read() -> None:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                match = re.search(rb"http://\S+", line)
                if match and not found:
                    found.append(match.group().decode())

        threading.Thread(target=read, daemon=True).start()
        deadline = time.monotonic() + 60
        while not found and time.monotonic() < deadline and self.process.poll() is None:
            time.sleep(0.1)
        if not found:
            pytest.fail(f"gestured ui printed no address: {self.log.read_text(errors='replace')}")
        return found[0]

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.base}{path}?token={self.token}", timeout=10) as response:
            return response.read()

    def frame_position(self) -> int | None:
        frame = json.loads(self.get("/api/state"))["live"]["frame"]
        return None if frame is None else frame

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, shared_data: Path, landmarker_model: Path,
       xvfb_display: str) -> Iterator[tuple[UiProcess, Path, int]]:
    tmp = tmp_path_factory.mktemp("ui")
    photos = sorted((shared_data / "extra" / "sign-language-digits" / "2").iterdir())
    frames = write_source(shared_data / "videos" / "demo.mp4", photos[:PHOTOS_SHOWN], tmp / "source")
    config_dir = tmp / "config"
    config_dir.mkdir(mode=0o700)
    config = config_dir / "gestures.yaml"
    shutil.copy(PROJECT_ROOT / "config" / "gestures.yaml", config)
    config.chmod(0o600)
    process = UiProcess(tmp, tmp / "source", config, xvfb_display, landmarker_model.parent)
    yield process, config, frames
    process.stop()


def comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


def wait_for_file(path: Path, needle: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while needle not in path.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = path.read_text()
    assert needle in text, text
    return text


def test_see_bind_teach_and_fire_from_the_page(browser: Any, ui: Any, artifacts: Path,
                                               shared_data: Path) -> None:
    process, config, frames = ui
    original = config.read_text()
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: dialog.dismiss())
    page.goto(process.url)

    # 1. The hand is tracked: skeleton on the frame, the gesture named, thumbs up fires.
    page.wait_for_selector("#connection.live", timeout=30_000)
    wait_until(lambda: page.inner_text("#current-gesture") == "thumbs up", 60)
    frame = _decode(process.get("/api/frame.jpg"))
    assert (np.abs(frame.astype(int) - GREEN[::-1]).sum(axis=2) < 60).sum() > 50, "no skeleton drawn"
    # What the debouncer does with the hand in view: "thumbs_up: holding 0.20 / 0.25 s, steady".
    wait_until(lambda: re.search(r"thumbs_up: holding [\d.]+ / [\d.]+ s, steady", page.inner_text("#holds")), 60)
    page.wait_for_selector("tr.event[data-gesture=thumbs_up]", timeout=60_000)
    assert page.evaluate("document.getElementById('view').naturalWidth") == 640
    page.screenshot(path=artifacts / "1-live-thumbs-up.png", full_page=True)

    # 2. Bind thumbs up to a key: a typo is shown next to the field with file:line, then the fix is saved.
    row = page.locator("tr.binding[data-gesture=thumbs_up]")
    row.locator("[name=value]").fill("ctrll+alt+p")
    row.locator("button.save").click()
    problem = row.locator(".problem")
    problem.wait_for(timeout=10_000)
    assert re.search(rf"{re.escape(str(config))}:\d+: bindings.thumbs_up.key: unknown key 'ctrll'", problem.inner_text())
    assert config.read_text() == original
    page.screenshot(path=artifacts / "2-binding-typo.png", full_page=True)
    row.locator("[name=value]").fill("ctrl+alt+p")
    row.locator("button.save").click()
    text = wait_for_file(config, "thumbs_up:\n    key: ctrl+alt+p\n")
    assert comment_lines(text) == comment_lines(original)
    page.wait_for_selector("tr.event[data-gesture=thumbs_up] >> text=key ctrl+alt+p", timeout=60_000)
    assert "yes" in page.locator("tr.event[data-gesture=thumbs_up]").first.inner_text()
    page.screenshot(path=artifacts / "3-binding-saved-and-fired.png", full_page=True)

    # 3. Teach `peace`: hold the record button while the photos are on screen...
    page.fill("#teach-label", "peace")
    demo_frames = frames - PHOTOS_SHOWN * FRAMES_PER_PHOTO
    _wait_for_position(process, frames, demo_frames + 2, demo_frames + FRAMES_PER_PHOTO * 2)
    page.hover("#record")
    page.mouse.down()
    page.wait_for_timeout(2000)
    page.screenshot(path=artifacts / "4-recording.png", full_page=True)
    page.mouse.up()
    wait_until(lambda: int(page.inner_text("#teach-count").split()[0]) >= 5, 10)
    # ...then from a folder of photos.
    photos = config.parent.parent / "peace-photos"
    photos.mkdir()
    for photo in sorted((shared_data / "extra" / "sign-language-digits" / "2").iterdir())[PHOTOS_SHOWN:][:PHOTOS_TAUGHT]:
        shutil.copy(photo, photos)
    page.fill("#teach-path", str(photos))
    page.click("#teach-import")
    wait_until(lambda: "peace-photos" in page.inner_text("#teach-status")
               and "saved" in page.inner_text("#teach-status"), 300)
    datasets = list((config.parent.parent / "data" / "gestured" / "datasets").glob("peace-*.npz"))
    assert len(datasets) == 2

    # 4. Train: progress, accuracy and the confusion matrix; then use the model.
    page.click("#train")
    page.wait_for_selector("#train-result:not([hidden])", timeout=900_000)
    assert "Cross-validated accuracy" in page.inner_text("#train-accuracy")
    assert page.evaluate("document.getElementById('confusion').complete && "
                         "document.getElementById('confusion').naturalWidth > 0")
    page.screenshot(path=artifacts / "5-trained.png", full_page=True)
    page.click("#use-model")
    wait_for_file(config, "model: " + str(config.parent.parent / "data" / "gestured" / "trained"))

    # 5. The new gesture appears in the editor; bind it and see it fire.
    page.wait_for_selector("#new-gesture option[value=peace]", state="attached", timeout=30_000)
    page.select_option("#new-gesture", "peace")
    page.click("#add-binding")
    new_row = page.locator("tr.binding[data-gesture=peace]")
    new_row.locator("[name=value]").fill("f8")
    new_row.locator("button.save").click()
    wait_for_file(config, "peace:\n    key: f8\n")
    page.wait_for_selector("tr.event[data-gesture=peace]", timeout=90_000)
    assert "yes" in page.locator("tr.event[data-gesture=peace]").first.inner_text()
    page.screenshot(path=artifacts / "6-peace-fired.png", full_page=True)
    assert comment_lines(config.read_text()) == comment_lines(original)
    assert errors == []


def wait_until(condition: Any, timeout: float) -> None:
    """Poll `condition()` (the page's CSP forbids Playwright's eval-based waits)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s")
        time.sleep(0.1)


def _decode(data: bytes) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def _wait_for_position(process: UiProcess, frames: int, start: int, end: int) -> None:
    """Wait until the looped source shows a frame between start and end of a play."""
    deadline = time.monotonic() + 4 * frames / FPS
    while time.monotonic() < deadline:
        position = process.frame_position()
        if position is not None and start <= position < end:
            return
        time.sleep(0.05)
    pytest.fail("the looped source never reached the photos")
