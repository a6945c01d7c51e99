"""The OpenPose backend against the prototype's way, side by side in one run.

The prototype resized each whole frame to 368x368 and ran all six stages of the net. Ours
finds the hand, crops it, and runs the net on the crop (gestured.recognition.backends.openpose). Both use
the same net files and the same frames; prototype frames are interleaved with ours so that a
change in the machine's load hits both. `gestured bench --backend openpose` calls
`measure_openpose`; `benchmarks/openpose.py` runs it on demo.mp4 with random weights.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from gestured.recognition.backends.openpose import DEFAULT_INPUT_SIZE, DEFAULT_STAGE, OpenPoseBackend

PROTOTYPE_INPUT_SIZE = 368


def prototype_forward(net: Any, frame_bgr: np.ndarray) -> np.ndarray:
    """The prototype's pass: the whole frame squashed to 368x368, value / 255, all stages."""
    import cv2

    size = (PROTOTYPE_INPUT_SIZE, PROTOTYPE_INPUT_SIZE)
    blob = cv2.dnn.blobFromImage(frame_bgr, 1.0 / 255, size, (0, 0, 0), swapRB=False, crop=False)
    net.setInput(blob)
    return net.forward()


def _summary(seconds: list[float]) -> dict[str, float]:
    milliseconds = np.array(seconds) * 1000.0
    return {
        "ms_per_frame": round(float(milliseconds.mean()), 1),
        "ms_median": round(float(np.median(milliseconds)), 1),
        "ms_min": round(float(milliseconds.min()), 1),
    }


def measure_openpose(
    frames: Sequence[np.ndarray],
    prototxt: str | Path,
    weights: str | Path,
    *,
    input_size: int = DEFAULT_INPUT_SIZE,
    stage: int = DEFAULT_STAGE,
    region: Any = "mediapipe",
    landmarker_model: Path | None = None,
    prototype_frames: int = 3,
    fps: float = 15.0,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, Any]:
    """Time the prototype's pass on `prototype_frames` of `frames` and our `detect` (region
    finder included) on all of them; the first frame warms both up and is not counted.

    Returns a JSON-ready dict: "prototype" and "ours" ({"ms_per_frame" (mean), "ms_median",
    "ms_min", ...}; ours' "frames_with_hand" counts frames where a region was found and the
    net ran), and "prototype_ratio" = ours / prototype mean ms per frame.
    Raises ValueError with fewer than 2 frames; BackendError when the net can't be loaded.
    """
    import cv2

    if len(frames) < 2:
        raise ValueError("measure_openpose needs at least 2 frames (the first one warms up)")
    prototype_net = cv2.dnn.readNetFromCaffe(str(prototxt), str(weights))
    backend = OpenPoseBackend(
        mode="video", prototxt=prototxt, weights=weights, input_size=input_size,
        stage=stage, region=region, landmarker_model=landmarker_model,
    )
    try:
        prototype_forward(prototype_net, frames[0])
        backend.detect(frames[0], 0)
        timed = frames[1:]
        count = max(1, min(prototype_frames, len(timed)))
        prototype_at = {int(index) for index in np.linspace(0, len(timed) - 1, count)}
        prototype_seconds, our_seconds, hands_found = [], [], 0
        for index, frame in enumerate(timed):
            if index in prototype_at:
                start = clock()
                prototype_forward(prototype_net, frame)
                prototype_seconds.append(clock() - start)
            start = clock()
            hands = backend.detect(frame, int((index + 1) * 1000 / fps))
            our_seconds.append(clock() - start)
            hands_found += bool(hands)
    finally:
        backend.close()
    prototype, ours = _summary(prototype_seconds), _summary(our_seconds)
    height, width = frames[0].shape[:2]
    return {
        "backend": "openpose",
        "frame_size": [width, height],
        "prototype": {"input_size": PROTOTYPE_INPUT_SIZE, "stage": 6, "frames": len(prototype_seconds), **prototype},
        "ours": {
            "input_size": input_size,
            "stage": stage,
            "region": region if isinstance(region, str) else type(region).__name__,
            "frames": len(our_seconds),
            "frames_with_hand": hands_found,
            **ours,
        },
        "prototype_ratio": round(ours["ms_per_frame"] / prototype["ms_per_frame"], 3),
    }
