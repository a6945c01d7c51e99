"""The deliberateness layers with scripted keypoint sequences and an injected clock.

Each layer on its own (gestured.runtime.deliberate: tracks, motion, presentation; the debouncer:
steadiness, evidence over the hold, per-gesture holds, arming, why nothing fired), then
the whole daemon: a hand in a gesture's shape that moves must not fire, the same shape
held still must.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pytest

from gestured.config.settings import ArmOptions, Binding, DeliberateOptions, KeyAction, Settings
from gestured.recognition.hand import Hand
from gestured.runtime.daemon import Daemon
from gestured.runtime.debounce import Debouncer, Observation
from gestured.runtime.deliberate import HandTracks, palm_size, presentation_problem
from gestured.runtime.events import GestureEvent
from tests.fakes import HAND_SHAPE, FakeClassifier, FakeClock, ListSource, RecordingExecutor, ScriptedBackend, Seen

FPS = 30.0
PLAY = KeyAction(("play_pause",))
PALM = 100.0  # HAND_SHAPE's palm length in pixels


def hand_at(x: float, y: float = 380.0) -> Hand:
    return Hand.from_pixels(HAND_SHAPE + np.array([x, y], dtype=np.float32), (640, 480))


def fist(hold: float = 0.7, max_motion: float = 0.7, **fields: object) -> Binding:
    return Binding("fist", PLAY, hold=hold, threshold=0.7, release=0.3, max_motion=max_motion, **fields)  # type: ignore[arg-type]


def feed(debouncer: Debouncer, frames: Sequence[Sequence[Observation]]) -> list[int]:
    """The frame numbers that fire, frames at FPS."""
    return [index for index, observations in enumerate(frames) if debouncer.update(observations, index / FPS)]


# ---- gestured.runtime.deliberate: tracks, motion, presentation -------------------------------

def test_palm_size_is_the_palm_not_the_fingers() -> None:
    assert palm_size(HAND_SHAPE) == pytest.approx(PALM)


def test_a_still_hand_has_no_motion_and_a_moving_one_its_speed_in_palm_sizes() -> None:
    tracks = HandTracks()
    still = [tracks.update([hand_at(300)], index / FPS)[0] for index in range(10)]
    assert {evidence.motion for evidence in still} == {0.0}
    tracks = HandTracks()
    speed = 2.0 * PALM  # pixels a second: two palm sizes a second
    moving = [tracks.update([hand_at(100 + speed * index / FPS)], index / FPS)[0] for index in range(15)]
    assert len({evidence.track for evidence in moving}) == 1
    assert [evidence.motion for evidence in moving[5:]] == pytest.approx([2.0] * 10, rel=1e-3)


def test_two_hands_keep_their_own_tracks_and_a_far_jump_is_a_new_hand() -> None:
    tracks = HandTracks()
    first = tracks.update([hand_at(150), hand_at(500)], 0.0)
    second = tracks.update([hand_at(505), hand_at(152)], 1 / FPS)  # listed the other way round
    assert [evidence.track for evidence in second] == [first[1].track, first[0].track]
    assert tracks.update([hand_at(320, 100)], 2 / FPS)[0].track not in {first[0].track, first[1].track}


def test_presentation_wants_a_large_enough_hand_inside_the_frame() -> None:
    options = DeliberateOptions(min_size=0.1, edge=0.2)
    assert presentation_problem(hand_at(320), (640, 480), options) is None
    small = Hand.from_pixels(HAND_SHAPE * 0.3 + np.array([320, 300], dtype=np.float32), (640, 480))
    assert presentation_problem(small, (640, 480), options).startswith("too small")  # type: ignore[union-attr]
    at_edge = hand_at(25)  # the thumb tip at x = -60 + 25: partly out of the frame
    assert presentation_problem(at_edge, (640, 480), options) == "at the frame's edge"
    assert presentation_problem(at_edge, (640, 480), DeliberateOptions(min_size=0.1, edge=0.0)) is None


# ---- the debouncer's layers --------------------------------------------------------

def test_a_moving_hand_breaks_the_hold_and_says_so() -> None:
    debouncer = Debouncer([fist(hold=0.3)])
    moving = [[Observation("fist", 0.95, motion=2.0)]] * 30
    assert feed(debouncer, moving) == []
    assert debouncer.blocked[0].reason.startswith("moving (2.0 > 0.7")
    still = [[Observation("fist", 0.95, motion=0.2)]] * 30
    assert feed(Debouncer([fist(hold=0.3)]), still) == [9]



def test_status_says_whether_the_hand_in_view_is_steady_or_moving() -> None:
    debouncer = Debouncer([fist(hold=0.3)])
    feed(debouncer, [[Observation("fist", 0.95, motion=2.0)]] * 5)
    moving = debouncer.status(5 / FPS)[0]
    assert (moving.seen, moving.steady, moving.holding, moving.armed) == (True, False, False, None)
    debouncer.update([Observation("fist", 0.95, motion=0.1)], 6 / FPS)
    still = debouncer.status(6 / FPS)[0]
    assert (still.seen, still.steady, still.holding) == (True, True, True)
    debouncer.update([Observation("none", 0.95)], 7 / FPS)
    assert debouncer.status(7 / FPS)[0].seen is False

def test_one_odd_pose_frame_keeps_a_hold_but_one_moving_frame_ends_it() -> None:
    """Motion is measured over a window already, so it gets no odd-frame slack."""
    still = [[Observation("fist", 0.95, motion=0.2)]]
    odd_pose = still * 5 + [[Observation("none", 0.9, motion=0.2)]] + still * 20
    assert feed(Debouncer([fist(hold=0.3)]), odd_pose) == [9]
    moved = still * 5 + [[Observation("fist", 0.95, motion=1.5)]] + still * 20
    assert feed(Debouncer([fist(hold=0.3)]), moved) == [6 + 9]


def test_each_binding_has_its_own_motion_limit() -> None:
    settling = [[Observation("thumbs_up", 0.95, motion=3.0)]] * 20
    thumbs = Binding("thumbs_up", PLAY, hold=0.25, threshold=0.7, release=0.3, max_motion=5.0)
    assert feed(Debouncer([thumbs]), settling) == [8]


def test_a_shape_flickering_in_and_out_does_not_fire() -> None:
    """Every other frame another pose: no two misses in a row, so the hold never breaks,
    but the gesture's mean probability over the hold is about half."""
    seen = Observation("fist", 0.95, probabilities={"fist": 0.95, "none": 0.05})
    other = Observation("none", 0.6, probabilities={"fist": 0.3, "none": 0.6})
    flicker = [[seen], [other]] * 30
    debouncer = Debouncer([fist(hold=0.3)])
    reasons = set()
    for index, observations in enumerate(flicker):
        assert debouncer.update(observations, index / FPS) == []
        reasons |= {item.reason.split(" (")[0] for item in debouncer.blocked}
    assert reasons == {"too short", "flickering"}
    assert feed(Debouncer([fist(hold=0.3)], options=DeliberateOptions(evidence=False)), flicker) == [10]
    assert feed(Debouncer([fist(hold=0.3)]), [[seen]] * 30) == [9]


