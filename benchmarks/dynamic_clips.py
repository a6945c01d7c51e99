"""Build held swipe and circle clips from real photos, for measuring dynamic-gesture recall.

Swipes: the open hand of `right-frontal.jpg` (cut from its studio background) is pasted
onto a real background frame taken from one of the shared clips, rests, swipes across
with motion blur and an eased speed, and rests again. Circles: a HaGRID `one` photo
(a real person pointing) is seen through a window that moves in a circle, so the
fingertip draws a circle in the frame. Every clip then goes through real MediaPipe in
the daemon like any video file.

    python benchmarks/dynamic_clips.py OUT_DIR [--shared ../shared]

writes OUT_DIR/*.mp4 and OUT_DIR/clips.tsv, labels for `gestured eval --videos`: one `held`
span per clip, the gesture as the user sees it on an unmirrored camera, from the movement's
start to 0.6 s after its end (`movement_end_s` gives the end). Measurement only: the clips
are built from data whose licence is not stated, so they are never shipped.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import cv2
import numpy as np

FPS = 30.0
SIZE = (640, 480)
REST = 0.7  # seconds still before and after the movement
SPAN_AFTER = 0.6  # seconds after the movement's end that still count as its held span


def cut_hand(photo: Path, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The hand of a studio photo on white, scaled to `height`: (BGR patch, alpha 0..1)."""
    image = cv2.imread(str(photo))
    scale = height / image.shape[0]
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    saturation = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)[:, :, 1]
    mask = ((grey < 225) | (saturation > 30)).astype(np.uint8) * 255
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    alpha = cv2.GaussianBlur(mask, (5, 5), 0).astype(np.float32) / 255
    return image, alpha


