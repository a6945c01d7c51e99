"""gestured.capture.motion: motion score on synthetic frames, idle scheduling on a scripted clock."""

from __future__ import annotations

import numpy as np
import pytest

from gestured.capture.frames import Frame
from gestured.capture.motion import Decision, IdleScheduler, MotionDetector, MotionGate

FPS = 30.0
HEIGHT, WIDTH = 240, 320  # a quarter VGA keeps the tests fast; the thumbnail is 64 wide either way


def scene(seed: int = 1) -> np.ndarray:
    """A still 'room': a gradient with a few flat objects, BGR uint8."""
    rng = np.random.default_rng(seed)
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH]
    image = np.dstack([(xs * 0.2 + 40), (ys * 0.25 + 60), (xs * 0.1 + ys * 0.1 + 50)]).astype(np.float32)
    for _ in range(6):
        x, y = rng.integers(0, WIDTH - 60), rng.integers(0, HEIGHT - 60)
        image[y : y + 50, x : x + 55] = rng.integers(0, 255, 3)
    return image


def noisy(base: np.ndarray, rng: np.random.Generator, sigma: float = 4.0) -> np.ndarray:
    """The scene as a camera sees it: sensor noise on every pixel, every frame."""
    noise = rng.standard_normal(base.shape, dtype=np.float32) * sigma
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def with_block(frame: np.ndarray, x: int, y: int = 90, size: int = 45) -> np.ndarray:
    """A skin-coloured block (a hand-sized object) at (x, y)."""
    frame = frame.copy()
    frame[y : y + size, x : x + size] = (120, 160, 220)
    return frame


