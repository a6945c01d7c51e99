"""Memory over a long run: the daemon's pipeline (no bare comparison call) on a looped video.

    .venv/bin/python benchmarks/memory_soak.py [--minutes 3] [--source VIDEO] [--realtime]
    .venv/bin/python benchmarks/memory_soak.py --daemon [--minutes 3] [--repeat 0.2] [--reload-every 2]

Prints one JSON object: RSS (MiB) at the start and end of the run, samples every
`--every` seconds, the peak (VmHWM), frames played, and the RSS growth over the second
half of the run (the part after warm-up, where a leak would show).

`--daemon` soaks the real daemon process instead, with hot reloads, SIGHUPs and a shell
action firing all the time (see benchmarks/soak_daemon.py): RSS, fds, threads and child
processes are sampled, and SIGTERM must stop it at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

from gestured.bench.core import Clip, ClipRunner, memory_mb
from gestured.commands.bench import build_parts, shared_dir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0, help="media minutes to play (default 3)")
    parser.add_argument("--source", type=Path, default=shared_dir() / "data" / "videos" / "asl.mp4")
    parser.add_argument("--realtime", action="store_true", help="play at the clip's own frame rate")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between RSS samples")
    parser.add_argument("--daemon", action="store_true",
                        help="soak the daemon process with reloads and firing shell actions")
    parser.add_argument("--repeat", type=float, default=0.2, help="--daemon: seconds between fires")
    parser.add_argument("--reload-every", type=float, default=2.0, help="--daemon: seconds between config saves")
    args = parser.parse_args()
    if args.daemon:
        return soak_daemon(args)
    if not args.source.is_file():
        print(f"no video at {args.source}: pass --source or set GESTURED_SHARED_DIR", file=sys.stderr)
        return 2
    start = memory_mb()["rss_mb"]
    notes: list[str] = []
    parts = build_parts("mediapipe", None, notes, gate=True, bare=False)
    after_build = memory_mb()["rss_mb"]
    samples: list[tuple[float, float]] = []
    done = threading.Event()
    began = time.monotonic()

    def sample() -> None:
        while not done.wait(args.every):
            samples.append((round(time.monotonic() - began, 1), memory_mb()["rss_mb"]))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # Bounded timing lists: unbounded ones would add ~0.3 KB a frame of the bench's own.
    runner = ClipRunner(parts, realtime=args.realtime, min_seconds=args.minutes * 60, max_samples=1000)
    result = runner.run(Clip(args.source.stem, args.source, "soak", True))
    done.set()
    sampler.join()
    parts.backend.close()
    end = memory_mb()
    half = [rss for at, rss in samples if at >= samples[-1][0] / 2] if samples else []
    print(json.dumps({
        "source": str(args.source),
        "realtime": args.realtime,
        "media_minutes": round(result.media_seconds / 60, 2),
        "wall_minutes": round((time.monotonic() - began) / 60, 2),
        "frames": result.counts.get("frames", 0),
        "frames_backend": result.counts.get("backend", 0),
        "rss_mb_before_pipeline": start,
        "rss_mb_after_build": after_build,
        "rss_mb_start": result.rss_mb[0],
        "rss_mb_end": result.rss_mb[1],
        "peak_rss_mb": end["peak_rss_mb"],
        "second_half_growth_mb": round(half[-1] - half[0], 1) if len(half) > 1 else None,
        "samples": samples,
        "notes": notes,
    }, indent=1))
    return 0


def soak_daemon(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from soak_daemon import soak

    photos = sorted((shared_dir() / "data" / "seed-thumbs" / "thumbs_up").glob("*.jpg"))
    if not photos:
        print("no thumbs-up photos under the shared data: set GESTURED_SHARED_DIR", file=sys.stderr)
        return 2
    print(json.dumps(soak(args, photos[100]), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
