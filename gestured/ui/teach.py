"""Teach a gesture from the page: record samples (live while a button is held, or from a
folder of photos or a video) and train a model in the background.

The samples go where `gestured record` puts them (the datasets folder, one
LABEL-<time>.npz per take, gestured.dataset's schema) through the same Recorder and
capture code; training is `gestured train --with-builtin` on that folder, reusing its
functions, and the model is saved as PATH.npz + PATH.json like the CLI's.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from gestured.training.recording import LABEL_PATTERN, Recorder, capture, output_path
from gestured.training.dataset import save_dataset
from gestured.errors import GesturedError
from gestured.recognition.stills import pick_hand

logger = logging.getLogger(__name__)

LIVE_SAMPLE_INTERVAL = 0.1  # seconds between two live samples: ten a second while held


def check_label(label: str) -> str:
    """The label, or GesturedError when it cannot name a file and a gesture (as `record`)."""
    if not LABEL_PATTERN.fullmatch(label):
        raise GesturedError(f"{label!r}: use letters, digits, _ and - (it names the gesture in gestures.yaml)")
    return label


class Take:
    """One recording in progress: a Recorder and where it will be saved."""

    def __init__(self, label: str, folder: Path, origin: str) -> None:
        self.path = output_path(folder, label, "npz", datetime.now())
        self.recorder = Recorder(label, session=self.path.stem)
        self.origin = origin
        self.last_had_hand = True
        self.missed_before = 0
        self.last_sample_at: float | None = None
        self.done = False
        self.error: str | None = None
        self.saved: str | None = None

    def view(self) -> dict[str, Any]:
        recorder = self.recorder
        return {"label": recorder.label, "origin": self.origin, "samples": recorder.samples,
                "frames": recorder.frames, "missed": recorder.missed, "bad_sample": not self.last_had_hand,
                "done": self.done, "error": self.error, "saved": self.saved}

    def save(self) -> None:
        if self.recorder.samples:
            save_dataset(self.path, self.recorder.dataset())
            self.saved = str(self.path)
        self.done = True


class Teacher:
    """Recordings into `folder`. tap: LiveFeed.tap; open_backend(still) builds a keypoint
    backend for imports (IMAGE mode with two hands for photos, as `record` does)."""

    def __init__(self, folder: Path, tap: Callable[[Callable[..., None]], Callable[[], None]],
                 open_backend: Callable[[bool], Any]) -> None:
        self.folder = folder
        self._tap = tap
        self._open_backend = open_backend
        self._lock = threading.Lock()
        self._take: Take | None = None
        self._untap: Callable[[], None] | None = None

    def start_live(self, label: str) -> dict[str, Any]:
        """Start taking samples from the live view (until stop_live)."""
        take = Take(check_label(label), self.folder, "live")
        with self._lock:
            self._refuse_if_busy()
            self._take = take
        self._untap = self._tap(lambda image, timestamp, hands: self._sample(take, image, timestamp, hands))
        return take.view()

    def stop_live(self) -> dict[str, Any]:
        """Stop the live take and save it (nothing is written for a take without samples)."""
        untap, self._untap = self._untap, None
        if untap is not None:
            untap()
        with self._lock:
            take = self._take
        if take is None:
            return {}
        if take.origin == "live" and not take.done:
            take.save()
        return take.view()

    def import_path(self, label: str, source: str) -> dict[str, Any]:
        """Record `label` from a folder of images or a video file, in the background."""
        from gestured.capture.sources import open_source

        take = Take(check_label(label), self.folder, source)
        path = Path(source).expanduser()
        if not path.exists():
            raise GesturedError(f"{source}: no such folder or video file")
        opened = open_source(str(path))
        with self._lock:
            if self._busy():
                opened.close()
            self._refuse_if_busy()
            self._take = take
        still = opened.stills
        threading.Thread(target=self._run_import, args=(take, opened, still), name="gestured-teach-import",
                         daemon=True).start()
        return take.view()

    def status(self) -> dict[str, Any]:
        with self._lock:
            take = self._take
        files = sorted(self.folder.glob("*.npz")) if self.folder.is_dir() else []
        return {"take": take.view() if take else None, "folder": str(self.folder),
                "files": [path.name for path in files]}

    def _busy(self) -> bool:
        return self._take is not None and not self._take.done

    def _refuse_if_busy(self) -> None:
        if self._busy():
            raise GesturedError("a recording is already running: wait for it or stop it")

    def _sample(self, take: Take, image: np.ndarray, timestamp: float, hands: Sequence[Any]) -> None:
        if take.last_sample_at is not None and timestamp - take.last_sample_at < LIVE_SAMPLE_INTERVAL:
            return
        take.last_sample_at = timestamp
        height, width = image.shape[:2]
        hand = pick_hand(list(hands), (width, height))
        take.last_had_hand = hand is not None
        take.recorder.add(hand, (width, height), f"live#{timestamp:.2f}", timestamp)

    def _run_import(self, take: Take, source: Any, still: bool) -> None:
        try:
            backend = self._open_backend(still)
            try:
                capture(source, backend, take.recorder, still=still,
                        on_frame=lambda recorder: self._after_import_frame(take))
            finally:
                backend.close()
            if not take.recorder.samples:
                take.error = f"no hand found in {take.recorder.frames} frames of {take.origin}"
            take.save()
        except Exception as error:  # shown on the page; the daemon goes on
            logger.exception("recording from %s failed", take.origin)
            take.error, take.done = str(error), True
        finally:
            source.close()

    @staticmethod
    def _after_import_frame(take: Take) -> None:
        take.last_had_hand = take.recorder.missed == take.missed_before
        take.missed_before = take.recorder.missed
