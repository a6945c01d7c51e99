"""Is a hand deliberately showing a pose? Per-hand evidence the debouncer weighs.

Pure numpy over keypoints; time comes in as an argument. Ordinary activity (typing,
talking, signing, washing) is motion, and a deliberate gesture is a pause shown to the
camera, so for every hand in every frame this module measures:

- `motion`: how fast the keypoints move, in palm sizes per second, over the last
  `MOTION_WINDOW` seconds of the same hand's track (a longer baseline than one frame,
  so the keypoints' frame-to-frame jitter does not read as motion);
- `presentation`: whether the hand is shown to the camera: large enough in the frame
  (`min_size` palm sizes per frame height) and not cut by the frame's edge.

`HandTracks` follows hands from frame to frame (nearest wrist, within two palm sizes),
so with two hands in view each has its own history and its own state in the debouncer.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from gestured.config.settings import DeliberateOptions
from gestured.recognition.hand import Hand
from gestured.recognition.handshape import hand_size
from gestured.runtime.debounce import Observation

MOTION_WINDOW = 0.15  # seconds of track history a motion measurement spans
MATCH_DISTANCE = 2.0  # palm sizes a wrist may travel between frames and stay the same track
TRACK_TIMEOUT = 0.5  # seconds a lost track is remembered
WRIST = 0


def palm_size(keypoints: np.ndarray) -> float:
    """gestured.recognition.handshape.hand_size, never 0 (motion and presentation divide by it).

    Unlike the whole hand's spread it barely changes between an open hand and a fist.
    """
    return max(hand_size(keypoints), 1e-6)


def presentation_problem(hand: Hand, frame_size: tuple[int, int], options: DeliberateOptions) -> str | None:
    """Why the hand is not shown to the camera ("too small", "at the edge"), or None."""
    width, height = frame_size
    size = palm_size(hand.keypoints)
    if size < options.min_size * height:
        return f"too small ({size / height:.2f} < {options.min_size:.2f} of the frame)"
    if options.edge > 0:
        margin = options.edge * size
        x, y = hand.keypoints[:, 0], hand.keypoints[:, 1]
        if x.min() < margin or y.min() < margin or x.max() > width - margin or y.max() > height - margin:
            return "at the frame's edge"
    return None


@dataclass
class _Track:
    ident: int
    history: deque[tuple[float, np.ndarray]] = field(default_factory=deque)

    @property
    def last_seen(self) -> float:
        return self.history[-1][0]

    @property
    def wrist(self) -> np.ndarray:
        return self.history[-1][1][WRIST]


@dataclass(frozen=True)
class HandEvidence:
    """What `HandTracks.update` found for one hand: its track and how fast it moves."""

    track: int
    motion: float  # palm sizes per second; 0.0 on a track's first frame


class HandTracks:
    """Assigns each hand a track id and measures its motion along the track."""

    def __init__(self) -> None:
        self._tracks: list[_Track] = []
        self._next_id = 0

    def reset(self) -> None:
        self._tracks = []

    def update(self, hands: list[Hand], now: float) -> list[HandEvidence]:
        """One HandEvidence per hand, in the hands' order. `now` must not decrease."""
        self._tracks = [track for track in self._tracks if now - track.last_seen <= TRACK_TIMEOUT]
        free = list(self._tracks)
        evidence = []
        for hand in hands:
            track = self._nearest(free, hand.keypoints)
            if track is None:
                track = _Track(self._next_id)
                self._next_id += 1
                self._tracks.append(track)
            else:
                free.remove(track)
            evidence.append(HandEvidence(track.ident, self._advance(track, hand.keypoints, now)))
        return evidence

    @staticmethod
    def _nearest(tracks: list[_Track], keypoints: np.ndarray) -> _Track | None:
        reach = MATCH_DISTANCE * palm_size(keypoints)
        best, best_distance = None, reach
        for track in tracks:
            distance = float(np.linalg.norm(track.wrist - keypoints[WRIST]))
            if distance <= best_distance:
                best, best_distance = track, distance
        return best

    @staticmethod
    def _advance(track: _Track, keypoints: np.ndarray, now: float) -> float:
        """Add this frame to the track; the motion from the oldest frame within MOTION_WINDOW."""
        history = track.history
        history.append((now, np.asarray(keypoints, dtype=np.float32)))
        while len(history) > 2 and now - history[1][0] >= MOTION_WINDOW:
            history.popleft()
        then, old = history[0]
        elapsed = now - then
        if elapsed <= 0:
            return 0.0
        shift = float(np.linalg.norm(keypoints - old, axis=1).mean())
        return shift / palm_size(keypoints) / elapsed


class DeliberateStage:
    """The pipeline stage (gestured.runtime.pipeline.ObservationStage) that gives each hand's
    observation its track, motion and presentation, for the debouncer to weigh."""

    name = "deliberate"

    def __init__(self, options: DeliberateOptions) -> None:
        self.options = options
        self.tracks = HandTracks()

    def update(self, hands: Sequence[Hand], observations: Sequence[Observation],
               timestamp: float) -> Sequence[Observation]:
        """The observations of `hands` (one each, in order) with track, motion and presentation."""
        evidence = self.tracks.update(list(hands), timestamp)
        weighed = [
            dataclasses.replace(observation, track=found.track, motion=found.motion,
                                unpresented=presentation_problem(hand, hand.frame_size, self.options))
            for hand, observation, found in zip(hands, observations, evidence)
        ]
        return [*weighed, *observations[len(weighed):]]

    def reset(self) -> None:
        self.tracks.reset()
