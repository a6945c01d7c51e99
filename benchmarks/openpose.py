"""OpenPose backend vs the prototype's whole-frame pass, on real frames, printed as JSON.

    .venv/bin/python benchmarks/openpose.py [--frames 20] [--prototype-frames 3]

Uses the real prototxt (../shared/models/openpose/pose_deploy.prototxt) and, since the real
weights can't be downloaded here, a caffemodel with random weights of the same shapes
(tests/caffemodel.py, padded to the real file's size so the model store accepts it), both put
in a temporary GESTURED_MODEL_DIR and found through `ensure_model`, as the daemon finds them.
Random weights cost the same arithmetic as the real ones, so the timings hold; the keypoints
mean nothing. Pass --weights to time real weights instead. Each prototype frame costs 1-3 s.
Exit status 1 when ours costs more than 0.2x the prototype.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("GESTURED_SHARED_DIR", PROJECT_ROOT.parent / "shared"))
sys.path.insert(0, str(PROJECT_ROOT))

from gestured.bench.openpose import measure_openpose  # noqa: E402
from gestured.paths import model_dir  # noqa: E402
from gestured.recognition.backends.openpose import DEFAULT_INPUT_SIZE, DEFAULT_STAGE  # noqa: E402


def read_frames(video: Path, count: int) -> list:
    """The first `count` frames of a video file (BGR arrays)."""
    import cv2

    capture = cv2.VideoCapture(str(video))
    frames = []
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    if not frames:
        raise SystemExit(f"no frames in {video}")
    return frames


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=SHARED_DIR / "data" / "videos" / "demo.mp4")
    parser.add_argument("--prototxt", type=Path, default=SHARED_DIR / "models" / "openpose" / "pose_deploy.prototxt")
    parser.add_argument("--weights", type=Path, help="real weights (default: random weights)")
    parser.add_argument("--frames", type=int, default=20, help="frames for our backend (first one warms up)")
    parser.add_argument("--prototype-frames", type=int, default=4, help="frames for the prototype's pass")
    parser.add_argument("--input-size", type=int, default=DEFAULT_INPUT_SIZE)
    parser.add_argument("--stage", type=int, default=DEFAULT_STAGE)
    parser.add_argument("--region", default="mediapipe")
    return parser.parse_args()


def install_models(directory: Path, prototxt: Path, weights: Path | None) -> tuple[Path, Path]:
    """Put the prototxt, the weights (random ones, padded to the real file's size, when none
    are given) and the user's hand_landmarker.task into `directory`, as the model store
    names them; returns the paths `ensure_model` gives back for them."""
    from gestured.weights import MODELS, ensure_model
    from tests.caffemodel import REAL_WEIGHTS_SIZE, write_caffemodel

    landmarker = model_dir() / MODELS["hand_landmarker"].filename
    if landmarker.is_file():
        (directory / landmarker.name).symlink_to(landmarker)
    shutil.copy(prototxt, directory / MODELS["openpose_hand_prototxt"].filename)
    target = directory / MODELS["openpose_hand"].filename
    if weights is None:
        write_caffemodel(prototxt, target, total_size=REAL_WEIGHTS_SIZE)
    else:
        target.symlink_to(weights.resolve())
    os.environ["GESTURED_MODEL_DIR"] = str(directory)
    return ensure_model("openpose_hand_prototxt", offline=True), ensure_model("openpose_hand", offline=True)


def main() -> int:
    arguments = parse_arguments()
    frames = read_frames(arguments.video, arguments.frames)
    with tempfile.TemporaryDirectory(prefix="gestured-openpose-") as directory:
        prototxt, weights = install_models(Path(directory), arguments.prototxt, arguments.weights)
        result = measure_openpose(
            frames, prototxt, weights, input_size=arguments.input_size, stage=arguments.stage,
            region=arguments.region, prototype_frames=arguments.prototype_frames,
        )
    result["weights"] = "random" if arguments.weights is None else str(arguments.weights)
    result["video"] = arguments.video.name
    print(json.dumps(result, indent=2))
    return 0 if result["prototype_ratio"] <= 0.2 else 1


if __name__ == "__main__":
    sys.exit(main())
