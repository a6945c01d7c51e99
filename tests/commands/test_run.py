"""gestured/commands/run.py: start-up failures give one line and a non-zero exit, nothing half-started."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gestured.cli import main
from gestured.recognition.classifier import LABELS
from gestured.recognition.features import FEATURE_SIZE
from gestured.training.mlp import train_classifier

CONFIG = """\
model: {model}
bindings:
  thumbs_up:
    key: play_pause
"""


@pytest.fixture()
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A valid gestures.yaml (mode 600) with a tiny classifier trained on random features."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    rng = np.random.default_rng(0)
    features = rng.normal(size=(len(LABELS) * 4, FEATURE_SIZE)).astype(np.float32)
    train_classifier(features, np.repeat(np.array(LABELS), 4), hidden_layers=(4,)).save(tmp_path / "tiny")
    path = tmp_path / "gestures.yaml"
    path.write_text(CONFIG.format(model=tmp_path / "tiny"))
    path.chmod(0o600)
    tmp_path.chmod(0o700)
    return path


def run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str]:
    code = main(["run", *arguments])
    return code, capsys.readouterr().err


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("gestured: error:")]


def test_unknown_backend(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "a.png").write_bytes(b"")
    code, stderr = run(capsys, "--dry-run", "--config", str(config), "--source", str(folder), "--backend", "nope")
    assert code == 2
    assert error_lines(stderr) == ["gestured: error: unknown backend 'nope': choose one of mediapipe, openpose"]
    assert "reading frames" not in stderr


def test_missing_source(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, stderr = run(capsys, "--dry-run", "--config", str(config), "--source", str(tmp_path / "nope.mp4"))
    assert code == 2
    assert len(error_lines(stderr)) == 1 and "no camera, video file or image folder named" in stderr


def test_broken_config_names_file_and_line(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(config.read_text() + "    hold: [\n")
    code, stderr = run(capsys, "--dry-run", "--config", str(config), "--source", "0")
    assert code == 2
    assert f"{config}:" in error_lines(stderr)[0]


def test_missing_model(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(CONFIG.format(model=tmp_path / "absent"))
    code, stderr = run(capsys, "--dry-run", "--config", str(config), "--source", "0")
    assert code == 2
    assert "absent" in error_lines(stderr)[0]


def test_show_without_a_display(config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                monkeypatch: pytest.MonkeyPatch, landmarker_model: Path) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    code, stderr = run(capsys, "--dry-run", "--show", "--offline", "--config", str(config), "--source", "0")
    assert code == 2
    assert error_lines(stderr) == [
        "gestured: error: --show needs a display (DISPLAY or WAYLAND_DISPLAY is not set): drop --show"]


def test_watcher_reloader_hands_over_good_saves_and_ignores_broken_ones(config: Path) -> None:
    """Real file, real watchdog: what reaches the daemon's poll()."""
    import time

    from gestured.commands.run import load_configuration
    from gestured.config.live import ClassifierCache, LiveConfig

    classifiers = ClassifierCache()
    settings, _ = load_configuration(config, classifiers=classifiers)
    reloader = LiveConfig(config, settings, classifiers).start()

    def poll_for(seconds: float):  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = reloader.poll()
            if found is not None:
                return found
            time.sleep(0.05)
        return None

    try:
        config.write_text(config.read_text().replace("play_pause", "mute"))
        updated = poll_for(5.0)
        assert updated is not None and updated.bindings[0].action.keys == ("mute",)
        config.write_text(config.read_text().replace("key: mute", "key: ctrll+t"))  # unknown key
        assert poll_for(1.5) is None  # refused: the daemon keeps what it has
        reloader.reload_now()  # SIGHUP path: still refused, nothing handed over
        assert reloader.poll() is None
        assert reloader.last_error is not None and "ctrll" in str(reloader.last_error.problems)
        config.write_text(config.read_text().replace("ctrll+t", "ctrl+t"))
        fixed = poll_for(5.0)
        assert fixed is not None and fixed.bindings[0].action.keys == ("ctrl", "t")
    finally:
        reloader.close()


def test_a_user_file_created_while_running_on_the_shipped_default_is_watched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gestured check --init` while the daemon runs on the shipped default: the new file applies."""
    import argparse
    import time

    from gestured import paths
    from gestured.commands.run import load_configuration, watched_config
    from gestured.config.live import ClassifierCache, LiveConfig

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    shipped = paths.shipped_config_file()
    watched = watched_config(argparse.Namespace(config=None), shipped)
    assert watched == paths.user_config_file() and watched.parent.is_dir()
    assert watched.parent.stat().st_mode & 0o777 == 0o700
    assert watched_config(argparse.Namespace(config=str(shipped)), shipped) == shipped

    classifiers = ClassifierCache()
    settings, _ = load_configuration(shipped, classifiers=classifiers)
    reloader = LiveConfig(watched, settings, classifiers).start()
    try:
        watched.write_text("bindings:\n  fist:\n    key: volume_down\n")
        watched.chmod(0o600)
        deadline = time.monotonic() + 5.0
        updated = None
        while updated is None and time.monotonic() < deadline:
            updated = reloader.poll()
            time.sleep(0.05)
        assert updated is not None
        assert [(binding.gesture, binding.action.keys) for binding in updated.bindings] == [
            ("fist", ("volume_down",))
        ]
    finally:
        reloader.close()
