"""The daemon's own observation stages (see gestured.runtime.pipeline.ObservationStage):
the focused application's bindings, and completed swipes and circles."""

from __future__ import annotations

from typing import Callable, Sequence

from gestured.recognition.hand import Hand
from gestured.recognition.trajectory import Stroke, TrajectoryTracker
from gestured.runtime.debounce import Observation


def _stroke_observation(stroke: Stroke) -> Observation:
    """A completed movement, seen for one frame with full confidence (its binding has no hold)."""
    return Observation(stroke.gesture, 1.0, stroke.hand)


class FocusStage:
    """The focused application's bindings, checked before the debouncer sees the frame."""

    name = "focus"

    def __init__(self, refresh: Callable[[Sequence[Hand]], None]) -> None:
        self._refresh = refresh

    def update(self, hands: Sequence[Hand], observations: Sequence[Observation],
               timestamp: float) -> Sequence[Observation]:
        self._refresh(hands)
        return observations

    def reset(self) -> None:
        """Nothing timed to forget."""


class TrajectoryStage:
    """Completed swipes and circles, added to the classifier's observations."""

    name = "trajectory"

    def __init__(self, trajectory: TrajectoryTracker) -> None:
        self.trajectory = trajectory

    def update(self, hands: Sequence[Hand], observations: Sequence[Observation],
               timestamp: float) -> Sequence[Observation]:
        if not self.trajectory.active:
            return observations
        return [*observations, *(_stroke_observation(stroke) for stroke in self.trajectory.update(hands, timestamp))]

    def reset(self) -> None:
        self.trajectory.reset()
