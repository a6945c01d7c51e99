"""The trajectory stage: each hand's recent palm and fingertip path becomes swipes and circles.

Pure: hands and times come in as arguments (media time for files, seconds since start
for cameras), so scripted paths and a fake clock drive it in tests.

Per hand (a track, continued from frame to frame by the nearest palm), each frame adds
a `Sample`. The palm's speed, in hand sizes per second, says whether the hand rests.
A swipe is a movement that starts from rest (at least `REST_TIME` still) and ends when
the hand stops, turns away, or leaves the view; `gestured.recognition.swipes` judges
it. A hand that leaves before the movement is long enough gives nothing; one that
never rests (waving, signing) never starts a swipe, and a stroke back the way the hand
came after only a short rest (`SETTLED_REST`) is the other half of a wave, not a swipe.
A circle is the index fingertip of a pointing hand winding once about its centre
(`gestured.recognition.circles`). After
any dynamic gesture fires, nothing fires for `COOLDOWN` seconds and the hand must rest
again, so the hand coming back does not swipe the other way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from gestured.recognition.hand import Hand
from gestured.recognition.circles import circle_direction, path_turn
from gestured.recognition.handshape import fingertip, hand_pose, hand_size, palm_center
from gestured.recognition.swipes import STILL_SPEED, Sample, measure, swipe_gesture
from gestured.config.settings import CIRCLE_GESTURES, SWIPE_GESTURES, Motion

REST_TIME = 0.1  # seconds of rest before a movement can be a swipe
SETTLED_REST = 0.3  # seconds of rest after which the way the hand came no longer matters
APPROACH_TIME = 0.5  # seconds before a short rest looked at for the way the hand came
MAX_COMEBACK = 1.0  # hand sizes the hand may have come from the swipe's far side (a wave: more)
TURN_COSINE = 0.5  # a step more than 60 degrees off the movement's heading ends it
COOLDOWN = 1.0  # seconds after a dynamic gesture before the next one
MIN_HAND_FRACTION = 0.05  # hand size / frame height: smaller hands (far away) are ignored
MATCH_DISTANCE = 3.0  # hand sizes: the nearest track within this continues with the hand
LOST_GRACE = 0.25  # seconds a track survives unseen: a fast hand blurs out for a frame or two
MISSING_SPEED = 20.0  # hand sizes per second a hand may have travelled while unseen
MIN_CIRCLE_SAMPLES = 6
CIRCLE_WINDOWS = (0.4, 0.6, 0.8, 1.0, 1.3, 1.6, 2.0)  # seconds of fingertip path tried for a circle
HISTORY = 3.0  # seconds of samples kept per track


@dataclass(frozen=True)
class Stroke:
    """A dynamic gesture seen: the user's `gesture`, the `hand`, the `time` it completed,
    how long it took and how far it went (hand sizes; a circle's diameter)."""

    gesture: str
    hand: str
    time: float
    duration: float
    distance: float


@dataclass(eq=False)
class _Track:
    handedness: str
    samples: list[Sample] = field(default_factory=list)
    rest_since: float | None = None  # start of the current run at rest
    moving_since: float | None = None  # start of the movement being watched
    rested_from: float | None = None  # start of the rest the watched movement left
    pointing_since: float | None = None  # start of the current run of pointing frames


class TrajectoryTracker:
    """Turns hands frame by frame into `Stroke`s of the gestures in `motions`."""

    def __init__(self, motions: Mapping[str, Motion], mirrored: bool = False) -> None:
        self.motions = dict(motions)
        self.mirrored = mirrored
        self._tracks: list[_Track] = []
        self._quiet_until = -math.inf

    @property
    def active(self) -> bool:
        """False when no dynamic gesture is asked for (the stage then costs nothing)."""
        return bool(self.motions)

    def set_motions(self, motions: Mapping[str, Motion]) -> None:
        """Look for these gestures from now on (after a reload or a change of application)."""
        self.motions = dict(motions)

    def reset(self) -> None:
        """Forget every track (after a pause)."""
        self._tracks = []

    def update(self, hands: Sequence[Hand], now: float) -> list[Stroke]:
        """Feed one frame's hands at time `now` (not decreasing); return what completed."""
        if not self.motions:
            return []
        samples = [(hand, _sample(hand, now)) for hand in hands]
        usable = [(hand, sample) for hand, sample in samples if sample is not None]
        matched, unseen = self._match(usable)
        lost = [track for track in unseen if now - track.samples[-1].time > LOST_GRACE]
        strokes = [stroke for track in lost if (stroke := self._leave(track)) is not None]
        for track, hand, sample in matched:
            track.handedness = hand.handedness
            strokes += self._step(track, sample)
        self._tracks = [track for track, _, _ in matched] + [track for track in unseen if track not in lost]
        return self._quieten(strokes, now)

    def _quieten(self, strokes: list[Stroke], now: float) -> list[Stroke]:
        if not strokes or now < self._quiet_until:
            return []
        self._quiet_until = now + COOLDOWN
        for track in self._tracks:
            track.rest_since = track.moving_since = track.pointing_since = None
        return strokes[:1]

    def _match(self, usable: list[tuple[Hand, Sample]]) -> tuple[list[tuple[_Track, Hand, Sample]], list[_Track]]:
        """Continue each track with the nearest new hand; unmatched tracks have left."""
        free = list(self._tracks)
        matched = []
        for hand, sample in usable:
            nearest = min(free, key=lambda track: _gap(track, sample), default=None)
            if nearest is not None and _gap(nearest, sample) <= _reach(nearest, sample):
                free.remove(nearest)
                matched.append((nearest, hand, sample))
            else:
                matched.append((_Track(hand.handedness), hand, sample))
        return matched, free

    def _step(self, track: _Track, sample: Sample) -> list[Stroke]:
        previous = track.samples[-1] if track.samples else None
        track.samples.append(sample)
        track.samples = [old for old in track.samples if old.time >= sample.time - HISTORY]
        strokes = self._circle(track, sample)
        if previous is not None:
            stroke = self._swipe_step(track, previous, sample)
            strokes += [stroke] if stroke is not None else []
        return strokes

    def _swipe_step(self, track: _Track, previous: Sample, sample: Sample) -> Stroke | None:
        """Advance rest -> movement -> judged movement by one sample."""
        elapsed = max(sample.time - previous.time, 1e-3)
        still = _distance(previous, sample) / elapsed < STILL_SPEED
        if track.moving_since is not None:
            turned = _turned(track, previous, sample)
            if still or turned:
                stroke = self._judge(track, sample if still else previous)
                track.moving_since, track.rest_since = None, (previous.time if still else None)
                return stroke
            if sample.time - track.moving_since > self._longest_swipe():
                track.moving_since = None  # too slow to be a swipe: rest again first
            return None
        if still:
            track.rest_since = previous.time if track.rest_since is None else track.rest_since
        elif track.rest_since is not None and previous.time - track.rest_since >= REST_TIME - 1e-6:
            track.moving_since, track.rested_from, track.rest_since = previous.time, track.rest_since, None
        else:
            track.rest_since = None
        return None

    def _leave(self, track: _Track) -> Stroke | None:
        """The hand left the view: a movement long enough by now still counts."""
        if track.moving_since is None or len(track.samples) < 2:
            return None
        return self._judge(track, track.samples[-1])

    def _judge(self, track: _Track, end: Sample) -> Stroke | None:
        samples = [s for s in track.samples if track.moving_since <= s.time <= end.time]  # type: ignore[operator]
        movement = measure(samples)
        if movement.direction is None or not movement.shape_ok or _comes_back(track, samples):
            return None
        gesture = swipe_gesture(movement.direction, self.mirrored)
        motion = self.motions.get(gesture)
        if motion is None or movement.distance < motion.distance or movement.duration > motion.duration:
            return None
        return Stroke(gesture, track.handedness, end.time, movement.duration, movement.distance)

    def _circle(self, track: _Track, sample: Sample) -> list[Stroke]:
        if sample.pose != "pointing":
            track.pointing_since = None
            return []
        if track.pointing_since is None:
            track.pointing_since = sample.time
        wanted = [gesture for gesture in CIRCLE_GESTURES if gesture in self.motions]
        if not wanted:
            return []
        longest = max(self.motions[gesture].duration for gesture in wanted)
        recent = [s for s in track.samples if s.time >= max(track.pointing_since, sample.time - longest)]
        # A handful of windows ending now, not every start: a frame must stay cheap.
        starts = sorted({next(i for i, s in enumerate(recent) if s.time >= sample.time - window - 1e-6)
                         for window in CIRCLE_WINDOWS if window <= longest} | {0})
        for first in starts:
            if len(recent) - first < MIN_CIRCLE_SAMPLES:
                continue
            stroke = self._circle_from(track, recent[first:])
            if stroke is not None:
                return [stroke]
        return []

    def _circle_from(self, track: _Track, samples: list[Sample]) -> Stroke | None:
        size = float(np.median([s.size for s in samples]))
        turn = path_turn(np.array([s.tip for s in samples], dtype=np.float64))
        image_direction = circle_direction(turn)
        if image_direction is None:
            return None
        clockwise = (image_direction == "cw") == self.mirrored
        gesture = "circle_cw" if clockwise else "circle_ccw"
        motion = self.motions.get(gesture)
        duration = samples[-1].time - samples[0].time
        if motion is None or turn.diameter < motion.distance * size or duration > motion.duration:
            return None
        return Stroke(gesture, track.handedness, samples[-1].time, duration, turn.diameter / size)

    def _longest_swipe(self) -> float:
        return max((self.motions[g].duration for g in SWIPE_GESTURES if g in self.motions), default=0.0)


def _sample(hand: Hand, now: float) -> Sample | None:
    """The hand as a Sample, or None when it is too small (far away) to judge."""
    keypoints = hand.keypoints.astype(np.float64)
    size = hand_size(keypoints)
    if size < MIN_HAND_FRACTION * hand.frame_size[1]:
        return None
    return Sample(now, palm_center(keypoints), fingertip(keypoints).copy(), size, hand_pose(keypoints))


def _distance(first: Sample, second: Sample) -> float:
    """Palm travel between two samples in hand sizes."""
    size = max((first.size + second.size) / 2, 1e-6)
    return float(np.linalg.norm(second.palm - first.palm)) / size


def _gap(track: _Track, sample: Sample) -> float:
    return _distance(track.samples[-1], sample)


def _reach(track: _Track, sample: Sample) -> float:
    """How far (hand sizes) a hand may be from a track's last palm and still continue it."""
    unseen = max(0.0, sample.time - track.samples[-1].time - 1 / 20)
    return MATCH_DISTANCE + MISSING_SPEED * unseen


def _comes_back(track: _Track, samples: Sequence[Sample]) -> bool:
    """True when the movement heads back the way the hand came just before a short rest:
    the turn of a wave, where the hand pauses a moment (0.1-0.2 s) before swinging back."""
    rested_from = track.rested_from
    if rested_from is None or samples[0].time - rested_from >= SETTLED_REST:
        return False
    before = [s for s in track.samples if rested_from - APPROACH_TIME <= s.time <= rested_from]
    if len(before) < 2:
        return False  # the hand came into view and rested: nothing to come back from
    travel = samples[-1].palm - samples[0].palm
    approach = before[-1].palm - before[0].palm
    heading = travel / max(float(np.linalg.norm(travel)), 1e-6)
    size = max(float(np.median([s.size for s in before])), 1e-6)
    return float(np.dot(approach, heading)) / size < -MAX_COMEBACK


def _turned(track: _Track, previous: Sample, sample: Sample) -> bool:
    """True when the last step heads more than 60 degrees away from the movement so far."""
    start = next(s for s in track.samples if s.time >= track.moving_since)  # type: ignore[operator]
    so_far = previous.palm - start.palm
    step = sample.palm - previous.palm
    if np.linalg.norm(so_far) < previous.size or not np.any(step):
        return False
    cosine = float(np.dot(so_far, step) / (np.linalg.norm(so_far) * np.linalg.norm(step)))
    return cosine < TURN_COSINE
