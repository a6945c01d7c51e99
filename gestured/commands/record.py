"""`gestured record LABEL --source SRC`: capture keypoints of one gesture into a dataset file.

A camera or a video runs the backend in VIDEO mode (tracking); an image folder runs it in
IMAGE mode with the tiled second pass of `gestured.recognition.stills` and keeps the labelled hand
(`pick_hand`). Frames without a hand are counted and skipped. Ctrl-C stops the capture
and keeps what was taken. The file is DIR/LABEL-<timestamp>.npz (schema: gestured.training.dataset).
The backend is built from the user's gestures.yaml as the daemon's is (`mirrored:`, the
backend's options), so a sample is what the daemon will see of the same hand.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from gestured.capture.opening import give_up_after
from gestured.capture.frames import FrameSource
from gestured.capture.options import CameraOptions, SourceOptions
from gestured.capture.sources import open_source
from gestured.commands.run import add_wait_for_camera
from gestured.errors import GesturedError
from gestured.paths import data_dir
from gestured.progress import progress
from gestured.recognition.backends import BACKENDS, DEFAULT_BACKEND, backend_for
from gestured.training.dataset import save_dataset
from gestured.training.recording import LABEL_PATTERN, Recorder, capture, output_path

LIVE_MAX_SAMPLES = 200  # default for cameras; files and folders run to their end


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("label", help="the gesture's name, e.g. thumbs_up, none or one of your own")
    parser.add_argument("--source", required=True,
                        help="camera index (0), /dev/videoN, a video file or a folder of images")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="folder for the dataset file (default: ~/.local/share/gestured/datasets)")
    parser.add_argument("--backend", default=DEFAULT_BACKEND, choices=sorted(BACKENDS),
                        help=f"keypoint backend (default: {DEFAULT_BACKEND})")
    parser.add_argument("--max-samples", type=int, default=None, metavar="N",
                        help=f"stop after N samples (default: {LIVE_MAX_SAMPLES} from a camera, "
                             "all from a file or folder; 0: no limit)")
    parser.add_argument("--every", type=int, default=1, metavar="N",
                        help="use every Nth frame (default: 1; 3 gives more varied samples from a camera)")
    parser.add_argument("--format", choices=("npz", "csv"), default="npz", help="file format (default: npz)")
    parser.add_argument("--offline", action="store_true", help="never download the backend's model")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="gestures.yaml whose `mirrored:` and backend options apply (default: the one "
                             "`gestured run` reads), so samples match what the daemon sees")
    add_wait_for_camera(parser)


def progress_bar(source: FrameSource, every: int, limit: int) -> tuple[Any, Callable[[Recorder], None]]:
    """A progress bar (gestured.progress) and the on_frame that moves it: frames of a
    folder or video (total known, or as the file says), samples from a camera."""
    if source.is_live:
        bar = progress(limit or None, f"record {source.name}", "samples")
        return bar, lambda recorder: bar.update(recorder.samples - bar.n)
    frames = source.frame_count
    bar = progress(-(-frames // every) if frames else None, f"record {Path(source.name).name}", "frames")
    return bar, lambda recorder: bar.update(recorder.frames - bar.n)


def check_arguments(args: argparse.Namespace) -> None:
    """Raises GesturedError for a label that can't name a file or gesture, or bad counts."""
    if not LABEL_PATTERN.fullmatch(args.label):
        raise GesturedError(f"label {args.label!r}: use letters, digits, _ and - "
                            "(it names the file and the gesture in gestures.yaml)")
    if args.every < 1 or (args.max_samples is not None and args.max_samples < 0):
        raise GesturedError("--every must be 1 or more and --max-samples 0 or more")


def check_writable(folder: Path) -> None:
    """Make sure a file can be written in `folder` (created for the test and removed again:
    a recording that finds no hand leaves nothing behind).

    Raises GesturedError naming the folder and the reason.
    """
    if folder.exists() and not folder.is_dir():
        raise GesturedError(f"--out {folder} is a file: give a folder for the dataset")
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        for created in missing:  # deepest first
            created.rmdir()
    except OSError as error:
        raise GesturedError(f"--out {folder}: cannot write there ({error.strerror}): "
                            "give a folder you can write") from None


def main(args: argparse.Namespace) -> int:
    from gestured.config.live import user_settings

    check_arguments(args)
    folder = (args.out or data_dir() / "datasets").expanduser()
    check_writable(folder)  # before capturing: a bad --out loses no samples
    path = output_path(folder, args.label, args.format, datetime.now())
    settings = user_settings(args.config, also_known=(args.label,))
    camera = CameraOptions(give_up_after=give_up_after(args.wait_for_camera))
    source = open_source(args.source, SourceOptions(camera=camera))
    still = source.stills
    limit = args.max_samples if args.max_samples is not None else (LIVE_MAX_SAMPLES if source.is_live else 0)
    recorder = Recorder(args.label, session=path.stem)
    if source.is_live:
        print(f"recording {args.label!r} from {source.name}: show the gesture, move it around a little; "
              f"stops after {limit or 'unlimited'} samples, Ctrl-C stops and saves", file=sys.stderr)
    try:
        backend = backend_for(settings, args.backend, mode="image" if still else "video",
                              num_hands=2 if still else 1, offline=args.offline)
        try:
            bar, on_frame = progress_bar(source, args.every, limit)
            with bar:
                finished = capture(source, backend, recorder, still=still, every=args.every,
                                   max_samples=limit, on_frame=on_frame)
        finally:
            backend.close()
    finally:
        source.close()
    stopped = "" if finished else " (stopped by Ctrl-C)"
    if not recorder.samples:
        raise GesturedError(f"no hand found in {recorder.frames} frames of {args.source}{stopped}: "
                            "nothing saved; check the hand is in view and lit")
    save_dataset(path, recorder.dataset())
    print(f"recorded {recorder.status()}{stopped} -> {path}")
    print(f"next: gestured train --data {folder} --with-builtin --out {data_dir() / 'my-model'}")
    return 0
