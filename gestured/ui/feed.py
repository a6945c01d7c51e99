"""What the page shows live, handed over from the frame loop to the web server.

`listen` is a Pipeline listener: once per frame it only stores references (the frame is
not even decoded), so the daemon's per-frame cost does not grow with the page. `record`
takes each fired action once its outcome is known (the daemon's `on_event`, from any
thread), so the page says whether the key was really pressed. Everything a client asks for (the JPEG with the skeleton drawn,
the holds) is made on the server's threads, on demand, and only while a client is
connected.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

EVENTS_KEPT = 100
JPEG_QUALITY = 75
FramePeek = Callable[[np.ndarray, float, Sequence[Any]], None]


@dataclass(frozen=True)
class Published:
    """One frame as the loop left it (references, not copies). frame: a Frame (decoded on
    demand) or a BGR image; bindings: the debouncer's BindingStatus per binding."""

    sequence: int
    frame: Any
    timestamp: float
    index: int
    hands: Sequence[Any]
    observations: Sequence[Any]
    bindings: Sequence[Any] = ()

    @property
    def image(self) -> np.ndarray:
        return self.frame if isinstance(self.frame, np.ndarray) else self.frame.image


@dataclass
class _Taps:
    """Callbacks that want every frame while they are registered (a recording)."""

    callbacks: dict[int, FramePeek] = field(default_factory=dict)
    ids: Any = field(default_factory=itertools.count)


class LiveFeed:
    """The last frame, its hands and observations, and the recent events.

    classifier: returns the classifier in use (its labels name the bars); bindings: the
    bindings in use (their hold times); clock: wall time for the event log.
    """

    def __init__(self, classifier: Callable[[], Any], bindings: Callable[[], Sequence[Any]] = tuple,
                 clock: Callable[[], float] = time.time) -> None:
        self._classifier = classifier
        self._bindings = bindings
        self._clock = clock
        self._lock = threading.Lock()
        self._latest: Published | None = None
        self._sequence = 0
        self._events: collections.deque[dict[str, Any]] = collections.deque(maxlen=EVENTS_KEPT)
        self._event_ids = itertools.count(1)
        self._taps = _Taps()
        self._clients = 0

    # --- the frame loop's side ---------------------------------------------------
    def listen(self, result: Any) -> None:
        """The Pipeline listener: publish one FrameResult (frames the gate skipped have no picture)."""
        if result.frame is not None:
            self.publish(result.frame, result.timestamp, result.index, result.hands, result.observations,
                         result.bindings)

    def record(self, event: Any) -> None:
        """One fired action with its outcome (a GestureEvent), for the event log. Any thread."""
        with self._lock:
            self._events.append({"id": next(self._event_ids), "wall": self._clock(), **asdict(event)})

    def publish(self, frame: Any, timestamp: float, index: int, hands: Sequence[Any],
                observations: Sequence[Any], bindings: Sequence[Any] = ()) -> None:
        """Keep this frame as the latest. Cheap: no copies, no decoding."""
        with self._lock:
            self._sequence += 1
            self._latest = Published(self._sequence, frame, timestamp, index, hands, observations, bindings)
            taps = list(self._taps.callbacks.values())
        for tap in taps:
            tap(self._latest.image, timestamp, hands)

    # --- the server's side -------------------------------------------------------
    def tap(self, callback: FramePeek) -> Callable[[], None]:
        """Call `callback(image, timestamp, hands)` on every frame until the returned function is called."""
        with self._lock:
            key = next(self._taps.ids)
            self._taps.callbacks[key] = callback

        def untap() -> None:
            with self._lock:
                self._taps.callbacks.pop(key, None)

        return untap

    def connected(self) -> "_Client":
        """A context manager counting a connected stream (see `watched`)."""
        return _Client(self)

    @property
    def watched(self) -> bool:
        return self._clients > 0

    def latest(self) -> Published | None:
        with self._lock:
            return self._latest

    def events(self, after: int = 0) -> list[dict[str, Any]]:
        """Events with an id above `after`, oldest first."""
        with self._lock:
            return [event for event in self._events if event["id"] > after]

    def state(self) -> dict[str, Any]:
        """The latest frame's hands for the page: per hand its gesture, confidence and
        the probability of every label, plus the bindings being held."""
        latest = self.latest()
        if latest is None:
            return {"frame": None, "hands": [], "holds": [], "labels": list(self._labels())}
        classifier = self._classifier()
        hands = [_hand_view(classifier, hand, observation)
                 for hand, observation in zip(latest.hands, latest.observations)]
        return {"frame": latest.index, "t": round(latest.timestamp, 3), "hands": hands,
                "holds": holds_view(latest.bindings, self._bindings()), "labels": list(classifier.labels)}

    def jpeg(self, published: Published) -> bytes:
        """The frame with the skeleton, labels and recent fires drawn on, as JPEG bytes."""
        import cv2

        from gestured.output.preview import draw_overlay

        canvas = draw_overlay(published.image, published.hands, published.observations, [])
        ok, encoded = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
        if not ok:
            raise RuntimeError("JPEG encoding failed")
        return encoded.tobytes()

    def _labels(self) -> tuple[str, ...]:
        return tuple(self._classifier().labels)


class _Client:
    def __init__(self, feed: LiveFeed) -> None:
        self._feed = feed

    def __enter__(self) -> None:
        with self._feed._lock:
            self._feed._clients += 1

    def __exit__(self, *_exc: object) -> None:
        with self._feed._lock:
            self._feed._clients -= 1


def _hand_view(classifier: Any, hand: Any, observation: Any) -> dict[str, Any]:
    probabilities = observation.probabilities  # the pipeline's, for every label
    return {
        "hand": observation.hand,
        "gesture": observation.gesture,
        "confidence": round(float(observation.confidence), 3),
        "probabilities": {label: round(float(value), 3) for label, value in probabilities.items()},
    }


def holds_view(statuses: Sequence[Any], bindings: Sequence[Any]) -> list[dict[str, Any]]:
    """The bindings being held or in view, as the page shows them: gesture, hand, held / hold
    seconds, fired (during this hold), steady or moving, and armed (only when arming is on).
    statuses: the debouncer's BindingStatus per binding."""
    holds = {(binding.gesture, binding.hand): binding.hold for binding in bindings}
    views = []
    for status in statuses:
        if not (status.holding or status.seen):
            continue
        view = {"gesture": status.gesture, "hand": status.hand, "held": round(status.held, 2),
                "hold": holds.get((status.gesture, status.hand), 0.0), "fired": status.fired,
                "steady": status.steady}
        if status.armed is not None:
            view["armed"] = status.armed
        views.append(view)
    return views