def background(clip: Path) -> np.ndarray:
    """The first frame of a shared clip, cropped and scaled to 640x480."""
    capture = cv2.VideoCapture(str(clip))
    ok, frame = capture.read()
    capture.release()
    if not ok:
        raise SystemExit(f"cannot read {clip}")
    height, width = frame.shape[:2]
    target = SIZE[0] / SIZE[1]
    if width / height > target:
        keep = int(height * target)
        frame = frame[:, (width - keep) // 2:(width - keep) // 2 + keep]
    else:
        keep = int(width / target)
        frame = frame[(height - keep) // 2:(height - keep) // 2 + keep]
    return cv2.resize(frame, SIZE, interpolation=cv2.INTER_AREA)


def paste(scene: np.ndarray, patch: np.ndarray, alpha: np.ndarray, center: tuple[float, float],
          blur: tuple[float, float]) -> np.ndarray:
    """`patch` over `scene` with its centre at `center`, blurred along the step `blur`."""
    length = int(round(math.hypot(*blur)))
    if length >= 2:
        kernel = np.zeros((length, length), np.float32)
        angle = math.atan2(blur[1], blur[0])
        middle = (length - 1) / 2
        cv2.line(kernel, (int(middle - math.cos(angle) * middle), int(middle - math.sin(angle) * middle)),
                 (int(middle + math.cos(angle) * middle), int(middle + math.sin(angle) * middle)), 1.0, 1)
        kernel /= kernel.sum()
        patch, alpha = cv2.filter2D(patch, -1, kernel), cv2.filter2D(alpha, -1, kernel)
    out = scene.astype(np.float32)
    height, width = patch.shape[:2]
    x0, y0 = int(center[0] - width / 2), int(center[1] - height / 2)
    sx0, sy0 = max(0, -x0), max(0, -y0)
    x1, y1 = min(SIZE[0], x0 + width), min(SIZE[1], y0 + height)
    if x1 <= max(x0, 0) or y1 <= max(y0, 0):
        return scene
    region = (slice(max(y0, 0), y1), slice(max(x0, 0), x1))
    piece = (slice(sy0, sy0 + y1 - max(y0, 0)), slice(sx0, sx0 + x1 - max(x0, 0)))
    weight = alpha[piece][..., None]
    out[region] = out[region] * (1 - weight) + patch[piece].astype(np.float32) * weight
    return out.astype(np.uint8)


def eased(start: np.ndarray, end: np.ndarray, seconds: float) -> list[np.ndarray]:
    steps = max(2, round(seconds * FPS))
    return [start + (end - start) * (0.5 - 0.5 * math.cos(math.pi * (i + 1) / steps)) for i in range(steps)]


def swipe_frames(scene: np.ndarray, hand: tuple[np.ndarray, np.ndarray], start: tuple[float, float],
                 end: tuple[float, float], seconds: float) -> tuple[list[np.ndarray], float, float]:
    """Frames of one swipe and the movement's (start, end) time in seconds."""
    first, last = np.array(start, float), np.array(end, float)
    rest = round(REST * FPS)
    path = [first] * rest + eased(first, last, seconds) + [last] * rest
    frames, previous = [], path[0]
    for point in path:
        frames.append(paste(scene, *hand, tuple(point), tuple(point - previous)))
        previous = point
    return frames, rest / FPS, (len(path) - rest) / FPS


def hand_center(image: np.ndarray) -> np.ndarray | None:
    """Where real MediaPipe finds the largest hand in a still photo (pixels), or None."""
    from gestured.recognition.backends import create_backend

    backend = create_backend("mediapipe", mode="image", num_hands=2, offline=True)
    try:
        hands = backend.detect(image)
    finally:
        backend.close()
    if not hands:
        return None
    hand = max(hands, key=lambda found: np.ptp(found.keypoints[:, 1]))
    return hand.keypoints.mean(axis=0)


def circle_frames(photo: Path, radius: float, seconds: float, clockwise_in_image: bool) -> tuple[list[np.ndarray], float, float]:
    """A window over `photo` circling, so the scene (and the pointing hand) circles in the frame."""
    image = cv2.imread(str(photo))
    scale = max(SIZE[0] * 1.2 / image.shape[1], SIZE[1] * 1.2 / image.shape[0])
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    found = hand_center(image)
    if found is None:
        return [], 0.0, 0.0
    pad = SIZE[0]
    image = cv2.copyMakeBorder(image, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    center = found + pad  # the hand in the middle of the frame
    rest = round(REST * FPS)
    steps = round(seconds * FPS)
    sign = 1 if clockwise_in_image else -1
    offsets = [np.zeros(2)] * rest + [
        radius * np.array([math.cos(sign * 2 * math.pi * i / steps) - 1, math.sin(sign * 2 * math.pi * i / steps)])
        for i in range(1, steps + 1)] + [np.zeros(2)] * rest
    frames = []
    for offset in offsets:
        # The window moves against the offset, so the content moves with it.
        x0, y0 = (center - np.array(SIZE) / 2 - offset).astype(int)
        frames.append(image[y0:y0 + SIZE[1], x0:x0 + SIZE[0]].copy())
    return frames, rest / FPS, (rest + steps) / FPS


def write(frames: list[np.ndarray], path: Path) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    for frame in frames:
        writer.write(frame)
    writer.release()


SWIPES = {  # user's gesture on an unmirrored camera -> image start and end of the palm
    "swipe_left": ((170, 260), (470, 260)),
    "swipe_right": ((470, 260), (170, 260)),
    "swipe_up": ((320, 380), (320, 140)),
    "swipe_down": ((320, 140), (320, 380)),
}


def build(out: Path, shared: Path) -> list[str]:
    """Write every clip into `out`; returns the clips.tsv rows."""
    data = shared / "data"
    scenes = {"room": background(data / "videos" / "clips" / "standing_shrug_wave.mp4"),
              "wall": background(data / "videos" / "clips" / "thumbsup_webcam_b.mp4")}
    rows = ["file\tkind\tgesture\tfrom_s\tto_s\tduration_s\tmovement_end_s"]
    for scene_name, scene in scenes.items():
        for height in (200, 260):
            hand = cut_hand(data / "right-frontal.jpg", height)
            for gesture, (start, end) in SWIPES.items():
                for seconds in (0.3, 0.5):
                    name = f"{gesture}_{scene_name}_{height}_{int(seconds * 1000)}ms.mp4"
                    frames, begin, finish = swipe_frames(scene, hand, start, end, seconds)
                    write(frames, out / name)
                    rows.append(_row(name, gesture, begin, finish, len(frames)))
    photos = sorted((data / "extra" / "hagrid-train" / "one").glob("*.jpg"))[:8]
    for number, photo in enumerate(photos):
        clockwise_in_image = number % 2 == 0
        # Unmirrored camera: what the image shows clockwise, the user drew counter-clockwise.
        gesture = "circle_ccw" if clockwise_in_image else "circle_cw"
        frames, begin, finish = circle_frames(photo, 45.0, 1.0, clockwise_in_image)
        if not frames:
            continue
        name = f"{gesture}_{photo.stem[:8]}.mp4"
        write(frames, out / name)
        rows.append(_row(name, gesture, begin, finish, len(frames)))
    return rows


def _row(name: str, gesture: str, begin: float, finish: float, frames: int) -> str:
    return f"{name}\theld\t{gesture}\t{begin:.3f}\t{finish + SPAN_AFTER:.3f}\t{frames / FPS:.3f}\t{finish:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rows = build(args.out, args.shared)
    (args.out / "clips.tsv").write_text("\n".join(rows) + "\n")
    print(f"wrote {len(rows) - 1} clips to {args.out}")


if __name__ == "__main__":
    main()
