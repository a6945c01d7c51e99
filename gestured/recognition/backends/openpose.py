"""The CMU OpenPose hand network (Caffe, through cv2.dnn) as a keypoint backend.

The prototype fed whole frames to the net at 368x368 through all six stages: ~1.3-2.0 s a
frame on these 2 cores. This backend finds the hand first, crops a square around it with a
margin, and runs the net on the crop only, at `input_size` (default 160) and up to `stage`
(default 3 of 6); the heatmap peaks are refined to sub-pixel precision and mapped back to the
frame (gestured.recognition.backends.heatmaps).

Measured here (2 cores, real prototxt, random weights, cv2 4.14, median ms per forward;
other jobs were sharing the machine):

    input  stage 1  stage 2  stage 3  stage 6        prototype: 368, stage 6: ~1300 ms
    128      40       64       88      157
    160      61       98      134      241
    184      70      120      167      313
    224     106      177      247      463

Region finders (`region:`, gestured.recognition.backends.regions), median ms per frame, and how often
the square crop (hand box + 30 % margin) held all 21 of MediaPipe's keypoints:

                      demo.mp4 (54 fr, 1280x720, 16.5 fps)   asl.mp4 (102 fr, 440x360, 30 fps)
    mediapipe         13.4 ms, hand in 54/54 frames           11.6 ms, hand in 83/102 frames
    motion             0.9 ms, held 93 %, crop 3.1x the hand   0.9 ms, held 93 %, crop 2.1x
    tracker (prev. box, next frame / 3 frames / 6 frames later)
                       held 100 % / 92 % / 90 %                held 98 % / 69 % / 58 %

The daemon processes a frame every ~0.2 s, i.e. 3 frames later at 16.5 fps, 6 at 30 fps:
there the tracker loses the hand in up to 4 of 10 asl.mp4 frames, and motion crops are 2-3x
too large (the hand gets half the net's pixels; a held pose stops moving). MediaPipe costs
~13 ms next to ~130 ms of net, finds the hand itself and gives handedness, so it is the
default; "tracker" re-asks it every `refresh_every` frames.

Side by side in one run (`benchmarks/openpose.py`: demo.mp4, random weights, MediaPipe
region included; the machine shared with other jobs, load average 2-6): 184 at stage 3 cost
0.117, 0.151 and 0.224 of the prototype's frame in three runs (`gestured bench --backend
openpose`: 0.148). Two interleaved runs of several settings against the same prototype
frames: 184/3 0.135 and 0.143, 184/2 0.112 and 0.109, 160/3 0.118 and 0.108, 160/2 0.086,
128/6 0.13, 160/6 0.186, 184/6 0.263. Small crops suffer more than the prototype's large
convolutions when other jobs take a core, so 184/3 came too close to the 0.2 bar; 160 at
stage 3 keeps three stages (most of the refinement) with margin. `input_size: 184` and
`stage: 6` remain options. Accuracy with the real weights is not measured here (they can't
be downloaded), so the choice between resolution and stages rests on cost alone.

Input normalisation is OpenPose's own (BGR, value / 256 - 0.5), not the prototype's (/ 255).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from gestured.recognition.backends import BackendError, Mode
from gestured.recognition.backends.heatmaps import (
    CropBox,
    decode_heatmaps,
    hand_score,
    heatmap_to_input,
    square_crop,
)
from gestured.errors import GesturedError
from gestured.recognition.backends.regions import REGION_FINDERS, RegionFinder
from gestured.recognition.hand import NUM_KEYPOINTS, Hand

logger = logging.getLogger(__name__)

PROTOTXT_MODEL = "openpose_hand_prototxt"
WEIGHTS_MODEL = "openpose_hand"
FETCH_HINT = (
    "run `gestured models fetch openpose --accept-license` "
    "(CMU's weights, non-commercial licence) or choose `backend: mediapipe`"
)
DEFAULT_INPUT_SIZE = 160
DEFAULT_STAGE = 3
NUM_STAGES = 6


def stage_output(stage: int) -> str | None:
    """The layer whose output ends `stage` (1-6); None for the net's own last output.

    Raises BackendError for a stage outside 1-6.
    """
    if not 1 <= stage <= NUM_STAGES:
        raise BackendError(f"openpose stage must be 1 to {NUM_STAGES}, got {stage}")
    if stage == 1:
        return "conv6_2_CPM"
    return None if stage == NUM_STAGES else f"Mconv7_stage{stage}"


def require_caffe_importer(cv2_module: Any) -> None:
    """Raise BackendError in one line when this OpenCV cannot read Caffe models (OpenCV 5)."""
    if not hasattr(getattr(cv2_module, "dnn", None), "readNetFromCaffe"):
        version = getattr(cv2_module, "__version__", "?")
        raise BackendError(
            f"OpenCV {version} has no Caffe importer (OpenCV 5 removed it), which the openpose "
            "backend needs: install `opencv-contrib-python<5` or choose `backend: mediapipe`"
        )


def resolve_model_files(prototxt: str | Path | None, weights: str | Path | None) -> tuple[Path, Path]:
    """Explicit paths, else the files `gestured models fetch openpose` put in the model dir.

    Never downloads: the weights' licence must be accepted by the user first.
    Raises BackendError (one line, with FETCH_HINT) when a file is missing.
    """
    if prototxt is None or weights is None:
        from gestured.weights import ModelMissing, ensure_model

        try:
            prototxt = prototxt if prototxt is not None else ensure_model(PROTOTXT_MODEL, offline=True)
            weights = weights if weights is not None else ensure_model(WEIGHTS_MODEL, offline=True)
        except ModelMissing as error:
            raise BackendError(f"OpenPose hand model not installed: {FETCH_HINT}") from error
        except GesturedError as error:
            raise BackendError(str(error)) from error
    for path in (Path(prototxt), Path(weights)):
        if not path.is_file():
            raise BackendError(f"OpenPose hand model file {path} not found: {FETCH_HINT}")
    return Path(prototxt), Path(weights)


def cut_square(frame_bgr: np.ndarray, crop: CropBox, input_size: int) -> np.ndarray:
    """The crop's pixels (black past the frame's edges) resized to input_size x input_size."""
    import cv2

    height, width = frame_bgr.shape[:2]
    left, top = max(crop.x0, 0), max(crop.y0, 0)
    right, bottom = min(crop.x0 + crop.size, width), min(crop.y0 + crop.size, height)
    if right <= left or bottom <= top:
        return np.zeros((input_size, input_size, 3), dtype=np.uint8)
    inside = frame_bgr[top:bottom, left:right]
    padding = (top - crop.y0, crop.y0 + crop.size - bottom, left - crop.x0, crop.x0 + crop.size - right)
    padded = cv2.copyMakeBorder(inside, *padding, cv2.BORDER_CONSTANT, value=(0, 0, 0))
    shrinking = crop.size > input_size
    interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
    return cv2.resize(padded, (input_size, input_size), interpolation=interpolation)


class OpenPoseBackend:
    """OpenPose hand keypoints on a square crop around each hand a RegionFinder reports."""

    name = "openpose"

    def __init__(
        self,
        mode: Mode = "video",
        num_hands: int = 1,
        offline: bool = False,
        prototxt: str | Path | None = None,
        weights: str | Path | None = None,
        input_size: int = DEFAULT_INPUT_SIZE,
        stage: int = DEFAULT_STAGE,
        region: str | RegionFinder = "mediapipe",
        margin: float = 0.3,
        keypoint_floor: float = 0.1,
        min_score: float = 0.0,
        landmarker_model: str | Path | None = None,
    ) -> None:
        """Load the net and the region finder; raises BackendError (one line) when they can't."""
        import cv2

        require_caffe_importer(cv2)
        if input_size < 8 or input_size % 8:
            raise BackendError(f"openpose input_size must be a multiple of 8, got {input_size}")
        self.output_name = stage_output(int(stage))
        prototxt_path, weights_path = resolve_model_files(prototxt, weights)
        try:
            self._net: Any = cv2.dnn.readNetFromCaffe(str(prototxt_path), str(weights_path))
        except cv2.error as error:
            reason = str(error).strip().splitlines()[-1]
            raise BackendError(f"cannot load {weights_path}: {reason}; run `gestured models verify`") from error
        if self.output_name is not None and self.output_name not in set(self._net.getLayerNames()):
            raise BackendError(f"{prototxt_path} has no layer {self.output_name!r} for stage {stage}")
        self._probe(cv2, input_size, weights_path)
        self.mode, self.num_hands, self.input_size, self.stage = mode, num_hands, input_size, int(stage)
        self.margin, self.keypoint_floor, self.min_score = margin, keypoint_floor, min_score
        self._regions: RegionFinder | None = self._region_finder(region, offline, landmarker_model)

    def _region_finder(self, region: str | RegionFinder, offline: bool,
                       landmarker_model: str | Path | None) -> RegionFinder:
        if not isinstance(region, str):
            return region
        factory = REGION_FINDERS.get(region)
        if factory is None:
            known = ", ".join(sorted(REGION_FINDERS))
            raise BackendError(f"unknown openpose region {region!r}: choose one of {known}")
        return factory(self.mode, self.num_hands, offline, landmarker_model)

    def heatmaps(self, square_bgr: np.ndarray) -> np.ndarray:
        """(22, H, W) heatmaps of one input_size x input_size BGR crop, up to the chosen stage."""
        import cv2

        # OpenPose's own normalisation: BGR, value / 256 - 0.5.
        blob = cv2.dnn.blobFromImage(square_bgr, 1.0 / 256, mean=(128, 128, 128), swapRB=False, crop=False)
        self._net.setInput(blob)
        output = self._net.forward(self.output_name) if self.output_name else self._net.forward()
        return output[0]

    def keypoints_in(self, frame_bgr: np.ndarray, crop: CropBox) -> tuple[np.ndarray, np.ndarray]:
        """(21, 2) frame pixel keypoints and (21,) confidences from the net run on `crop`."""
        heatmaps = self.heatmaps(cut_square(frame_bgr, crop, self.input_size))
        points, confidence = decode_heatmaps(heatmaps, NUM_KEYPOINTS)
        input_points = heatmap_to_input(points, heatmaps.shape[1:], self.input_size)
        return crop.to_frame(input_points, self.input_size), confidence.astype(np.float32)

    def _probe(self, cv2: Any, input_size: int, weights_path: Path) -> None:
        """One forward pass on a blank crop now, so weights that load but can't run (a right-sized
        file of the wrong content) fail at start instead of on every frame."""
        blank = np.zeros((1, 3, input_size, input_size), np.float32)
        self._net.setInput(blank)
        try:
            self._net.forward(self.output_name) if self.output_name else self._net.forward()
        except cv2.error as error:
            reason = str(error).strip().splitlines()[-1]
            raise BackendError(
                f"cannot run {weights_path} ({reason}): fetch it again with "
                "`gestured models fetch openpose --accept-license --force`"
            ) from error

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        """Hands in one BGR frame, best first: one per region found (at most num_hands).

        Raises RuntimeError after close().
        """
        if self._regions is None:
            raise RuntimeError("OpenPoseBackend.detect() after close()")
        height, width = frame_bgr.shape[:2]
        hands = []
        for region in self._regions.find(frame_bgr, timestamp_ms)[: self.num_hands]:
            crop = square_crop(region.box, self.margin)
            keypoints, confidence = self.keypoints_in(frame_bgr, crop)
            score = hand_score(confidence, self.keypoint_floor)
            if score < self.min_score:
                logger.debug("openpose: region %s scored %.2f < %.2f", region.box, score, self.min_score)
                continue
            hands.append(Hand.from_pixels(
                keypoints, (width, height), handedness=region.handedness, score=score, confidence=confidence,
            ))
        self._regions.update(hands)
        hands.sort(key=lambda hand: hand.score, reverse=True)
        return hands

    def close(self) -> None:
        regions, self._regions = self._regions, None
        if regions is not None:
            regions.close()
        self._net = None

    def __enter__(self) -> "OpenPoseBackend":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
