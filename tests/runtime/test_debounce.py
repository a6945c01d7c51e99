"""gestured.runtime.debounce: scripted observation sequences against the timing rules."""

from __future__ import annotations

from typing import Sequence

from gestured.config.settings import Binding, KeyAction
from gestured.runtime.debounce import Debouncer, Fire, Observation

FPS = 30.0
PLAY = KeyAction(("play_pause",))
VOLUME = KeyAction(("volume_up",))


def binding(gesture: str = "thumbs_up", *, hold: float = 0.25, release: float = 0.3, threshold: float = 0.7,
            repeat: float | None = None, hand: str = "any", action: KeyAction = PLAY) -> Binding:
    return Binding(gesture=gesture, action=action, hold=hold, threshold=threshold, release=release,
                   repeat=repeat, hand=hand)  # type: ignore[arg-type]


def frames(script: str, gesture: str = "thumbs_up", confidence: float = 0.95,
           hand: str = "right") -> list[list[Observation]]:
    """One character per frame: G = the gesture, n = `none`, o = another gesture, . = no hand,
    l = low confidence."""
    meaning = {
        "G": [Observation(gesture, confidence, hand)],
        "n": [Observation("none", 0.9, hand)],
        "o": [Observation("fist", 0.9, hand)],
        ".": [],
        "l": [Observation(gesture, 0.5, hand)],
    }
    return [meaning[character] for character in script]


def run(debouncer: Debouncer, script: Sequence[list[Observation]], fps: float = FPS,
        start: int = 0) -> list[tuple[int, Fire]]:
    """Feed the frames at `fps`; return (frame number, fire) for each fire."""
    fired = []
    for offset, observations in enumerate(script):
        index = start + offset
        fired.extend((index, fire) for fire in debouncer.update(observations, index / fps))
    return fired


def fired_frames(fired: list[tuple[int, Fire]]) -> list[int]:
    return [index for index, _ in fired]


def test_held_gesture_fires_once_when_hold_is_reached() -> None:
    debouncer = Debouncer([binding(hold=0.25)])
    fired = run(debouncer, frames("..." + "G" * 40))
    # First G at frame 3 (0.1 s); 0.25 s later is frame 10.5, so frame 11 fires.
    assert fired_frames(fired) == [11]
    index, fire = fired[0]
    assert fire.binding.action == PLAY
    assert fire.observation.gesture == "thumbs_up"
    assert abs(fire.held - 8 / FPS) < 1e-9
    assert fire.repeat is False


def test_zero_hold_fires_on_the_first_frame() -> None:
    assert fired_frames(run(Debouncer([binding(hold=0.0)]), frames("..GGG"))) == [2]


def test_flicker_shorter_than_hold_never_fires() -> None:
    # Bursts of 4 frames (0.13 s) separated by 3 frames of none: never held for 0.25 s.
    debouncer = Debouncer([binding(hold=0.25)])
    assert run(debouncer, frames("GGGGnnn" * 10)) == []


def test_single_odd_frame_neither_breaks_a_hold_nor_fires() -> None:
    debouncer = Debouncer([binding(hold=0.25)])
    # The odd frame at 5 does not restart the hold: frame 8 is 0.267 s after frame 0.
    assert fired_frames(run(debouncer, frames("GGGGGnGGGGGG"))) == [8]
    # A single odd "G" frame inside none does not fire, even with hold 0.
    assert run(Debouncer([binding(hold=0.0, threshold=0.7)]), frames("nnnlnnn")) == []


def test_longer_gap_restarts_the_hold() -> None:
    debouncer = Debouncer([binding(hold=0.25)])
    # Four missing frames (0.13 s > 0.1 s gap) break the hold: it restarts at frame 9.
    fired = run(debouncer, frames("GGGGG....GGGGGGGGGGGG"))
    assert fired_frames(fired) == [17]


def test_low_confidence_does_not_count() -> None:
    assert run(Debouncer([binding(threshold=0.7)]), frames("l" * 30)) == []
    assert fired_frames(run(Debouncer([binding(threshold=0.4)]), frames("l" * 30))) == [8]


