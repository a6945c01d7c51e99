"""Hard negatives: `none` hands recorded from clips of ordinary hand activity.

The hands of people typing, signing, resting a chin on a hand and washing their hands
make fists, flat hands and sideways fingers that the photo-trained model calls gestures.
Every hand in these clips is recorded as `none` exactly as `gestured record none
--source CLIP` records it (gestured.training.recording.capture, MediaPipe VIDEO mode), and
cached by the clip's sha256 beside the photos' keypoints.

The clips in HELD_OUT_CLIPS are never trained on: the false-fire figures on them are the
ones on data the model has not seen (models/README.md). The waving clips are held out
for a second reason: a waving hand *is* an open palm in shape, which only steadiness
(gestured.deliberate) can tell from a deliberate one.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable

import numpy as np

from gestured.config.settings import NO_GESTURE
from gestured.errors import GesturedError
from gestured.recognition.backends import KeypointBackend
from gestured.training import extract
from gestured.training.dataset import Dataset, load_dataset, save_dataset
from gestured.training.samples import Samples

logger = logging.getLogger(__name__)

NONE_LABEL = NO_GESTURE
# Relative to the shared data folder.
TRAINING_CLIPS: tuple[str, ...] = (
    "videos/asl.mp4",
    "videos/clips/chin_on_hand_webcam.mov",
    "videos/clips/handwash_interlace.mp4",
    "videos/clips/isl_drink.gif",
    "videos/clips/isl_wait.gif",
    "videos/clips/typing_keyboard.mp4",
)
HELD_OUT_CLIPS: tuple[str, ...] = (
    "videos/clips/handwash_thumbs.mp4",  # its gripped thumbs cost held-out thumbs_up photos
    "videos/clips/handwash_wrist.mp4",
    "videos/clips/isl_watch_tv.gif",
    "videos/clips/standing_shrug_wave.mp4",
    "videos/clips/wave_backlit_webcam_a.mov",
    "videos/clips/wave_backlit_webcam_b.mov",
    "videos/clips/thumbsup_webcam_b.mp4",
    "videos/demo.mp4",
)
CACHE_VERSION = 1
SOURCE_PREFIX = "activity:"

VideoBackendFactory = Callable[[], KeypointBackend]


def record_none(clip: Path, backend_factory: VideoBackendFactory) -> np.ndarray:
    """(N, 21, 2) keypoints of the hand in each frame of `clip`, as `gestured record` takes them."""
    from gestured.capture.sources import open_source
    from gestured.training.recording import Recorder, capture

    recorder = Recorder(NONE_LABEL, session=clip.stem)
    source = open_source(str(clip))
    backend = backend_factory()
    try:
        capture(source, backend, recorder, still=False)
    finally:
        backend.close()
        source.close()
    return recorder.dataset().keypoints.reshape(-1, 21, 2).astype(np.float32)


def activity_samples(shared_data: Path, backend_factory: VideoBackendFactory,
                     clips: tuple[str, ...] = TRAINING_CLIPS) -> Samples:
    """`none` samples from each clip (source `activity:<file name>`), cached by the clip's sha256.

    Raises GesturedError when a clip is missing or cannot be decoded.
    """
    cache = extract.cache_root() / f"activity-v{CACHE_VERSION}"
    parts = []
    for relative in clips:
        clip = shared_data / relative
        if not clip.is_file():
            raise GesturedError(f"{clip} not found: the recipe records hard negatives from the activity clips "
                                "of the shared data (--shared-data DIR)")
        cached = cache / f"{extract.file_digest(clip)}.npz"
        if cached.is_file():
            keypoints = load_dataset(cached).keypoints
        else:
            logger.info("recording none from %s", clip)
            keypoints = record_none(clip, backend_factory)
            cached.parent.mkdir(parents=True, exist_ok=True)
            count = len(keypoints)
            save_dataset(cached, Dataset(keypoints, np.full(count, NONE_LABEL), np.full(count, "unknown"),
                                         np.zeros((count, 2)), np.full(count, clip.name), np.full(count, "")))
        parts.append(Samples.of(keypoints, [NONE_LABEL] * len(keypoints), SOURCE_PREFIX + clip.name))
    return Samples.concat(*parts)
