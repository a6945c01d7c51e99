"""`gestured check` (gestured/commands/check.py) on real files, through the real CLI."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from gestured import paths
from gestured.cli import main

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty XDG_CONFIG_HOME: the user has no gestures.yaml yet."""
    home = tmp_path / "config-home"
    home.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    return home


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gestures.yaml"
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    path.chmod(0o600)
    return path


def test_ok_prints_a_summary_of_the_bindings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, """
        hold: 0.2
        bindings:
          thumbs_up:
            key: play_pause
          point_up:
            key: volume_up
            repeat: 0.3
            hand: right
          ok:
            shell: [echo, hi]
        """)
    assert main(["check", "--config", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"OK: {path}",
        "  backend mediapipe, camera 0, model shipped, 1 hand",
        "  threshold 0.7, hold 0.2 s, release 0.3 s",
        "  3 bindings:",
        "    thumbs_up -> key play_pause",
        "    point_up  -> key volume_up  (hold 0.5 s, repeat every 0.3 s, right hand)",  # `gestures:` default
        "    ok        -> shell echo hi  (hold 0.5 s)",
    ]


def test_warns_of_a_hold_that_feels_broken_and_a_program_not_on_path(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, """
        hold: 2.5
        bindings:
          thumbs_up:
            key: play_pause
            hold: 0.7
          fist:
            shell: [no-such-program-gestured, hi]
            hold: 1.8
          ok:
            shell: "no-such-program-gestured | true"
            use_shell: true
        """)
    assert main(["check", "--config", str(path)]) == 0  # warnings, not errors
    warnings = [line for line in capsys.readouterr().out.splitlines() if "warning" in line]
    assert warnings == [
        f"{path}:1: warning: hold: 2.5 s is so long that a gesture seems to do nothing; 0.25-0.7 s is usual",
        f"{path}:8: warning: bindings.fist.hold: 1.8 s is so long that the gesture seems to do nothing; "
        "0.25-0.7 s is usual",
        f"{path}:7: warning: bindings.fist.shell: no-such-program-gestured is not on PATH, so this command "
        "can't start (install it, or give its full path)",
    ]  # a 0.7 s hold is fine; with use_shell the shell finds its programs


def test_every_problem_goes_to_stderr_and_exit_is_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, """
        hold: -1
        bindings:
          ok:
            key: ctrll
        """)
    assert main(["check", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{path}:1: hold: must be at least 0, not -1",
        f"{path}:4: bindings.ok.key: unknown key 'ctrll' (did you mean 'ctrl'?)",
        f"{path}: 2 problems",
    ]


def test_without_a_user_file_the_shipped_default_is_checked(
    config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert f"using the shipped default {paths.shipped_config_file()}" in out
    assert f"`gestured check --init` copies it to {config_home / 'gestured' / 'gestures.yaml'}" in out
    assert "thumbs_up   -> key play_pause" in out


def test_init_copies_the_default_privately_and_never_overwrites(
    config_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = config_home / "gestured" / "gestures.yaml"
    assert main(["check", "--init"]) == 0
    assert target.read_bytes() == paths.shipped_config_file().read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    out = capsys.readouterr().out
    assert out.splitlines()[:2] == [f"wrote the documented default to {target}", f"OK: {target}"]
    target.write_text("hold: 0.2\n")
    assert main(["check", "--init"]) == 2  # a GesturedError, printed by the CLI
    assert f"gestured: error: {target} already exists" in capsys.readouterr().err
    assert target.read_text() == "hold: 0.2\n"


def test_permission_refusal_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, "hold: 0.2\n")
    path.chmod(0o620)
    assert main(["check", "--config", str(path)]) == 2
    assert f"run: chmod go-w {path}" in capsys.readouterr().err


def test_gestures_of_a_custom_model_are_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gestured.recognition.features import FEATURE_SIZE
    from gestured.training.mlp import train_classifier

    generator = np.random.default_rng(0)
    features = generator.normal(size=(60, FEATURE_SIZE)).astype(np.float32)
    labels = np.array(["peace", "rock", "none"] * 20)
    train_classifier(features, labels, hidden_layers=(8,)).save(tmp_path / "custom")
    path = write_config(tmp_path, """
        model: custom
        bindings:
          peace:
            key: ctrl+p
          rok:
            key: r
        """)
    assert main(["check", "--config", str(path)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"{path}:5: bindings.rok: unknown gesture 'rok' (did you mean 'rock'?)")
    path.write_text(path.read_text().replace("rok:", "rock:"))
    assert main(["check", "--config", str(path)]) == 0


def test_a_missing_custom_model_is_reported_at_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(tmp_path, "model: missing\nbindings:\n  ok:\n    key: a\n")
    assert main(["check", "--config", str(path)]) == 2
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(f"{path}:1: model: model {tmp_path / 'missing'}.json: file not found")


def test_check_runs_as_a_real_command(tmp_path: Path) -> None:
    path = write_config(tmp_path, "bindings:\n  ok:\n    key: ctrl+alt+entr\n")
    result = subprocess.run([sys.executable, "-m", "gestured", "check", "--config", str(path)],
                            capture_output=True, text=True, timeout=60, cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        f"{path}:3: bindings.ok.key: unknown key 'entr' (did you mean 'enter'?)")