def test_first_frame_and_size_change_count_as_motion() -> None:
    detector = MotionDetector()
    frame = noisy(scene(), np.random.default_rng(0))
    assert detector.update(frame) == 1.0
    assert detector.update(frame) == 0.0
    assert detector.update(frame[:, : WIDTH // 2]) == 1.0  # another aspect ratio
    detector.reset()
    assert detector.update(frame[:, : WIDTH // 2]) == 1.0


def test_thumbnail_keeps_aspect_and_is_grey() -> None:
    detector = MotionDetector(thumbnail_width=64)
    thumbnail = detector.thumbnail(np.zeros((360, 640, 3), np.uint8))  # what a 16:9 camera gives
    assert thumbnail.shape == (36, 64)
    assert thumbnail.dtype == np.uint8


def test_thumbnail_follows_brightness_of_colour_and_grey_frames() -> None:
    detector = MotionDetector(thumbnail_width=32)
    colour = np.zeros((240, 320, 3), np.uint8)
    colour[:, :160] = (10, 200, 30)  # the left half bright in green, the channel used for grey
    thumbnail = detector.thumbnail(colour)
    assert thumbnail.shape == (24, 32)
    assert thumbnail[:, :15].min() > 150 and thumbnail[:, 17:].max() < 20
    grey = colour[:, :, 1].copy()
    assert np.array_equal(detector.thumbnail(grey), thumbnail)


def test_static_noise_scores_below_threshold_and_moving_block_above() -> None:
    rng = np.random.default_rng(2)
    base = scene()
    detector = MotionDetector()
    detector.update(noisy(base, rng))
    static_scores = [detector.update(noisy(base, rng, sigma=6.0)) for _ in range(60)]
    gate = MotionGate()
    assert max(static_scores) < gate.motion_threshold
    moving_scores = [detector.update(with_block(noisy(base, rng), x)) for x in range(50, 200, 15)]
    assert min(moving_scores) > gate.motion_threshold


def test_scheduler_starts_idle_and_checks_at_idle_rate() -> None:
    scheduler = IdleScheduler(idle_after=2.0, idle_fps=10.0)
    decisions = []
    for index in range(30):  # one second at 30 fps, nothing moves
        now = index / FPS
        decision = scheduler.decide(now)
        decisions.append(decision)
        if decision is Decision.CHECK_MOTION:
            assert scheduler.motion(now, moved=False) is False
    assert Decision.RUN not in decisions
    assert decisions.count(Decision.CHECK_MOTION) == 10
    assert decisions[:4] == [Decision.CHECK_MOTION, Decision.SKIP, Decision.SKIP, Decision.CHECK_MOTION]


def test_scheduler_wakes_on_the_checked_frame_and_stays_while_a_hand_is_seen() -> None:
    scheduler = IdleScheduler(idle_after=2.0, idle_fps=10.0)
    assert scheduler.decide(0.0) is Decision.CHECK_MOTION
    assert scheduler.motion(0.0, moved=True) is True  # run the backend on this very frame
    for index in range(1, 300):  # ten seconds with a hand in view
        now = index / FPS
        assert scheduler.decide(now) is Decision.RUN
        scheduler.hand(now, seen=True)
    assert not scheduler.idle


def test_scheduler_returns_to_idle_after_the_timeout() -> None:
    scheduler = IdleScheduler(idle_after=2.0, idle_fps=10.0)
    scheduler.decide(0.0)
    scheduler.motion(0.0, moved=True)
    scheduler.hand(0.0, seen=True)
    last_run = None
    for index in range(1, 150):  # the hand has gone: no more hands, no motion
        now = index / FPS
        decision = scheduler.decide(now)
        if decision is Decision.RUN:
            last_run = now
            scheduler.hand(now, seen=False)
        elif decision is Decision.CHECK_MOTION:
            scheduler.motion(now, moved=False)
    assert last_run == pytest.approx(2.0 - 1 / FPS)
    assert scheduler.idle


def test_scheduler_restarts_when_time_goes_back() -> None:
    scheduler = IdleScheduler(idle_after=2.0, idle_fps=10.0)
    scheduler.decide(5.0)
    scheduler.motion(5.0, moved=False)
    assert scheduler.decide(5.01) is Decision.SKIP
    assert scheduler.decide(0.0) is Decision.CHECK_MOTION


def test_scheduler_slows_down_after_a_long_idle_spell_and_restores_on_motion() -> None:
    """The deep idle on a scripted clock: fewer checks and a lower camera rate after
    `deep_after` s without motion; the check that sees motion restores both."""
    scheduler = IdleScheduler(idle_after=2.0, idle_fps=10.0, deep_after=5.0, deep_fps=2.0, deep_camera_fps=10.0)
    scheduler.decide(0.0)
    scheduler.motion(0.0, moved=True)  # a fresh start looks once and runs for idle_after
    checks, rates = [], {}
    for index in range(1, 30 * 12):  # twelve seconds at 30 fps in which nothing moves
        now = index / FPS
        decision = scheduler.decide(now)
        rates[round(now, 3)] = scheduler.camera_fps
        if decision is Decision.RUN:
            scheduler.hand(now, seen=False)
        elif decision is Decision.CHECK_MOTION:
            scheduler.motion(now, moved=False)
            checks.append(now)
    shallow = [now for now in checks if now < 7.0]  # idle from 2 s, deep from 2 + 5 s
    deep = [now for now in checks if now >= 7.0]
    assert len(shallow) == pytest.approx(50, abs=1) and min(shallow) == pytest.approx(2.0)
    assert len(deep) == pytest.approx(10, abs=1)  # 2 checks a second for 5 s
    assert all(b - a == pytest.approx(0.5, abs=0.04) for a, b in zip(deep[1:], deep[2:]))
    assert rates[6.9] is None and rates[7.0] == 10.0 and rates[11.9] == 10.0
    assert scheduler.deep
    now = 12.0  # motion at the next check: the same check runs the backend, full rate again
    while scheduler.decide(now) is not Decision.CHECK_MOTION:
        now += 1 / FPS
    assert scheduler.motion(now, moved=True) is True
    assert scheduler.camera_fps is None and not scheduler.deep
    assert scheduler.decide(now + 1 / FPS) is Decision.RUN


@pytest.mark.parametrize("bad", [{"idle_after": -1.0}, {"idle_fps": 0.0}, {"deep_after": -1.0},
                                 {"deep_fps": 0.0}, {"deep_camera_fps": 0.0}])
def test_scheduler_rejects_bad_settings(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        IdleScheduler(**bad)


def run_gate(gate: MotionGate, frames: list[np.ndarray], hand_frames: set[int]) -> list[str]:
    """Drive the gate like the daemon loop; returns per frame 'skip', 'look' or 'run'."""
    outcome = []
    for index, frame in enumerate(frames):
        now = index / FPS
        if not gate.wants_frame(now):
            outcome.append("skip")
            continue
        if gate.should_run(Frame(frame, now, index), now):
            gate.report(now, hand_seen=index in hand_frames)
            outcome.append("run")
        else:
            outcome.append("look")
    return outcome


def test_gate_static_noise_stays_idle_after_the_first_look() -> None:
    rng = np.random.default_rng(3)
    base = scene()
    frames = [noisy(base, rng) for _ in range(150)]  # five seconds
    outcome = run_gate(MotionGate(), frames, hand_frames=set())
    runs = [index for index, what in enumerate(outcome) if what == "run"]
    # The first frame has nothing to compare with: it runs, then idle_after (2 s) of backend.
    assert runs == list(range(60))
    assert outcome[60:].count("look") == pytest.approx(15, abs=1)  # 5 checks a second
    assert outcome[60:].count("skip") == 90 - outcome[60:].count("look")


@pytest.mark.parametrize("idle_fps", [FPS, 10.0])
def test_gate_wakes_on_a_moving_block_within_one_checked_frame(idle_fps: float) -> None:
    rng = np.random.default_rng(4)
    base = scene()
    still = [noisy(base, rng) for _ in range(100)]
    moving = [with_block(noisy(base, rng), 50 + 12 * step) for step in range(20)]
    gate = MotionGate(scheduler=IdleScheduler(idle_after=2.0, idle_fps=idle_fps))
    outcome = run_gate(gate, still + moving, hand_frames=set(range(100, 120)))
    assert "run" not in outcome[70:100]
    first_look = next(index for index in range(100, 120) if outcome[index] != "skip")
    assert outcome[first_look] == "run"
    assert first_look - 100 < FPS / idle_fps  # the first frame looked at after motion began
    assert all(what == "run" for what in outcome[first_look:])
    if idle_fps == FPS:
        assert first_look == 100


def test_gate_goes_idle_after_the_hand_leaves_without_waking_itself() -> None:
    rng = np.random.default_rng(5)
    base = scene()
    hand = [with_block(noisy(base, rng), 100 + 2 * (step % 10)) for step in range(30)]
    empty = [noisy(base, rng) for _ in range(150)]
    outcome = run_gate(MotionGate(), hand + empty, hand_frames=set(range(30)))
    last_run = max(index for index, what in enumerate(outcome) if what == "run")
    # The last hand was at frame 29; the backend runs until two seconds after it (frame 89
    # sits on the boundary, where float rounding decides).
    assert last_run in (88, 89)
    assert "run" not in outcome[last_run + 1 :]


def test_peek_matches_decide_and_records_nothing() -> None:
    scheduler = IdleScheduler(idle_after=2.0, idle_fps=10.0)
    scheduler.decide(1.0)
    scheduler.motion(1.0, moved=False)
    for now in (1.05, 1.2, 0.5):  # 0.5: time went back
        assert scheduler.peek(now) is scheduler.peek(now)
    assert scheduler.peek(1.05) is Decision.SKIP
    assert scheduler.peek(0.5) is Decision.CHECK_MOTION  # as decide(0.5) would restart
    assert scheduler.decide(1.05) is Decision.SKIP  # the peek at 0.5 changed nothing


def test_gate_without_wants_frame_still_decides() -> None:
    """The daemon calls only should_run/report; the gate must work without wants_frame."""
    rng = np.random.default_rng(6)
    base = scene()
    gate = MotionGate(scheduler=IdleScheduler(idle_after=0.5, idle_fps=10.0))
    ran = [gate.should_run(Frame(noisy(base, rng), index / FPS, index), index / FPS) for index in range(60)]
    assert ran[:15] == [True] * 15  # first look wakes it for idle_after
    assert not any(ran[15:])
    assert gate.decision is not None