def test_why_a_visible_gesture_did_not_fire() -> None:
    debouncer = Debouncer([fist(hold=0.5)])
    reasons = {}
    for index, observation in enumerate([
        Observation("fist", 0.5), Observation("fist", 0.95, unpresented="too small (0.05 < 0.10 of the frame)"),
        Observation("fist", 0.95, motion=0.1),
    ]):
        debouncer.update([observation], index / FPS)
        reasons[index] = [item.reason for item in debouncer.blocked]
    assert reasons[0] == ["below threshold (0.50 < 0.70)"]
    assert reasons[1] == ["not presented: too small (0.05 < 0.10 of the frame)"]
    assert reasons[2] == ["too short (0.00 of 0.50 s)"]


def test_arming_gesture_opens_a_window_for_the_other_bindings() -> None:
    arm = ArmOptions(gesture="open_palm", hold=1.0, seconds=2.0)
    debouncer = Debouncer([fist(hold=0.3)], arm=arm)
    fist_frames = [[Observation("fist", 0.95)]] * 30
    assert feed(debouncer, fist_frames) == []
    assert debouncer.blocked[0].reason.startswith("not armed (hold open_palm for 1 s")
    palm, nothing = [Observation("open_palm", 0.95)], []
    frames = [palm] * 31 + [nothing] * 10 + [[Observation("fist", 0.95)]] * 15  # armed at frame 30 (1.0 s)
    assert feed(Debouncer([fist(hold=0.3)], arm=arm), frames) == [50]
    late = [palm] * 31 + [nothing] * 60 + [[Observation("fist", 0.95)]] * 15  # 2 s later: disarmed
    assert feed(Debouncer([fist(hold=0.3)], arm=arm), late) == []


def test_status_says_whether_the_daemon_is_armed() -> None:
    arm = ArmOptions(gesture="open_palm", hold=1.0, seconds=2.0)
    debouncer = Debouncer([fist(hold=0.3), Binding("open_palm", PLAY, hold=0.5, threshold=0.7, release=0.3)],
                          arm=arm)
    feed(debouncer, [[Observation("fist", 0.95)]] * 5)
    assert [status.armed for status in debouncer.status(5 / FPS)] == [False, None]  # the arm gesture has no arming
    frames = [[Observation("open_palm", 0.95)]] * 31 + [[Observation("fist", 0.95)]] * 3
    for index, observations in enumerate(frames):
        debouncer.update(observations, (10 + index) / FPS)
    status = debouncer.status((10 + len(frames) - 1) / FPS)[0]
    assert (status.armed, status.seen, status.holding) == (True, True, True)


