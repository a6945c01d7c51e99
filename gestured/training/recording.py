"""Recording samples of one gesture: frames -> the labelled hand's keypoints -> a Dataset.

`capture` feeds a frame source through a keypoint backend into a `Recorder`, which keeps the
samples (pure; no I/O). `gestured record` and the page's teacher both record through it, and
the activity clips are read as `none` samples the same way (gestured.training.activity).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from gestured.capture.frames import FrameSource
from gestured.recognition.backends import KeypointBackend
from gestured.recognition.hand import Hand
from gestured.recognition.stills import detect_still, pick_hand
from gestured.training.dataset import Dataset

LABEL_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_-]*")
# Samples this close in (media) time share a group, so cross-validation keeps
# near-identical neighbouring frames on one side.
GROUP_SECONDS = 2.0


@dataclass
class Recorder:
    """Accumulates the samples of one recording session (pure; no I/O)."""

    label: str
    session: str
    frames: int = 0
    missed: int = 0
    rows: list[tuple[np.ndarray, str, tuple[int, int], str, str]] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return len(self.rows)

    def add(self, hand: Hand | None, frame_size: tuple[int, int], source: str, timestamp: float) -> None:
        """Count one frame; keep `hand` as a sample unless None (no hand in the frame)."""
        self.frames += 1
        if hand is None:
            self.missed += 1
            return
        group = f"{self.session}:{int(timestamp // GROUP_SECONDS)}"
        self.rows.append((hand.keypoints, hand.handedness, frame_size, source, group))

    def dataset(self) -> Dataset:
        if not self.rows:
            return Dataset.empty()
        keypoints, handedness, sizes, sources, groups = zip(*self.rows)
        return Dataset(np.stack(keypoints), np.full(len(self.rows), self.label), np.array(handedness),
                       np.array(sizes), np.array(sources), np.array(groups))

    def status(self) -> str:
        return (f"{self.label}: {self.samples} samples from {self.frames} frames "
                f"({self.missed} without a hand)")


def capture(
    source: FrameSource,
    backend: KeypointBackend,
    recorder: Recorder,
    *,
    still: bool,
    every: int = 1,
    max_samples: int = 0,
    on_frame: Callable[[Recorder], None] = lambda recorder: None,
) -> bool:
    """Feed every `every`th frame of `source` through `backend` into `recorder`.

    still: IMAGE-mode detection with the tiled second pass (image folders), else VIDEO mode.
    Stops at the end of the source or after `max_samples` samples (0: no limit).
    Returns False when stopped by Ctrl-C (what was captured stays in `recorder`), else True.
    """
    try:
        for frame in source:
            if frame.index % every:
                continue
            height, width = frame.image.shape[:2]
            if still:
                hands = detect_still(backend, frame.image)
            else:
                hands = backend.detect(frame.image, int(round(frame.timestamp * 1000)))
            recorder.add(pick_hand(hands, (width, height)), (width, height), source.frame_name(frame), frame.timestamp)
            on_frame(recorder)
            if max_samples and recorder.samples >= max_samples:
                break
    except KeyboardInterrupt:
        return False
    return True


def output_path(folder: Path, label: str, suffix: str, now: datetime) -> Path:
    """folder/LABEL-YYYYmmdd-HHMMSS.suffix, with -2, -3... if that name is taken."""
    stem = f"{label}-{now:%Y%m%d-%H%M%S}"
    path = folder / f"{stem}.{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{stem}-{number}.{suffix}"
        number += 1
    return path
