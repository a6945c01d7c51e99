"""Issue 11 as a hostile user would do it, on the real daemon process: hung and detached
commands, floods of fires, broken files and FIFOs behind SIGHUP, signals during start-up.

Real MediaPipe plays a folder of one thumbs-up photo in real time with the shipped model,
so thumbs_up fires (and repeats) like a held gesture. "Stops" means: SIGTERM, exit 0
within 3 s, and no process of any command's process group left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.integration.test_run_service import Running
from tests.output.test_shell import alive, kill_all, read_pids

pytestmark = pytest.mark.slow

STOP_WITHIN = 3.0


@pytest.fixture()
def thumbs(tmp_path: Path, shared_data: Path, landmarker_model: Path) -> Path:
    photos = sorted((shared_data / "seed-thumbs" / "thumbs_up").glob("*.jpg"))
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(600):  # 60 s at 10 fps: never ends during a test
        (frames / f"{index:04d}.jpg").symlink_to(photos[100])
    return frames


@pytest.fixture()
def start(tmp_path: Path, thumbs: Path) -> Iterator[Callable[..., Running]]:
    config_dir = tmp_path / "config"
    config_dir.mkdir(mode=0o700)
    started: list[Running] = []

    def launch(config: str, *extra: str, dry_run: bool = False) -> Running:
        path = config_dir / "gestures.yaml"
        path.write_text(config)
        path.chmod(0o600)
        environment = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "runtime"), "DISPLAY": "",
                       "WAYLAND_DISPLAY": ""}
        arguments = ["--config", str(path), "--source", str(thumbs), "--realtime", "--offline", *extra]
        running = Running(arguments + (["--dry-run"] if dry_run else []), environment)
        started.append(running)
        return running

    yield launch
    for running in started:
        running.process.kill()
        running.process.wait(10)


def stop_within(running: Running, seconds: float = STOP_WITHIN) -> float:
    """SIGTERM; assert a clean exit within `seconds`; returns how long it took."""
    began = time.monotonic()
    running.process.send_signal(signal.SIGTERM)
    assert running.process.wait(seconds + 5) == 0, "\n".join(running.lines)
    took = time.monotonic() - began
    assert took < seconds, f"took {took:.1f} s to stop"
    assert not any("Traceback" in line for line in running.lines), "\n".join(running.lines)
    return took


def test_sigterm_stops_hung_commands_and_their_groups(start: Callable[..., Running], tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    daemon = start(f"""
bindings:
  thumbs_up: {{shell: "echo $$ >> {pids}; sleep 1000 & echo $! >> {pids}; wait", use_shell: true,
              timeout: 600, repeat: 0.3}}
""")
    found = read_pids(pids, 6, timeout=40)  # three commands running, each a shell and its sleep
    try:
        stop_within(daemon)
        time.sleep(0.2)
        assert not [pid for pid in read_pids(pids, len(found)) if alive(pid)]
    finally:
        kill_all(read_pids(pids, len(found)))


def test_a_flood_of_slow_commands_is_bounded_and_stops_in_time(start: Callable[..., Running], tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    daemon = start(f"""
bindings:
  thumbs_up: {{shell: "echo $$ >> {pids}; exec sleep 3", use_shell: true, repeat: 0.05}}
""")
    daemon.wait_for("dropping", timeout=40)
    time.sleep(1.0)
    assert daemon.count("dropping") == 1  # logged once, not per fire
    found = read_pids(pids, 4)
    stop_within(daemon)
    time.sleep(0.2)
    assert not [pid for pid in read_pids(pids, len(found)) if alive(pid)]


def test_a_child_that_detaches_does_not_freeze_the_daemon(start: Callable[..., Running], tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    daemon = start(f"""
bindings:
  thumbs_up: {{shell: "setsid sleep 1000 & echo $! >> {pids}", use_shell: true, timeout: 3, repeat: 0.5}}