def test_two_hands_are_timed_apart() -> None:
    """One hand's fist does not complete the other's: each track holds on its own."""
    left, right = Observation("fist", 0.95, track=0), Observation("fist", 0.95, track=1)
    alternating = [[left], [left], [left], [right], [right], [right]] * 5
    assert feed(Debouncer([fist(hold=0.3)]), alternating) == []


# ---- the whole daemon: moving shape vs the same shape held still ---------------------

def run_daemon(script: Sequence[Seen], settings: Settings) -> list[GestureEvent]:
    events: list[GestureEvent] = []
    daemon = Daemon(open_source=lambda: ListSource(len(script), fps=FPS), backend=ScriptedBackend(script),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=RecordingExecutor(), settings=settings,  # type: ignore[arg-type]
                    on_event=events.append, clock=FakeClock(), survive_errors=False)
    daemon.run()
    return events


def test_a_fist_moving_across_the_frame_does_not_fire_and_the_same_fist_held_still_does() -> None:
    settings = Settings(bindings=(fist(hold=0.7),))
    moving = [Seen("fist", at=(100 + 4 * index, 380)) for index in range(60)]  # 1.2 palm sizes a second
    assert run_daemon(moving, settings) == []
    still = [Seen("fist", at=(300 + (index % 2), 380)) for index in range(60)]  # one pixel of jitter
    events = run_daemon(still, settings)
    assert [(event.gesture, event.frame) for event in events] == [("fist", 21)]


def test_new_deliberate_options_apply_on_reload() -> None:
    moving = [Seen("fist", at=(100 + 4 * index, 380)) for index in range(60)]
    loose = Settings(bindings=(fist(hold=0.7, max_motion=2.0),), deliberate=DeliberateOptions(min_size=0.0))
    assert [event.gesture for event in run_daemon(moving, loose)] == ["fist"]
    daemon = Daemon(open_source=lambda: ListSource(1), backend=ScriptedBackend([]), classifier=FakeClassifier(),  # type: ignore[arg-type]
                    executor=RecordingExecutor(), settings=Settings(), on_event=lambda event: None)
    daemon.apply_settings(Settings(deliberate=DeliberateOptions(min_size=0.3), arm=ArmOptions("ok")))
    assert daemon.debouncer.options.min_size == 0.3 and daemon.debouncer.arm == ArmOptions("ok")


def test_debug_output_says_why_once_per_change(caplog: pytest.LogCaptureFixture) -> None:
    import io
    import json
    import logging

    from gestured.runtime.events import WhyNotFired, json_line_writer

    stream = io.StringIO()
    script = [Seen("fist", at=(100 + 8 * index, 380)) for index in range(20)] + [Seen("fist", at=(300, 380))] * 30
    events: list[GestureEvent] = []
    daemon = Daemon(open_source=lambda: ListSource(len(script), fps=FPS), backend=ScriptedBackend(script),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=RecordingExecutor(),  # type: ignore[arg-type]
                    settings=Settings(bindings=(fist(hold=0.7),)), on_event=events.append, clock=FakeClock(),
                    survive_errors=False, why_not=WhyNotFired(json_line_writer(stream)))
    with caplog.at_level(logging.DEBUG, logger="gestured.runtime.events"):
        daemon.run()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["not_fired"], line["reason"].split(" (")[0]) for line in lines] == [
        ("fist", "too short"), ("fist", "moving"), ("fist", "too short")]
    # Still from frame 20; the motion spans the last 0.15 s, so the hold starts at frame 25.
    assert lines[1]["frame"] == 1 and lines[2]["frame"] == 25
    assert [event.frame for event in events] == [25 + 21]
    assert sum("fist (right hand) not fired: moving" in record.getMessage() for record in caplog.records) == 1


def test_a_hold_being_timed_keeps_the_landmarker_at_the_full_rate() -> None:
    """Steadiness is judged frame by frame: a reduced landmarker rate would miss the moves."""
    from gestured.runtime.rate import LandmarkerRate

    debouncer = Debouncer([fist(hold=0.7)])
    debouncer.update([Observation("fist", 0.95)], 0.0)
    assert debouncer.holding
    rate = LandmarkerRate(reduced_fps=5.0, settle=0.1)
    rate.ran(0.0, [])
    assert not rate.wants(0.05)
    rate.hold_in_progress(0.0)
    assert rate.wants(0.05)
    for index in range(1, 30):
        debouncer.update([Observation("fist", 0.95)], index / FPS)
    assert not debouncer.holding  # fired at 0.7 s: the hold is over
