"""gestured.runtime.rate: the landmarker's reduced rate against scripted observations and holds."""

from __future__ import annotations

import pytest

from gestured.config.settings import Binding, KeyAction
from gestured.runtime.debounce import Debouncer, Observation
from gestured.runtime.rate import DEFAULT_REDUCED_FPS, LandmarkerRate

FPS = 30.0
NONE = [Observation("none", 0.95, "right")]
FORMING = [Observation("thumbs_up", 0.45, "right")]  # the pose on its way: under the binding's 0.7
HELD = [Observation("thumbs_up", 0.95, "right")]


def script(text: str) -> list[list[Observation]]:
    """One character per frame: n = a hand doing nothing, f = a gesture forming, G = held, . = no hand."""
    meaning = {"n": NONE, "f": FORMING, "G": HELD, ".": []}
    return [meaning[character] for character in text]


def play(frames: list[list[Observation]], rate: LandmarkerRate | None) -> tuple[list[int], list[int]]:
    """Feed the frames at FPS; the landmarker (and the debouncer after it) sees a frame only when
    `rate` wants it. Returns (frames run, frames that fired)."""
    debouncer = Debouncer([Binding("thumbs_up", KeyAction(("play_pause",)), hold=0.25, threshold=0.7,
                                   release=0.3)])
    ran, fired = [], []
    for index, observations in enumerate(frames):
        now = index / FPS
        if rate is not None and not rate.wants(now):
            continue
        ran.append(index)
        if rate is not None:
            rate.ran(now, observations)
        if debouncer.update(observations, now):
            fired.append(index)
    return ran, fired


def test_reduced_rate_while_nothing_forms() -> None:
    ran, fired = play(script("n" * 30 + "." * 30), LandmarkerRate(reduced_fps=10.0))
    assert ran == list(range(0, 60, 3))  # every 3rd frame of 30 fps, with or without a hand
    assert fired == []


def test_the_default_rate_runs_every_4th_frame_of_a_30_fps_camera_and_every_2nd_of_a_16_fps_one() -> None:
    ran, _ = play(script("n" * 30 + "." * 30), LandmarkerRate())
    assert ran == list(range(0, 60, 4))
    rate, ran = LandmarkerRate(), []
    for index in range(33):  # demo.mp4: 16.5 fps
        if rate.wants(index / 16.5):
            ran.append(index)
            rate.ran(index / 16.5, NONE)
    assert ran == list(range(0, 33, 2))


def test_a_bound_movement_raises_the_reduced_rate_to_every_3rd_frame() -> None:
    thumbs_up = Binding("thumbs_up", KeyAction(("a",)), hold=0.25, threshold=0.7, release=0.3)
    rate = LandmarkerRate()
    rate.fit_bindings([thumbs_up, Binding("swipe_left", KeyAction(("b",)), hold=0.0, threshold=0.7, release=0.3)])
    ran, _ = play(script("n" * 60), rate)
    assert ran == list(range(0, 60, 3))
    rate.fit_bindings([thumbs_up])  # a reload that drops it
    ran, _ = play(script("n" * 60), rate)
    assert ran == list(range(0, 60, 4))


def test_full_rate_from_the_first_forming_frame_until_the_gesture_settles() -> None:
    frames = script("n" * 12 + "f" + "G" * 30 + "n" * 30)
    ran, _ = play(frames, LandmarkerRate(reduced_fps=10.0, window=0.2, settle=0.35))
    assert ran[:5] == [0, 3, 6, 9, 12]  # reduced until frame 12 shows the gesture forming
    # Shown from frame 12; it forms for under 0.35 s (to frame 22) and the full rate lasts
    # under 0.2 s (6 frames) after that: every frame to 27, then every 3rd while it is held.
    assert ran[4:20] == list(range(12, 28))
    assert ran[20:25] == list(range(30, 43, 3))
    # Let go at frame 43 (the first run after it): full rate for 0.2 s, then reduced again.
    assert ran[25:31] == list(range(45, 51)) and ran[31:] == list(range(53, 73, 3))


def test_a_shown_gesture_is_timed_at_the_full_rate_for_its_own_hold_not_the_longest() -> None:
    def binding(gesture: str, hold: float) -> Binding:
        return Binding(gesture, KeyAction(("a",)), hold=hold, threshold=0.7, release=0.3)

    rate = LandmarkerRate(window=0.2)
    rate.fit_bindings([binding("thumbs_up", 0.25), binding("fist", 0.7)])
    assert rate.settle_of("thumbs_up") == pytest.approx(0.35) and rate.settle_of("fist") == pytest.approx(0.8)
    assert rate.settle_of("ok") == pytest.approx(0.35)  # not bound: the base settle
    ran, _ = play(script("n" * 12 + "G" * 48), rate)
    # Shown from frame 12: full rate for 0.35 s (to frame 22) and the 0.2 s window after it,
    # then every 4th frame while it is held; a fist would keep the full rate to frame 42.
    assert [index for index in ran if 12 <= index < 28] == list(range(12, 28))
    later = [index for index in ran if index >= 28]
    assert all(b - a == 4 for a, b in zip(later, later[1:])) and len(later) >= 7


