"""Gesture timing: when a stream of per-frame guesses becomes one fired binding.

Pure: times come in as arguments (media time for files, seconds since start for
cameras), so the same sequence always gives the same fires.

One state machine per binding and hand track. A frame counts for a binding when its
gesture is seen from the binding's hand with confidence >= the binding's threshold, the
hand is still (motion <= the binding's `max_motion` palm sizes a second) and shown to the camera
(gestured.runtime.deliberate). The binding fires once its frames have lasted `hold` seconds and
the gesture's mean probability over that hold, every frame counted, reaches the
threshold (a shape that flickers in and out does not fire). It does not fire again
until the hand has left the gesture (none, another gesture, moving, no hand) for
`release` seconds; with `repeat` it fires again every `repeat` seconds while held. A
single odd frame neither fires nor breaks a hold: the gesture counts as left only after
two or more missing frames, `gap` seconds or more after the last matching one. Motion is
the exception: it is measured over a window already, so one moving frame ends a hold.

With `arm`, bindings other than the arming gesture's fire only within `seconds` after
the arming gesture was held for its hold.

`blocked` lists, after each update, why a gesture seen in that frame did not fire.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from gestured.config.settings import ArmOptions, Binding, DeliberateOptions, KeyAction

DEFAULT_GAP = 0.1  # seconds of missing gesture tolerated inside a hold
EPSILON = 1e-6  # float slack: frame times like 21/30 - 6/30 fall a hair short of 0.5
ARM_KEY = ("", "arm", 0)
MOVING = "moving"


@dataclass(frozen=True)
class Observation:
    """What the classifier and gestured.runtime.deliberate made of one hand in one frame.

    motion: palm sizes a second; unpresented: why the hand is not shown to the camera
    (None: it is); probabilities: every label's probability (empty: only `confidence`,
    for `gesture`, is known); track: which hand, stable from frame to frame.
    """

    gesture: str
    confidence: float
    hand: str = "unknown"  # "left", "right" or "unknown"
    track: int = 0
    motion: float = 0.0
    unpresented: str | None = None
    probabilities: Mapping[str, float] = field(default_factory=dict, compare=False)

    def probability(self, gesture: str) -> float:
        if self.probabilities:
            return float(self.probabilities.get(gesture, 0.0))
        return self.confidence if gesture == self.gesture else 0.0


@dataclass(frozen=True)
class Fire:
    """A binding that fires now. `held` = seconds since the hold began; `repeat` for repeats."""

    binding: Binding
    observation: Observation
    time: float
    held: float
    repeat: bool = False


@dataclass(frozen=True)
class BindingStatus:
    """One binding's timing at a moment: `held` seconds into a hold (0 when idle) and
    whether it has fired during this hold. seen: its gesture is in view (on some hand);
    steady: False while that hand moves too much to count; armed: None when arming is
    off (or this is the arm gesture), else whether the daemon is armed now."""

    gesture: str
    hand: str
    holding: bool
    held: float
    fired: bool
    seen: bool = False
    steady: bool = True
    armed: bool | None = None


@dataclass(frozen=True)
class Blocked:
    """A gesture seen in this frame that does not fire (yet), and why."""

    gesture: str
    hand: str
    reason: str  # "moving (...)", "too short (...)", "below threshold (...)", "not armed", ...


@dataclass
class _BindingState:
    """Timing of one binding on one hand track; `since` is None while idle (not holding)."""

    since: float | None = None
    last_match: float = 0.0
    last_fire: float | None = None
    left_at: float | None = None  # time of the first frame of the current miss run
    misses: int = 0
    seen: bool = False  # the binding's gesture is in view on this track (last frame)
    moving: bool = False  # ... but moving too much to count
    support: deque[tuple[float, float]] = field(default_factory=deque)  # (time, P(gesture))


def _state_key(binding: Binding, occurrence: int) -> tuple[str, str, int]:
    return (binding.gesture, binding.hand, occurrence)


def _keyed(bindings: Iterable[Binding]) -> dict[tuple[str, str, int], Binding]:
    keyed: dict[tuple[str, str, int], Binding] = {}
    for binding in bindings:
        occurrence = 0
        while _state_key(binding, occurrence) in keyed:
            occurrence += 1
        keyed[_state_key(binding, occurrence)] = binding
    return keyed


def _pick(binding: Binding, observations: list[Observation]) -> Observation | None:
    """The track's observation of the binding's gesture, else its first (None: no hand)."""
    return next((observation for observation in observations if observation.gesture == binding.gesture),
                observations[0] if observations else None)


def _arm_binding(arm: ArmOptions | None) -> dict[tuple[str, str, int], Binding]:
    if arm is None:
        return {}
    return {ARM_KEY: Binding(arm.gesture, KeyAction(("arm",)), arm.hold, arm.threshold, release=0.3)}


class Debouncer:
    """Turns per-frame observations into fires, one state machine per binding and hand track."""

    def __init__(self, bindings: Iterable[Binding], gap: float = DEFAULT_GAP,
                 options: DeliberateOptions | None = None, arm: ArmOptions | None = None) -> None:
        self.gap = gap
        self.options = options or DeliberateOptions()
        self.arm = arm
        self.armed_until = float("-inf")
        self.blocked: list[Blocked] = []
        self._bindings = _keyed(bindings)
        self._states: dict[tuple[tuple[str, str, int], int], _BindingState] = {}

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return tuple(self._bindings.values())

    def set_bindings(self, bindings: Iterable[Binding]) -> None:
        """Use new bindings, keeping the timing of those with the same gesture and hand.

        A binding whose action, hold or threshold changed while its gesture is held does
        not fire a second time; a new binding starts idle.
        """
        self._bindings = _keyed(bindings)
        self._states = {key: state for key, state in self._states.items()
                        if key[0] in self._bindings or (key[0] == ARM_KEY and self.arm is not None)}

    def configure(self, options: DeliberateOptions, arm: ArmOptions | None) -> None:
        """Use new deliberateness options and arming (a reload); holds in progress go on."""
        self.options, self.arm = options, arm
        if arm is None:
            self.armed_until = float("-inf")

    @property
    def holding(self) -> bool:
        """True while some binding's hold is being timed (seen, not fired yet)."""
        return any(state.since is not None and state.last_fire is None for state in self._states.values())

    def reset(self) -> None:
        """Forget all timing (after a pause: the hand seen before it says nothing now)."""
        self._states = {}
        self.armed_until = float("-inf")

    def status(self, now: float) -> tuple[BindingStatus, ...]:
        """Every binding's timing at `now`, in binding order (for displays; changes nothing)."""
        return tuple(self._status(key, binding, now) for key, binding in self._bindings.items())

    def _status(self, key: tuple[str, str, int], binding: Binding, now: float) -> BindingStatus:
        """The binding's hold on the hand track that has held it longest."""
        states = [state for (state_key, _track), state in self._states.items() if state_key == key]
        seen, steady = any(state.seen for state in states), not any(state.moving for state in states)
        armed = None if self.arm is None or binding.gesture == self.arm.gesture else now <= self.armed_until
        holds = [state for state in states if state.since is not None]
        if not holds:
            return BindingStatus(binding.gesture, binding.hand, False, 0.0, False, seen, steady, armed)
        state = min(holds, key=lambda state: state.since)  # type: ignore[arg-type, return-value]
        return BindingStatus(binding.gesture, binding.hand, True, now - state.since,  # type: ignore[operator]
                             state.last_fire is not None, seen, steady, armed)

    def update(self, observations: Sequence[Observation], now: float) -> list[Fire]:
        """Feed one frame's observations (empty: no hand) at time `now`; return what fires.

        `now` must not decrease from call to call. Sets `blocked`.
        """
        self.blocked = []
        by_track: dict[int, list[Observation]] = {}
        for observation in observations:  # a completed swipe shares its hand's track
            by_track.setdefault(observation.track, []).append(observation)
        for arm_fire in self._run(_arm_binding(self.arm), by_track, now):
            self.armed_until = arm_fire.time + self.arm.seconds  # type: ignore[union-attr]
        return self._run(self._bindings, by_track, now)

    def _run(self, bindings: dict[tuple[str, str, int], Binding], by_track: dict[int, list[Observation]],
             now: float) -> list[Fire]:
        fires = []
        for key, binding in bindings.items():
            tracks = {track for state_key, track in self._states if state_key == key} | set(by_track)
            for track in sorted(tracks):
                state = self._states.setdefault((key, track), _BindingState())
                fire = self._step(key, binding, state, _pick(binding, by_track.get(track, [])), now)
                if fire is not None:
                    fires.append(fire)
                if state.since is None and track not in by_track:
                    del self._states[(key, track)]
        return fires

    def _step(self, key: tuple[str, str, int], binding: Binding, state: _BindingState,
              observation: Observation | None, now: float) -> Fire | None:
        problem = self._problem(key, binding, observation, now)
        state.seen = problem != ""
        state.moving = bool(problem) and problem.startswith(MOVING)  # type: ignore[union-attr]
        if problem is None and observation is not None:
            return self._hit(binding, state, observation, now)
        if problem and problem.startswith(MOVING) and state.last_fire is None:
            state.since = None  # motion is measured over MOTION_WINDOW already: no odd-frame slack
            state.support.clear()
        if state.since is not None:
            state.support.append((now, 0.0 if observation is None else observation.probability(binding.gesture)))
        self._miss(binding, state, now)
        if problem and observation is not None and observation.gesture == binding.gesture:
            self.blocked.append(Blocked(binding.gesture, observation.hand, problem))
        return None

    def _problem(self, key: tuple[str, str, int], binding: Binding, observation: Observation | None,
                 now: float) -> str | None:
        """Why this frame does not count for the binding ("" when its gesture is not seen)."""
        if observation is None or observation.gesture != binding.gesture:
            return ""
        if binding.hand != "any" and binding.hand != observation.hand:
            return f"bound to the {binding.hand} hand"
        if observation.confidence < binding.threshold:
            return f"below threshold ({observation.confidence:.2f} < {binding.threshold:.2f})"
        if observation.unpresented is not None:
            return f"not presented: {observation.unpresented}"
        if observation.motion > binding.max_motion:
            return f"{MOVING} ({observation.motion:.1f} > {binding.max_motion:.1f} palm sizes/s)"
        if self.arm is not None and key != ARM_KEY and binding.gesture != self.arm.gesture \
                and now > self.armed_until:
            return f"not armed (hold {self.arm.gesture} for {self.arm.hold:g} s first)"
        return None

    def _hit(self, binding: Binding, state: _BindingState, observation: Observation, now: float) -> Fire | None:
        state.last_match, state.left_at, state.misses = now, None, 0
        if state.since is None:
            state.since = now
            state.support.clear()
        state.support.append((now, observation.probability(binding.gesture)))
        while len(state.support) > 1 and state.support[0][0] < now - binding.hold - EPSILON:
            state.support.popleft()
        held = now - state.since
        if state.last_fire is None:
            if held < binding.hold - EPSILON:
                self.blocked.append(Blocked(binding.gesture, observation.hand,
                                            f"too short ({held:.2f} of {binding.hold:.2f} s)"))
                return None
            evidence = self._evidence(state)
            if evidence < binding.threshold:
                self.blocked.append(Blocked(binding.gesture, observation.hand,
                                            f"flickering (mean {evidence:.2f} < {binding.threshold:.2f} over the hold)"))
                return None
            state.last_fire = now
            return Fire(binding, observation, now, held)
        if binding.repeat and now - state.last_fire >= binding.repeat - EPSILON:
            state.last_fire = now
            return Fire(binding, observation, now, held, repeat=True)
        return None

    def _evidence(self, state: _BindingState) -> float:
        """The gesture's mean probability over the last `hold` seconds (1.0 when switched off)."""
        if not self.options.evidence or not state.support:
            return 1.0
        return sum(probability for _, probability in state.support) / len(state.support)

    def _miss(self, binding: Binding, state: _BindingState, now: float) -> None:
        if state.since is None:
            return
        if state.left_at is None:
            state.left_at = now
        state.misses += 1
        left = state.misses >= 2 and now - state.last_match >= self.gap - EPSILON
        if not left:
            return
        if state.last_fire is None or now - state.left_at >= binding.release - EPSILON:
            state.since, state.last_fire, state.left_at, state.misses = None, None, None, 0
            state.support.clear()