def test_no_refire_until_released_for_the_release_time() -> None:
    debouncer = Debouncer([binding(hold=0.1, release=0.3)])
    # Held, then 5 frames of none (0.17 s < release), held again: no second fire.
    fired = run(debouncer, frames("G" * 20 + "n" * 5 + "G" * 20))
    assert fired_frames(fired) == [3]


def test_refires_after_release_and_a_new_hold() -> None:
    debouncer = Debouncer([binding(hold=0.1, release=0.3)])
    # 12 frames of none (0.4 s >= release) re-arm; the next hold fires 3 frames in.
    fired = run(debouncer, frames("G" * 20 + "n" * 12 + "G" * 20))
    assert fired_frames(fired) == [3, 35]


def test_other_gesture_counts_as_leaving() -> None:
    debouncer = Debouncer([binding(hold=0.1, release=0.2)])
    fired = run(debouncer, frames("G" * 10 + "o" * 10 + "G" * 10))
    assert fired_frames(fired) == [3, 23]


def test_hand_lost_counts_as_leaving_and_no_hand_frames_are_fine() -> None:
    debouncer = Debouncer([binding(hold=0.1, release=0.2)])
    fired = run(debouncer, frames("." * 5 + "G" * 10 + "." * 10 + "G" * 10))
    assert fired_frames(fired) == [8, 28]


def test_repeat_fires_every_interval_while_held() -> None:
    debouncer = Debouncer([binding(hold=0.2, repeat=0.5, action=VOLUME)])
    fired = run(debouncer, frames("G" * 61))  # 2.0 s held
    # First at 0.2 s (frame 6), then every 0.5 s: 0.7, 1.2, 1.7 s (frames 21, 36, 51).
    assert fired_frames(fired) == [6, 21, 36, 51]
    assert [fire.repeat for _, fire in fired] == [False, True, True, True]


def test_repeat_stops_when_the_hand_leaves() -> None:
    debouncer = Debouncer([binding(hold=0.2, repeat=0.5)])
    fired = run(debouncer, frames("G" * 20 + "." * 60))
    assert fired_frames(fired) == [6]


def test_hand_filter() -> None:
    left_only = Debouncer([binding(hand="left", hold=0.1)])
    assert run(left_only, frames("G" * 20, hand="right")) == []
    assert fired_frames(run(left_only, frames("G" * 20, hand="left"))) == [3]


def test_two_bindings_are_independent() -> None:
    thumbs, fist = binding("thumbs_up", hold=0.1), binding("fist", hold=0.2, action=VOLUME)
    debouncer = Debouncer([thumbs, fist])
    script = frames("G" * 10) + frames("G" * 10, gesture="fist")
    fired = run(debouncer, script)
    assert [(index, fire.binding.gesture) for index, fire in fired] == [(3, "thumbs_up"), (16, "fist")]


def test_two_hands_one_frame() -> None:
    debouncer = Debouncer([binding("thumbs_up", hold=0.1), binding("fist", hold=0.1, action=VOLUME)])
    both = [[Observation("thumbs_up", 0.9, "right", track=0), Observation("fist", 0.9, "left", track=1)]] * 10
    fired = run(debouncer, both)
    assert sorted((index, fire.binding.gesture) for index, fire in fired) == [(3, "fist"), (3, "thumbs_up")]


def test_new_bindings_keep_the_state_of_unchanged_gestures() -> None:
    debouncer = Debouncer([binding("thumbs_up", hold=0.1), binding("fist", hold=0.1)])
    fired = run(debouncer, frames("G" * 10))
    assert fired_frames(fired) == [3]
    # Reload mid-hold with a new action for thumbs_up: no second fire while still held.
    debouncer.set_bindings([binding("thumbs_up", hold=0.1, action=VOLUME), binding("ok", hold=0.1)])
    assert run(debouncer, frames("G" * 10), start=10) == []
    assert [found.gesture for found in debouncer.bindings] == ["thumbs_up", "ok"]
    # After a release it fires the new action.
    fired = run(debouncer, frames("n" * 12 + "G" * 6), start=20)
    assert [(index, fire.binding.action) for index, fire in fired] == [(35, VOLUME)]


def test_reset_forgets_a_fired_hold() -> None:
    debouncer = Debouncer([binding(hold=0.1)])
    run(debouncer, frames("G" * 10))
    debouncer.reset()
    assert fired_frames(run(debouncer, frames("G" * 10), start=100)) == [103]
