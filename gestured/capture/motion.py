"""Idle gating: skip the keypoint backend while nothing in view moves and no hand is near.

Pure apart from two OpenCV calls on one frame; time comes in as an argument (media time
for files, seconds since start for cameras), so tests drive it with a fake clock.

- `MotionDetector` shrinks each frame it is shown to a small grey thumbnail (area
  averaging, which also averages sensor noise away; 0.06-0.2 ms a 640x480 frame) and
  scores the fraction of thumbnail pixels that changed by more than `pixel_threshold`
  grey levels since the previous one.
- `IdleScheduler` decides, frame by frame, whether to look at the frame at all (`SKIP`:
  the source need not even decode it), to look for motion only (`CHECK_MOTION`), or to
  run the backend (`RUN`). It runs the backend on every frame until no hand has been seen
  for `idle_after` seconds, then checks for motion `idle_fps` times a second; the frame
  on which motion is seen runs the backend (wake within one checked frame). After
  `deep_after` seconds of idle checks without motion (a long idle spell) it checks only
  `deep_fps` times a second and asks the camera for `deep_camera_fps` frames a second
  (`camera_fps`); the check that sees motion restores both.
- `MotionGate` puts the two together behind the three calls a frame loop makes.
"""

from __future__ import annotations

import enum
import math
from typing import Protocol

import numpy as np

DEFAULT_THUMBNAIL_WIDTH = 64
DEFAULT_PIXEL_THRESHOLD = 12  # grey levels; area-averaged sensor noise stays far below this
DEFAULT_MOTION_THRESHOLD = 0.005  # fraction of thumbnail pixels (~15 of 64x48)
DEFAULT_IDLE_AFTER = 2.0  # seconds without a hand before the backend stops
DEFAULT_IDLE_FPS = 5.0  # motion checks per second while idle
DEFAULT_DEEP_AFTER = 2.0  # seconds of idle checks without motion before the deep idle
DEFAULT_DEEP_FPS = 5.0  # motion checks per second in the deep idle
DEFAULT_DEEP_CAMERA_FPS = 5.0  # frames a second asked of the camera in the deep idle


