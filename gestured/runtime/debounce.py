"""Gesture timing: when a stream of per-frame guesses becomes one fired binding.

Pure: times come in as arguments (media time for files, seconds since start for
cameras), so the same sequence always gives the same fires.

Per binding: the gesture fires once it has been seen (confidence >= the binding's
threshold, from the binding's hand) for `hold` seconds; it does not fire again until
the hand has left the gesture (none, another gesture, no hand) for `release` seconds;
with `repeat` it fires again every `repeat` seconds while held. A single odd frame
neither fires nor breaks a hold: the gesture counts as left only after two or more
missing frames, `gap` seconds or more after the last matching one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

from gestured.config.settings import Binding

DEFAULT_GAP = 0.1  # seconds of missing gesture tolerated inside a hold
EPSILON = 1e-6  # float slack: frame times like 21/30 - 6/30 fall a hair short of 0.5


@dataclass(frozen=True)
class Observation:
    """What the classifier made of one hand in one frame: the best label, its probability,
    the hand, and every label's probability (empty where a caller has only the best one)."""

    gesture: str
    confidence: float
    hand: str = "unknown"  # "left", "right" or "unknown"
    probabilities: Mapping[str, float] = field(default_factory=dict, compare=False)


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
    whether it has fired during this hold."""

    gesture: str
    hand: str
    holding: bool
    held: float
    fired: bool


@dataclass
class _BindingState:
    """Timing of one binding; `since` is None while idle (not holding)."""

    since: float | None = None
    last_match: float = 0.0
    last_fire: float | None = None
    left_at: float | None = None  # time of the first frame of the current miss run
    misses: int = 0


def _matches(binding: Binding, observation: Observation) -> bool:
    return (
        observation.gesture == binding.gesture
        and observation.confidence >= binding.threshold
        and (binding.hand == "any" or binding.hand == observation.hand)
    )


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


class Debouncer:
    """Turns per-frame observations into fires, one state machine per binding."""

    def __init__(self, bindings: Iterable[Binding], gap: float = DEFAULT_GAP) -> None:
        self.gap = gap
        self._bindings = _keyed(bindings)
        self._states = {key: _BindingState() for key in self._bindings}

    @property
    def bindings(self) -> tuple[Binding, ...]:
        return tuple(self._bindings.values())

    def set_bindings(self, bindings: Iterable[Binding]) -> None:
        """Use new bindings, keeping the timing state of those with the same gesture and hand.

        A binding whose action, hold or threshold changed while its gesture is held does
        not fire a second time; a new binding starts idle.
        """
        self._bindings = _keyed(bindings)
        self._states = {key: self._states.get(key) or _BindingState() for key in self._bindings}

    def reset(self) -> None:
        """Forget all timing (after a pause: the hand seen before it says nothing now)."""
        self._states = {key: _BindingState() for key in self._bindings}

    def status(self, now: float) -> tuple[BindingStatus, ...]:
        """Every binding's timing at `now`, in binding order (for displays; changes nothing)."""
        return tuple(
            BindingStatus(binding.gesture, binding.hand, state.since is not None,
                          now - state.since if state.since is not None else 0.0, state.last_fire is not None)
            for binding, state in ((self._bindings[key], self._states[key]) for key in self._bindings)
        )

    def update(self, observations: Sequence[Observation], now: float) -> list[Fire]:
        """Feed one frame's observations (empty: no hand) at time `now`; return what fires.

        `now` must not decrease from call to call.
        """
        fires = []
        for key, binding in self._bindings.items():
            match = next((obs for obs in observations if _matches(binding, obs)), None)
            state = self._states[key]
            if match is None:
                self._miss(binding, state, now)
                continue
            fire = self._hit(binding, state, match, now)
            if fire is not None:
                fires.append(fire)
        return fires

    def _hit(self, binding: Binding, state: _BindingState, observation: Observation, now: float) -> Fire | None:
        state.last_match, state.left_at, state.misses = now, None, 0
        if state.since is None:
            state.since = now
        held = now - state.since
        if state.last_fire is None:
            if held >= binding.hold - EPSILON:
                state.last_fire = now
                return Fire(binding, observation, now, held)
            return None
        if binding.repeat and now - state.last_fire >= binding.repeat - EPSILON:
            state.last_fire = now
            return Fire(binding, observation, now, held, repeat=True)
        return None

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
