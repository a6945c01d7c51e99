"""`memory_soak.py --daemon`: the real daemon process under reloads and firing shell actions.

A folder of one thumbs-up photo plays in real time (10 fps) with the shipped model, so
thumbs_up is held the whole run and its shell action fires every `--repeat` seconds;
each command writes 100 KB to stderr and fails (the capped stderr reader and the failure
log run every time). Every `--reload-every` seconds the config is rewritten (hold
alternating 0.25 / 0.3: picked up by the watcher) and every other time SIGHUP is sent
as well. The daemon's RSS, open fds, threads and child processes are sampled every
`--every` seconds; at the end SIGTERM must stop it with no command left behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

CONFIG = """\
hold: {hold}
bindings:
  thumbs_up: {{shell: "head -c 100000 /dev/zero | tr '\\\\0' e >&2; exit 1", use_shell: true,
              repeat: {repeat}, timeout: 5}}
"""


def process_sample(pid: int) -> dict[str, float]:
    """RSS (MiB), open fds, threads and direct children of `pid`, from /proc."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    children = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children += int(fields[1]) == pid
    return {"rss_mb": round(int(status["VmRSS"].split()[0]) / 1024, 1),
            "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": int(status["Threads"]), "children": children}


def soak(args: argparse.Namespace, photo: Path) -> dict[str, Any]:
    """Run the daemon for `args.minutes`; returns the series and the counts as a dict."""
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        config_dir, frames = root / "config", root / "frames"
        config_dir.mkdir(mode=0o700)
        frames.mkdir()
        for index in range(int(args.minutes * 60 * 10) + 100):
            (frames / f"{index:06d}.jpg").symlink_to(photo)
        config = config_dir / "gestures.yaml"
        config.write_text(CONFIG.format(hold=0.25, repeat=args.repeat))
        config.chmod(0o600)
        environment = {**os.environ, "XDG_RUNTIME_DIR": str(root / "runtime"), "DISPLAY": "", "WAYLAND_DISPLAY": ""}
        daemon = subprocess.Popen(
            [sys.executable, "-m", "gestured", "--config", str(config), "--source", str(frames), "--realtime",
             "--offline"], env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        counts = {"reloaded": 0, "fired": 0, "exited 1": 0, "Traceback": 0, "dropping": 0}
        reader = threading.Thread(target=_count_lines, args=(daemon, counts), daemon=True)
        reader.start()
        samples = _drive(daemon, config, args)
        began = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(30)
        stop_seconds = round(time.monotonic() - began, 2)
        reader.join(5)
    return {"mode": "daemon", "minutes": args.minutes, "repeat_s": args.repeat, "reload_every_s": args.reload_every,
            "exit_code": code, "stop_seconds": stop_seconds, "counts": counts,
            "first": samples[0] if samples else None, "last": samples[-1] if samples else None,
            "second_half_rss_growth_mb": _half_growth(samples), "samples": samples}


def _drive(daemon: subprocess.Popen[str], config: Path, args: argparse.Namespace) -> list[dict[str, float]]:
    samples: list[dict[str, float]] = []
    began = time.monotonic()
    next_sample, next_reload, reloads = began + args.every, began + args.reload_every, 0
    while time.monotonic() - began < args.minutes * 60 and daemon.poll() is None:
        now = time.monotonic()
        if now >= next_reload:
            reloads += 1
            config.write_text(CONFIG.format(hold=0.3 if reloads % 2 else 0.25, repeat=args.repeat))
            if reloads % 2 == 0:
                daemon.send_signal(signal.SIGHUP)
            next_reload += args.reload_every
        if now >= next_sample:
            samples.append({"at_s": round(now - began, 1), **process_sample(daemon.pid)})
            next_sample += args.every
        time.sleep(0.05)
    return samples


def _count_lines(daemon: subprocess.Popen[str], counts: dict[str, int]) -> None:
    assert daemon.stderr is not None
    for line in daemon.stderr:
        for key in counts:
            counts[key] += key in line
        counts["fired"] += "INFO: shell" in line


def _half_growth(samples: list[dict[str, float]]) -> float | None:
    if len(samples) < 2:
        return None
    half = [sample["rss_mb"] for sample in samples if sample["at_s"] >= samples[-1]["at_s"] / 2]
    return round(half[-1] - half[0], 1)
