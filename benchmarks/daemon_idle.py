"""The real daemon's idle cost: `gestured --dry-run --realtime` on a synthesised static scene.

    .venv/bin/python benchmarks/daemon_idle.py [--seconds 40] [--warmup 8] [-- EXTRA DAEMON ARGS]

`gestured bench` measures idle cost in its own loop; this runs the daemon itself (its
source, its loop, its gate) as a subprocess on an empty still scene played at its own
frame rate, and reads the process's CPU time (utime + stime of all its threads, from
/proc/PID/stat) after `--warmup` seconds (startup, model loading and the first
`idle_after` seconds of backend are over by then) and again at the end. Prints one JSON
object with `cpu_fraction_idle` = CPU seconds / wall seconds between the two readings.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gestured.commands.bench import write_static_clip

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid` (all its threads, live and exited), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the static scene")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds before the first reading")
    parser.add_argument("extra", nargs="*", help="more arguments for the daemon (after --)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gestured-idle-") as scratch:
        clip = write_static_clip(Path(scratch) / "static.mp4", seconds=args.seconds)
        command = [sys.executable, "-m", "gestured", "--dry-run", "--realtime", "--source", str(clip),
                   "--log-level", "warning", *args.extra]
        daemon = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(args.warmup)
            cpu_start, wall_start = cpu_seconds(daemon.pid), time.monotonic()
            time.sleep(max(1.0, args.seconds - args.warmup - 3.0))
            cpu_end, wall_end = cpu_seconds(daemon.pid), time.monotonic()
            still_running = daemon.poll() is None
        finally:
            daemon.terminate()
            daemon.wait(timeout=10)
    print(json.dumps({
        "command": " ".join(command[1:]),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "measured_seconds": round(wall_end - wall_start, 2),
        "cpu_seconds": round(cpu_end - cpu_start, 3),
        "cpu_fraction_idle": round((cpu_end - cpu_start) / (wall_end - wall_start), 4),
        "daemon_still_running_at_end": still_running,
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }, indent=1))
    return 0 if still_running else 1


if __name__ == "__main__":
    raise SystemExit(main())