class MotionDetector:
    """Scores how much changed between consecutive frames, on a small grey thumbnail."""

    def __init__(
        self,
        thumbnail_width: int = DEFAULT_THUMBNAIL_WIDTH,
        pixel_threshold: int = DEFAULT_PIXEL_THRESHOLD,
    ) -> None:
        if thumbnail_width < 4:
            raise ValueError(f"thumbnail_width must be at least 4, got {thumbnail_width}")
        self.thumbnail_width = thumbnail_width
        self.pixel_threshold = pixel_threshold
        self._previous: np.ndarray | None = None

    def thumbnail(self, frame_bgr: np.ndarray) -> np.ndarray:
        """The grey uint8 thumbnail of a BGR (or grey) uint8 frame, aspect ratio kept.

        The green channel stands in for grey (it carries most of the luminance), and the
        frame is subsampled to about four thumbnails wide before area averaging. That keeps
        the work small enough for OpenCV to do on the calling thread: on a full 640x480
        frame cvtColor and resize wake OpenCV's worker threads, whose spinning after each
        job cost more CPU than the job (measured: 1.1 ms of CPU per check against 0.4).
        """
        import cv2

        height, width = frame_bgr.shape[:2]
        step = max(1, width // (4 * self.thumbnail_width))
        channel = frame_bgr[::step, ::step, 1] if frame_bgr.ndim == 3 else frame_bgr[::step, ::step]
        size = (self.thumbnail_width, max(1, round(height * self.thumbnail_width / width)))
        return cv2.resize(np.ascontiguousarray(channel), size, interpolation=cv2.INTER_AREA)

    def update(self, frame_bgr: np.ndarray) -> float:
        """Fraction in [0, 1] of thumbnail pixels that changed since the previous frame.

        The first frame, and a frame whose size differs from the previous one, score 1.0
        (nothing to compare with counts as motion, so a fresh start looks once).
        """
        import cv2

        current = self.thumbnail(frame_bgr)
        previous, self._previous = self._previous, current
        if previous is None or previous.shape != current.shape:
            return 1.0
        changed = cv2.absdiff(current, previous) > self.pixel_threshold
        return float(np.count_nonzero(changed)) / changed.size

    def reset(self) -> None:
        """Forget the previous frame: the next `update` scores 1.0."""
        self._previous = None


class GreyPicture(Protocol):
    """What the gate looks at: a frame that can give a small grey picture cheaply
    (`gestured.capture.frames.Frame`: reduced JPEG decode, YUYV luma, subsampled green)."""

    def grey(self, thumbnail_width: int) -> np.ndarray: ...


class Decision(enum.Enum):
    """What to do with one frame."""

    SKIP = "skip"  # don't decode it, don't look at it
    CHECK_MOTION = "check_motion"  # decode it and compare it with the last one checked
    RUN = "run"  # run the keypoint backend on it


class IdleScheduler:
    """Active (backend on every frame) until no hand for `idle_after` s; then idle motion checks.

    Call `decide(now)` for each frame looked at (`peek(now)` asks without recording, e.g.
    to skip decoding a frame); after a `CHECK_MOTION`, call `motion(now, moved)`,
    which says whether to run the backend on that frame; after running the backend, call
    `hand(now, seen)`. `now` is in seconds and should not decrease (if it does, as when a
    video loops, the scheduler treats the jump as a fresh start).
    """

    def __init__(self, idle_after: float = DEFAULT_IDLE_AFTER, idle_fps: float = DEFAULT_IDLE_FPS, *,
                 deep_after: float = DEFAULT_DEEP_AFTER, deep_fps: float = DEFAULT_DEEP_FPS,
                 deep_camera_fps: float = DEFAULT_DEEP_CAMERA_FPS) -> None:
        if idle_after < 0 or idle_fps <= 0 or deep_after < 0 or deep_fps <= 0 or deep_camera_fps <= 0:
            raise ValueError(f"need idle_after, deep_after >= 0 and idle_fps, deep_fps, deep_camera_fps > 0, got "
                             f"{idle_after}, {deep_after}, {idle_fps}, {deep_fps}, {deep_camera_fps}")
        self.idle_after = idle_after
        self.idle_interval = 1.0 / idle_fps
        self.deep_after = deep_after
        self.deep_interval = 1.0 / deep_fps
        self.deep_camera_fps = deep_camera_fps
        self._active_until = -math.inf  # start idle: the first checked frame wakes it
        self._last_check = -math.inf
        self._last_now = -math.inf

    @property
    def idle(self) -> bool:
        """True while the backend is off (as of the last `decide`)."""
        return self._last_now >= self._active_until

    @property
    def deep(self) -> bool:
        """True in the deep idle (as of the last `decide`): a long spell without motion."""
        return self.idle and self._last_now - max(self._active_until, 0.0) >= self.deep_after

    @property
    def camera_fps(self) -> float | None:
        """The frame rate to ask the camera for now: `deep_camera_fps` in the deep idle, else
        None (its full rate)."""
        return self.deep_camera_fps if self.deep else None

    def ending(self, now: float) -> bool:
        """True in the last idle interval before going idle (a good time to take a motion reference)."""
        return self._active_until - self.idle_interval <= now < self._active_until

    def peek(self, now: float) -> Decision:
        """What `decide(now)` would say, recording nothing (safe to ask from a capture thread)."""
        active_until, last_check = self._active_until, self._last_check
        if now < self._last_now:
            active_until, last_check = -math.inf, -math.inf
        if now < active_until:
            return Decision.RUN
        # Idle time counts from the end of the last active spell (or the start).
        deep = now - max(active_until, 0.0) >= self.deep_after
        interval = self.deep_interval if deep else self.idle_interval
        # A little slack so a check every 3rd frame at 30 fps is not pushed to every 4th.
        if now - last_check >= interval * 0.95:
            return Decision.CHECK_MOTION
        return Decision.SKIP

    def decide(self, now: float) -> Decision:
        """SKIP, CHECK_MOTION or RUN for the frame at time `now`, recording `now`."""
        decision = self.peek(now)
        if now < self._last_now:
            self._active_until, self._last_check = -math.inf, -math.inf
        self._last_now = now
        return decision

    def motion(self, now: float, moved: bool) -> bool:
        """Record a motion check at `now`; True when the backend must run on this frame."""
        self._last_check = now
        if moved:
            self._wake(now)
        return moved

    def hand(self, now: float, seen: bool) -> None:
        """Record a backend result at `now`: a hand keeps the backend on for `idle_after` more."""
        if seen:
            self._wake(now)

    def _wake(self, now: float) -> None:
        self._active_until = max(self._active_until, now + self.idle_after)
        self._last_check = now


class MotionGate:
    """What a frame loop asks: `wants_frame(now)`, `should_run(frame, now)`, `report(now, hand_seen)`.

    Typical loop::

        if not gate.wants_frame(t):   # idle and not yet time to check: don't decode it
            source.grab(); continue
        frame = source.retrieve()
        if gate.should_run(frame, t):
            hands = backend.detect(frame, ...)
            gate.report(t, bool(hands))

    `wants_frame` only reads the state, so a capture thread may ask it while the loop
    thread calls the other two.
    """

    def __init__(
        self,
        detector: MotionDetector | None = None,
        scheduler: IdleScheduler | None = None,
        motion_threshold: float = DEFAULT_MOTION_THRESHOLD,
    ) -> None:
        self.detector = detector or MotionDetector()
        self.scheduler = scheduler or IdleScheduler()
        self.motion_threshold = motion_threshold
        self.decision: Decision | None = None  # the scheduler's decision for the latest frame looked at
        self.last_score: float | None = None  # the motion score of that frame, if it was checked

    def wants_frame(self, now: float) -> bool:
        """False when the frame at `now` need not be decoded at all (records nothing)."""
        return self.scheduler.peek(now) is not Decision.SKIP

    def awake(self, now: float) -> bool:
        """True when the backend would run on the frame at `now` (records nothing)."""
        return self.scheduler.peek(now) is Decision.RUN

    @property
    def camera_fps(self) -> float | None:
        """The frame rate to ask the camera for now (None: its full rate); see IdleScheduler."""
        return self.scheduler.camera_fps

    def should_run(self, frame: GreyPicture, now: float) -> bool:
        """True when the backend must run on this frame (checking it for motion if idle)."""
        self.decision = self.scheduler.decide(now)
        self.last_score = None
        if self.decision is Decision.SKIP:
            return False
        if self.decision is Decision.RUN:
            if self.scheduler.ending(now):
                # The first idle check must compare with the scene as the backend left it,
                # not with a thumbnail from before the hand came (that would wake it again).
                self.detector.update(frame.grey(self.detector.thumbnail_width))
            return True
        self.last_score = self.detector.update(frame.grey(self.detector.thumbnail_width))
        return self.scheduler.motion(now, self.last_score >= self.motion_threshold)

    def report(self, now: float, hand_seen: bool) -> None:
        """Tell the gate whether the backend found a hand in the frame at `now`."""
        self.scheduler.hand(now, hand_seen)
