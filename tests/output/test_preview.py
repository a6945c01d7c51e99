"""gestured.output.preview: the overlay drawn on a frame (the window itself needs a display)."""

from __future__ import annotations

import numpy as np

from gestured.output.preview import BONES, DRY_RUN_BANNER, display_size, draw_overlay
from gestured.recognition.hand import Hand
from gestured.runtime.debounce import Observation


def test_bones_join_all_21_keypoints() -> None:
    joined = {index for bone in BONES for index in bone}
    assert joined == set(range(21))
    assert (0, 1) in BONES and (7, 8) in BONES and (19, 20) in BONES


def test_overlay_draws_the_skeleton_and_leaves_the_frame_alone() -> None:
    image = np.zeros((200, 200, 3), dtype=np.uint8)
    keypoints = np.column_stack([np.linspace(40, 160, 21), np.linspace(60, 180, 21)])
    hand = Hand.from_pixels(keypoints, (200, 200), handedness="right")
    canvas = draw_overlay(image, [hand], [Observation("fist", 0.9, "right")], ["fist -> key volume_down"])
    assert image.max() == 0  # drawn on a copy
    assert canvas[60, 40].any() and canvas[180, 160].any()  # first and last keypoints are marked
    assert canvas[10:40, 10:190].any()  # the fired line at the top
    assert not canvas[195, 5].any()


def test_overlay_says_why_a_visible_gesture_does_not_fire() -> None:
    from gestured.runtime.debounce import Blocked

    image = np.zeros((240, 320, 3), dtype=np.uint8)
    keypoints = np.column_stack([np.linspace(40, 120, 21), np.linspace(100, 180, 21)])
    hand = Hand.from_pixels(keypoints, (320, 240), handedness="right")
    observation = Observation("fist", 0.9, "right")
    plain = draw_overlay(image, [hand], [observation], [])
    why = draw_overlay(image, [hand], [observation], [], [Blocked("fist", "right", "moving (2.0 > 0.7)")])
    # The reason is written just under the label, at the hand's top-left corner.
    assert (why[100:115, 40:200] != plain[100:115, 40:200]).any()
    unrelated = draw_overlay(image, [hand], [observation], [], [Blocked("ok", "right", "moving")])
    assert (unrelated == plain).all()


def test_display_size_fills_the_box_with_the_frames_aspect() -> None:
    assert display_size(640, 360) == (960, 540)  # a 720p video, fitted into the camera mode
    assert display_size(640, 480) == (960, 720)
    assert display_size(1920, 1080) == (960, 540)


def test_dry_run_banner_is_drawn() -> None:
    image = np.zeros((200, 400, 3), dtype=np.uint8)
    assert draw_overlay(image, [], [], [], banner=DRY_RUN_BANNER)[170:200].any()
    assert not draw_overlay(image, [], [], [])[170:200].any()
