"""gestured.paths: where the shared folder is found (bench clips, training data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gestured.paths import shared_dir


def test_shared_folder_is_found_beside_a_clone_run_from_inside_it(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GESTURED_SHARED_DIR", raising=False)
    (tmp_path / "work" / "shared" / "data" / "videos").mkdir(parents=True)
    clone = tmp_path / "work" / "gestured" / "docs"
    clone.mkdir(parents=True)
    installed = tmp_path / "home" / "venv" / "lib" / "python3.11" / "site-packages"
    # A pip/pipx install lives in site-packages: only where it is run from leads to ../shared.
    assert shared_dir([installed, clone]) == tmp_path / "work" / "shared"
    assert shared_dir([installed]) is None


def test_the_variable_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTURED_SHARED_DIR", str(tmp_path / "elsewhere"))
    assert shared_dir([tmp_path]) == tmp_path / "elsewhere"
