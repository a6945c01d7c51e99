"""How often the landmarker runs while the gate is awake: reduced while no gesture is forming.

The landmarker is most of a hand frame's cost, and most frames with a hand in view are
ordinary activity in which no gesture is held. `LandmarkerRate` lets the landmarker run at
`reduced_fps` while no gesture is forming, and on every frame from the first observation
that shows one until `window` seconds after the last. A gesture is forming when an
observation shows it (any label but `none`) at `forming_threshold` or more and it has not
yet been shown for its settle time in a row: a new gesture, or a change from one to
another. A bound gesture's settle time is its longest binding's hold + 0.1 s (`settle` for
one not bound), so each hold is timed at the full rate, and a thumbs up (hold 0.25 s) is not
watched at it for as long as a fist (0.7 s); a gesture held on after that (it has fired,
and fires again only after a release) is watched at the reduced rate, on which a change to another gesture shows; the frames
after a held gesture is let go run at the full rate for `window` seconds, so a gesture
that follows at once (thumbs up turned into thumbs down) is seen on its first frame.

The threshold sits well below any binding's: the shipped classifier is sure of its
answers (3 % of the 715 hand frames of demo, asl and five of the shared clips score
between 0.2 and 0.7), so the full rate starts on the first run that shows a gesture. That
run can come up to one reduced interval after the gesture appeared: at the default 8 a
second, three frames of a 30 fps camera (every 4th runs), one of a 15-16.5 fps one (every
2nd). A bound movement (a swipe or circle) raises the reduced rate to 10 a second, every 3rd
frame of a 30 fps camera, since a 0.2-0.3 s swipe must be seen on enough frames to be told
from the rest around it; the full rate's triggers stay the poses'.

Pure: time comes in as an argument, like `gestured.capture.motion`; `wants(now)` only
reads, so a capture thread may ask it to leave a frame undecoded.
"""

from __future__ import annotations

import math
from typing import Iterable

from gestured.config.settings import DYNAMIC_GESTURES, NO_GESTURE, Binding
from gestured.runtime.debounce import Observation

DEFAULT_REDUCED_FPS = 8.0  # landmarker runs per second while nothing is forming
MOVEMENT_REDUCED_FPS = 10.0  # the same while a movement (swipe, circle) is bound
DEFAULT_FORMING_THRESHOLD = 0.3  # confidence that counts as a gesture forming
DEFAULT_WINDOW = 0.2  # seconds the full rate lasts after the last forming observation
SETTLE_MARGIN = 0.1  # seconds past the longest hold before a shown gesture counts as held
DEFAULT_SETTLE = 0.25 + SETTLE_MARGIN  # the default hold + the margin


class LandmarkerRate:
    """Decides, frame by frame, whether the landmarker runs: `wants(now)`, then `ran(now, observations)`.

    `now` is in seconds and should not decrease; a jump back (a looped video) starts afresh.
    Raises ValueError for a non-positive rate or window, or a threshold outside [0, 1].
    """

    def __init__(self, reduced_fps: float = DEFAULT_REDUCED_FPS,
                 forming_threshold: float = DEFAULT_FORMING_THRESHOLD, window: float = DEFAULT_WINDOW,
                 settle: float = DEFAULT_SETTLE) -> None:
        if reduced_fps <= 0 or window <= 0 or settle <= 0 or not 0.0 <= forming_threshold <= 1.0:
            raise ValueError(f"need reduced_fps, window, settle > 0 and 0 <= forming_threshold <= 1, got "
                             f"{reduced_fps}, {window}, {settle}, {forming_threshold}")
        self.reduced_interval = self._base_interval = 1.0 / reduced_fps
        self.forming_threshold = self._base_threshold = forming_threshold
        self.window = window
        self._base_settle = settle
        self._settles: dict[str, float] = {}  # per bound gesture: its longest hold + the margin
        self._last_run = -math.inf
        self._last_forming = -math.inf
        self._shown: str | None = None  # the gesture the last run showed, if any
        self._shown_since = -math.inf

    def fit_bindings(self, bindings: Iterable[Binding]) -> None:
        """Keep each bound gesture's settle time past its longest hold and the threshold at or
        under the lowest binding's, so every hold is timed at the full rate; with a movement
        bound, run at least MOVEMENT_REDUCED_FPS times a second while nothing forms."""
        bindings = tuple(bindings)
        self._settles = {}
        for binding in bindings:
            self._settles[binding.gesture] = max(self._settles.get(binding.gesture, 0.0),
                                                 binding.hold + SETTLE_MARGIN)
        self.forming_threshold = min([self._base_threshold, *(binding.threshold for binding in bindings)])
        movement = any(binding.gesture in DYNAMIC_GESTURES for binding in bindings)
        self.reduced_interval = min(self._base_interval, 1.0 / MOVEMENT_REDUCED_FPS) if movement else self._base_interval

    def forming(self, now: float) -> bool:
        """True while a gesture formed in the last `window` seconds (the full rate)."""
        return self._last_forming <= now < self._last_forming + self.window

    def wants(self, now: float) -> bool:
        """True when the landmarker should run on the frame at `now` (records nothing)."""
        if now < self._last_run or self.forming(now):
            return True
        # A little slack so a frame due a hair early (every 4th at 30 fps) is not pushed to the next.
        return now - self._last_run >= self.reduced_interval * 0.95

    def ran(self, now: float, observations: Iterable[Observation]) -> None:
        """Record a landmarker run at `now` and what the classifier made of its hands."""
        if now < self._last_run:
            self.reset()
        self._last_run = now
        shown = [observation for observation in observations
                 if observation.gesture != NO_GESTURE and observation.confidence >= self.forming_threshold]
        gesture = max(shown, key=lambda observation: observation.confidence).gesture if shown else None
        if gesture != self._shown:
            let_go = self._shown is not None and now - self._shown_since >= self.settle_of(self._shown)
            self._shown, self._shown_since = gesture, now
            if let_go:  # a held gesture let go: the next (thumbs up, then down) may follow at once
                self._last_forming = now
        if gesture is not None and now - self._shown_since < self.settle_of(gesture):
            self._last_forming = now

    def settle_of(self, gesture: str) -> float:
        """How long `gesture` is watched at the full rate once shown: its own longest hold +
        the margin when bound (a thumbs up's 0.25 s hold is not timed for as long as a fist's
        0.7 s), else the base `settle`."""
        return self._settles.get(gesture, self._base_settle)

    def hold_in_progress(self, now: float) -> None:
        """A binding's hold is being timed (gestured.runtime.debounce): keep the full rate,
        so the hand's steadiness is judged on every frame until it fires or is left."""
        self._last_forming = now

    def reset(self) -> None:
        """Forget what was seen: the next frame runs."""
        self._last_run = self._last_forming = self._shown_since = -math.inf
        self._shown = None