def test_a_change_to_another_gesture_forms_again() -> None:
    other = [Observation("fist", 0.9, "right")]
    frames = script("G" * 30) + [other] * 20
    ran, _ = play(frames, LandmarkerRate(reduced_fps=10.0, window=0.2, settle=0.35))
    assert ran[:16] == list(range(16)) and ran[16:20] == [18, 21, 24, 27]  # held: reduced
    assert ran[20:32] == list(range(30, 42))  # the fist shows at 30: full rate again


def test_hold_completes_on_the_same_frame_as_at_full_rate() -> None:
    frames = script("n" * 12 + "ff" + "G" * 20)
    _, fired_full = play(frames, None)
    ran, fired_reduced = play(frames, LandmarkerRate(reduced_fps=10.0))
    assert 13 not in ran[:4]  # the reduced rate really skipped frames before the gesture
    assert fired_full == [22] and fired_reduced == fired_full  # first G at 14, 0.25 s later is 21.5


@pytest.mark.parametrize("reduced_fps, first_late", [(10.0, 0), (DEFAULT_REDUCED_FPS, 2)])
@pytest.mark.parametrize("turn", [1, 2, 3, 4])
def test_a_gesture_that_follows_a_held_one_fires_on_the_same_frame_as_at_full_rate(
        turn: int, reduced_fps: float, first_late: int) -> None:
    """demo.mp4: thumbs up held, a few frames of turning, thumbs down at once. (The thumbs up
    shows at once at frame 6, which the 7.5-a-second rate first sees at frame 8.)"""
    down = [Observation("thumbs_down", 0.95, "right")]
    frames = script("n" * 6 + "G" * 40 + "n" * turn) + [down] * 20
    debouncer_bindings = [Binding(gesture, KeyAction(("a",)), hold=0.25, threshold=0.7, release=0.3)
                          for gesture in ("thumbs_up", "thumbs_down")]

    def fires(rate: LandmarkerRate | None) -> list[tuple[int, str]]:
        debouncer, fired = Debouncer(debouncer_bindings), []
        for index, observations in enumerate(frames):
            if rate is not None and not rate.wants(index / FPS):
                continue
            if rate is not None:
                rate.ran(index / FPS, observations)
            fired += [(index, fire.binding.gesture) for fire in debouncer.update(observations, index / FPS)]
        return fired

    full = fires(None)
    assert [gesture for _, gesture in full] == ["thumbs_up", "thumbs_down"]
    (up_full, _), (down_full, _) = full
    (up, _), (down, _) = fires(LandmarkerRate(reduced_fps=reduced_fps))
    assert up - up_full == first_late and down == down_full


@pytest.mark.parametrize("reduced_fps, most_late", [(10.0, 2), (DEFAULT_REDUCED_FPS, 3)])
@pytest.mark.parametrize("skipped_before", [0, 1, 2, 3])
def test_a_gesture_that_shows_at_once_fires_at_most_one_reduced_interval_late(
        skipped_before: int, reduced_fps: float, most_late: int) -> None:
    # No forming frame: the pose is there from one frame to the next, wherever that falls
    # between two reduced-rate runs.
    frames = script("n" * (12 + skipped_before) + "G" * 20)
    _, fired_full = play(frames, None)
    _, fired_reduced = play(frames, LandmarkerRate(reduced_fps=reduced_fps))
    assert len(fired_full) == len(fired_reduced) == 1
    # 10 runs a second at 30 fps: 2 frames late at most; 7.5 a second: 3
    assert 0 <= fired_reduced[0] - fired_full[0] <= most_late


def test_time_going_back_starts_afresh() -> None:
    rate = LandmarkerRate(reduced_fps=10.0)
    rate.ran(5.0, FORMING)
    assert rate.wants(5.01)
    assert rate.wants(0.0)  # a looped video: earlier than the last run
    rate.ran(0.0, NONE)
    assert not rate.forming(0.01) and not rate.wants(0.01)


@pytest.mark.parametrize("bad", [{"reduced_fps": 0.0}, {"window": 0.0}, {"settle": 0.0},
                                 {"forming_threshold": 1.5}])
def test_rejects_bad_settings(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LandmarkerRate(**bad)