""", "--log-level", "debug")
    try:
        read_pids(pids, 3, timeout=40)  # it goes on firing: no worker is stuck on the pipe
        daemon.wait_for("exited 0")
        stop_within(daemon)
    finally:
        kill_all(read_pids(pids, 1))  # deliberately detached (a launcher's browser): ours to clean


BROKEN_SAVES = [b"hold: 0.25\x07\n", b"hold: " + b"[" * 5000 + b"\n", b"hold: !!float abc\n",
                b"bindings:\n  thumbs_up: {shell: " + b"[" * 3000 + b"\n", b"hold: " + b"9" * 100_000 + b"\n"]


def test_sighup_with_broken_files_and_storms_keeps_the_daemon(start: Callable[..., Running], tmp_path: Path) -> None:
    daemon = start("bindings:\n  thumbs_up: {key: play_pause, repeat: 0.5}\n", dry_run=True)
    daemon.wait_for("dry run: would press play_pause", timeout=40)
    config = tmp_path / "config" / "gestures.yaml"
    for number, data in enumerate(BROKEN_SAVES, start=1):
        config.write_bytes(data)
        daemon.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while daemon.count("not applied: keeping the last good settings") < number and time.monotonic() < deadline:
            time.sleep(0.05)
        assert daemon.process.poll() is None, "\n".join(daemon.lines)
    for _ in range(300):  # a storm: coalesced, never fatal
        daemon.process.send_signal(signal.SIGHUP)
    assert daemon.process.poll() is None
    config.write_text("bindings:\n  thumbs_up: {key: volume_up, repeat: 0.5}\n")
    daemon.process.send_signal(signal.SIGHUP)
    daemon.wait_for("reloaded gestures.yaml: ~thumbs_up key play_pause => key volume_up", timeout=20)
    assert not any("Traceback" in line for line in daemon.lines)
    stop_within(daemon)


def test_a_fifo_swapped_in_for_the_config_never_blocks(start: Callable[..., Running], tmp_path: Path) -> None:
    daemon = start("bindings:\n  thumbs_up: {key: play_pause, repeat: 0.5}\n", dry_run=True)
    daemon.wait_for("dry run: would press play_pause", timeout=40)
    config = tmp_path / "config" / "gestures.yaml"
    fifo = tmp_path / "config" / "fifo"
    os.mkfifo(fifo, 0o600)
    os.replace(fifo, config)  # through the watcher
    daemon.wait_for("it is a FIFO (named pipe)", timeout=10)
    daemon.process.send_signal(signal.SIGHUP)  # and through SIGHUP, on the main thread
    deadline = time.monotonic() + 10
    while daemon.count("it is a FIFO (named pipe)") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert daemon.count("it is a FIFO (named pipe)") >= 2
    fired = daemon.count("dry run: would press play_pause")
    deadline = time.monotonic() + 20
    while daemon.count("dry run: would press play_pause") == fired and time.monotonic() < deadline:
        time.sleep(0.1)
    assert daemon.count("dry run: would press play_pause") > fired  # frames still flow
    replacement = tmp_path / "config" / "new.yaml"
    replacement.write_text("bindings:\n  thumbs_up: {key: volume_up, repeat: 0.5}\n")
    replacement.chmod(0o600)
    os.replace(replacement, config)
    daemon.wait_for("reloaded gestures.yaml: ~thumbs_up key play_pause => key volume_up", timeout=20)
    stop_within(daemon)


@pytest.mark.parametrize("delay", [0.8, 2.0])
def test_sighup_and_sigusr1_during_start_up_are_kept_for_the_daemon(start: Callable[..., Running],
                                                                     delay: float) -> None:
    daemon = start("bindings:\n  thumbs_up: {key: play_pause}\n", dry_run=True)
    time.sleep(delay)
    daemon.process.send_signal(signal.SIGHUP)
    daemon.process.send_signal(signal.SIGUSR1)  # pause...
    time.sleep(0.2)  # (two pending signals of one kind are delivered as one)
    daemon.process.send_signal(signal.SIGUSR1)  # ...and resume: two toggles cancel out
    daemon.wait_for("dry run: would press play_pause", timeout=40)
    assert daemon.process.poll() is None
    stop_within(daemon)


@pytest.mark.parametrize("delay", [0.8, 1.5])
def test_sigint_or_sigterm_during_start_up_exit_without_a_traceback(start: Callable[..., Running],
                                                                     delay: float) -> None:
    for number in (signal.SIGINT, signal.SIGTERM):
        daemon = start("bindings:\n  thumbs_up: {key: play_pause}\n", dry_run=True)
        time.sleep(delay)
        daemon.process.send_signal(number)
        code = daemon.process.wait(STOP_WITHIN + 5)
        time.sleep(0.1)
        assert code in (0, 130), "\n".join(daemon.lines)
        assert not any("Traceback" in line for line in daemon.lines), "\n".join(daemon.lines)


@pytest.mark.parametrize("stdout", ["closed", "/dev/full"])
def test_events_to_a_closed_or_full_stdout_are_one_warning(thumbs: Path, tmp_path: Path, stdout: str) -> None:
    config = tmp_path / "gestures.yaml"
    config.write_text("bindings:\n  thumbs_up: {key: play_pause, repeat: 0.3}\n")
    config.chmod(0o600)
    tmp_path.chmod(0o700)
    command = [sys.executable, "-m", "gestured", "--dry-run", "--offline", "--max-frames", "30",
               "--config", str(config), "--source", str(thumbs)]
    with open(os.devnull if stdout == "closed" else stdout, "w") as target:
        result = subprocess.run(command, stdout=target, stderr=subprocess.PIPE, text=True, timeout=120,
                                preexec_fn=(lambda: os.close(1)) if stdout == "closed" else None)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.count("cannot print events") == 1


def test_a_nul_in_model_is_a_config_error_at_run(tmp_path: Path) -> None:
    config = tmp_path / "gestures.yaml"
    config.write_text('model: "a\\0b"\n')
    config.chmod(0o600)
    tmp_path.chmod(0o700)
    result = subprocess.run([sys.executable, "-m", "gestured", "--dry-run", "--config", str(config), "--source", "0"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"gestured: error: {config}:1: model: contains a NUL character (\\0): remove it")
