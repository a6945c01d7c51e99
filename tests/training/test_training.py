"""gestured.training: splits, kinivi conversion, augmentation, procedural hands, the recipe.

The recipe test builds a miniature ../shared/data tree of generated images and runs the
whole pipeline with a backend that reads a procedural hand out of each image's pixels,
so it needs neither MediaPipe nor the real data (tests/integration has those).
"""

from __future__ import annotations

import csv
from pathlib import Path

import cv2
import numpy as np
import pytest

from gestured.recognition.features import batch_features
from gestured.recognition.hand import Hand
from gestured.training import augment, extract, kinivi, procedural, real
from gestured.training.recipe import Recipe, build_model
from gestured.training.samples import Samples, balance, cap_per_source, with_mirrors


def write_image(path: Path, seed: int, size: int = 48) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    cv2.imwrite(str(path), pixels)


def angle_of(vector: np.ndarray) -> float:
    """Degrees from up, positive toward the image's right edge (y grows downward)."""
    return float(np.degrees(np.arctan2(vector[0], -vector[1])))


# ---- augmentation -----------------------------------------------------------------

def test_rotate_counter_clockwise_on_screen() -> None:
    hand = procedural.generate_shape("point_up", np.random.default_rng(0))
    up = angle_of(hand[8] - hand[5])
    turned = augment.rotate(hand[None], 90.0)[0]
    assert angle_of(turned[8] - turned[5]) == pytest.approx(up - 90.0, abs=1e-3)
    np.testing.assert_allclose(turned[0], hand[0], atol=1e-4)


def test_turned_pointers_follow_the_convention() -> None:
    """point_right: fingertip toward the image's LEFT edge (the user's own right)."""
    hands = np.stack([procedural.generate_shape("point_up", np.random.default_rng(seed)) for seed in range(6)])
    turned, labels = augment.turn_pointers(hands, np.random.default_rng(1))
    for hand, label in zip(turned, labels):
        angle = angle_of(hand[8] - hand[5])
        assert (angle < -45) if label == "point_right" else (angle > 45), (label, angle)
    assert sorted(set(labels)) == ["point_left", "point_right"]


def test_mirror_swaps_sides_and_labels() -> None:
    hand = procedural.generate_shape("point_left", np.random.default_rng(2))
    mirrored = augment.mirror(hand[None])[0]
    assert angle_of(mirrored[8] - mirrored[5]) == pytest.approx(-angle_of(hand[8] - hand[5]), abs=1e-3)
    np.testing.assert_allclose(augment.mirror(mirrored[None])[0], hand, atol=1e-4)
    assert augment.mirror_labels(np.array(["point_left", "point_right", "fist"])).tolist() == [
        "point_right", "point_left", "fist"]


def with_missing(hand: np.ndarray, *indices: int) -> np.ndarray:
    """A copy of one (21, 2) hand with the given keypoints missing (NaN), as OpenPose gives."""
    gaps = hand.astype(np.float32).copy()
    gaps[list(indices)] = np.nan
    return gaps


def test_a_missing_keypoint_does_not_wipe_out_the_mirror_of_the_others() -> None:
    hand = procedural.generate_shape("thumbs_up", np.random.default_rng(3))
    flipped = augment.mirror(with_missing(hand, 9)[None])[0]
    visible = np.delete(hand.astype(np.float32), 9, axis=0)
    assert np.isnan(flipped[9]).all() and np.isfinite(np.delete(flipped, 9, axis=0)).all()
    np.testing.assert_allclose(np.delete(flipped, 9, axis=0)[:, 0], 2 * visible[:, 0].mean() - visible[:, 0], rtol=1e-6)
    np.testing.assert_array_equal(flipped[:, 1], with_missing(hand, 9)[:, 1])
    assert np.isnan(augment.mirror(np.full((1, 21, 2), np.nan))).all()


def test_hands_without_missing_keypoints_augment_as_before_missing_ones_were_handled() -> None:
    """Bit for bit: the default recipe's training set, and so its model, must not move."""
    hands = np.stack([procedural.generate_shape("fist", np.random.default_rng(seed)) for seed in range(8)])
    points = hands.astype(np.float32)
    flipped = points.copy()
    flipped[..., 0] = 2.0 * flipped[..., 0].mean(axis=-1, keepdims=True) - flipped[..., 0]
    centred = hands - hands.mean(axis=1, keepdims=True)
    mixed = np.concatenate([hands, with_missing(hands[0], 0, 5)[None]])
    assert augment.mirror(mixed)[:8].tobytes() == flipped.tobytes()
    assert augment.spread(mixed)[:8].tobytes() == np.sqrt((centred**2).sum(axis=2).mean(axis=1)).tobytes()
    assert augment.rotate(mixed, 30.0)[:8].tobytes() == augment.rotate(hands, 30.0).tobytes()
    np.testing.assert_allclose(augment.rotate(hands, 30.0)[:, 0], points[:, 0])  # about the wrist


def test_a_missing_wrist_turns_and_perturbs_the_hand_about_its_visible_keypoints() -> None:
    hand = procedural.generate_shape("point_up", np.random.default_rng(4))
    turned = augment.rotate(with_missing(hand, 0)[None], 90.0)[0]
    whole = augment.rotate(hand[None], 90.0)[0]
    assert np.isnan(turned[0]).all() and np.isfinite(turned[1:]).all()
    # only the pivot moved, so the shape is the same: equal about the visible centroid
    np.testing.assert_allclose(turned[1:] - turned[1:].mean(axis=0), whole[1:] - whole[1:].mean(axis=0), atol=1e-3)
    perturbed = augment.perturb(with_missing(hand, 0, 12)[None], np.random.default_rng(0))[0]
    assert np.isnan(perturbed[[0, 12]]).all() and np.isfinite(np.delete(perturbed, [0, 12], axis=0)).all()
    visible = np.delete(hand, [0, 12], axis=0)[None]
    assert augment.spread(with_missing(hand, 0, 12)[None])[0] == pytest.approx(augment.spread(visible)[0], rel=1e-5)


def test_perturb_is_small() -> None:
    hands = np.stack([procedural.generate_shape("open_palm", np.random.default_rng(seed)) for seed in range(20)])
    perturbed = augment.perturb(hands, np.random.default_rng(0))
    change = np.abs(batch_features(perturbed) - batch_features(hands))[:, :42].max(axis=1)
    assert (change > 0).all() and (change < 1.0).all()


# ---- procedural hands -------------------------------------------------------------

@pytest.mark.parametrize("shape", sorted(procedural.ORIENTATIONS))
def test_procedural_orientation_rules(shape: str) -> None:
    rule = procedural.ORIENTATIONS[shape]
    rng = np.random.default_rng(3)
    for _ in range(10):
        hand = procedural.generate_shape(shape, rng)
        assert hand.shape == (21, 2) and np.isfinite(hand).all()
        if rule is not None:
            (start, end), (low, high) = rule
            angle = angle_of(hand[end] - hand[start])
            assert low - 1e-3 <= angle <= high + 1e-3 or low - 1e-3 <= angle + 360 <= high + 1e-3


def test_procedural_is_deterministic() -> None:
    counts = {"none": 5, "ok": 3, "point_down": 2}
    first, second = procedural.generate(counts, seed=7), procedural.generate(counts, seed=7)
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1].tolist() == ["none"] * 5 + ["ok"] * 3 + ["none"] * 2


# ---- kinivi -------------------------------------------------------------------------

def kinivi_row(class_id: int, keypoints: np.ndarray) -> list[str]:
    """What kinivi's app wrote: mirrored frame, wrist subtracted, max-abs normalised."""
    mirrored = keypoints.copy()
    mirrored[:, 0] = 640.0 - mirrored[:, 0]
    relative = mirrored - mirrored[0]
    relative /= np.abs(relative).max()
    return [str(class_id)] + [f"{value:.6f}" for value in relative.ravel()]


def test_kinivi_unmirrored_and_labelled_by_direction(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    hands = {name: procedural.generate_shape(name, rng) + 150.0 for name in
             ("point_right", "point_left", "point_up", "point_down", "fist", "open_palm", "palm_down", "ok")}
    class_ids = {"point_right": 2, "point_left": 2, "point_up": 2, "point_down": 2, "fist": 1,
                 "open_palm": 0, "palm_down": 0, "ok": 3}
    path = tmp_path / "keypoint.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(kinivi_row(class_ids[name], hand) for name, hand in hands.items())
    keypoints, labels, rows = kinivi.load_kinivi(path)
    expected = {"point_right": "point_right", "point_left": "point_left", "point_up": "point_up",
                "fist": "fist", "open_palm": "open_palm", "palm_down": "none", "ok": "ok"}
    names = list(hands)
    assert dict(zip((names[row] for row in rows), labels.tolist())) == expected
    original = np.stack([hands[names[row]] for row in rows])
    np.testing.assert_allclose(batch_features(keypoints), batch_features(original), atol=1e-3)


def test_kinivi_thumb_laid_along_the_index_is_not_a_point() -> None:
    hand = procedural.generate_shape("point_right", np.random.default_rng(5))
    assert kinivi.pointer_label(hand) == "point_right"
    along = hand.copy()
    direction = (hand[8] - hand[5]) / np.linalg.norm(hand[8] - hand[5])
    along[4] = hand[5] + direction * 0.6 * np.linalg.norm(hand[9] - hand[0])
    assert kinivi.pointer_label(along) == "none"


def test_kinivi_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "keypoint.csv"
    path.write_text("2,0.1,0.2\n")
    with pytest.raises(ValueError, match="keypoint.csv:1: expected 43 columns"):
        kinivi.read_keypoint_csv(path)


# ---- real photos: dedupe and splits ---------------------------------------------------

def test_distinct_frames_drops_identical_and_near_identical(tmp_path: Path) -> None:
    base = np.random.default_rng(0).integers(0, 200, (64, 64, 3), dtype=np.uint8)
    other = np.random.default_rng(1).integers(0, 200, (64, 64, 3), dtype=np.uint8)
    paths = [tmp_path / f"{number}.png" for number in range(1, 5)]
    cv2.imwrite(str(paths[0]), base)
    paths[1].write_bytes(paths[0].read_bytes())  # byte-identical
    cv2.imwrite(str(paths[2]), np.clip(base.astype(int) + 1, 0, 255).astype(np.uint8))  # near
    cv2.imwrite(str(paths[3]), other)
    assert real.distinct_frames(paths) == [paths[0], paths[3]]


def test_seed_thumbs_split_by_time(tmp_path: Path) -> None:
    for label in ("thumbs_up", "thumbs_down"):
        for number in range(90, 110):  # 90..109: numeric, not string, order matters
            write_image(tmp_path / "seed-thumbs" / label / f"{number}.jpg", seed=number + len(label))
    images = real.seed_thumbs_images(tmp_path)
    for label in ("thumbs_up", "thumbs_down"):
        train = [int(image.path.stem) for image in images if image.label == label and image.split == "train"]
        test = [int(image.path.stem) for image in images if image.label == label and image.split == "test"]
        assert len(train) == 14 and len(test) == 6
        assert max(train) < min(test)


def test_digit_students_and_contiguous_holdout(tmp_path: Path) -> None:
    number = 1000
    for student in range(10):
        for digit in range(10):
            if (student, digit) == (3, 4):  # a student who skipped a digit
                number += 1
                continue
            write_image(tmp_path / "extra" / "sign-language-digits" / str(digit) / f"IMG_{number}.JPG", number)
            number += 1
    images = real.sign_digit_images(tmp_path)
    assert len({image.group for image in images}) == 10
    test_numbers = sorted(int(image.path.stem[4:]) for image in images if image.split == "test")
    train_numbers = sorted(int(image.path.stem[4:]) for image in images if image.split == "train")
    assert len(test_numbers) == 20 and max(train_numbers) < min(test_numbers)
    labels = {int(image.path.parent.name): image.label for image in images}
    assert labels[1] == "point_up" and labels[5] == "open_palm" and labels[9] == "ok" and labels[2] == "none"


def test_hagrid_mapping_and_slice(tmp_path: Path) -> None:
    for folder in ("like", "stop_inverted", "peace"):
        for index in range(8):
            write_image(tmp_path / "extra" / "hagrid-train" / folder / f"{index:02x}aa.jpg", index)
    images = real.hagrid_images(tmp_path)
    assert {image.path.parent.name: image.label for image in images} == {
        "like": "thumbs_up", "stop_inverted": "open_palm", "peace": "none"}
    test = sorted(image.path.name for image in images if image.path.parent.name == "like" and image.split == "test")
    assert test == ["06aa.jpg", "07aa.jpg"]


# ---- samples ------------------------------------------------------------------------

def test_balance_and_caps() -> None:
    rng = np.random.default_rng(0)
    keypoints = np.stack([procedural.generate_shape("fist", rng) for _ in range(30)])
    labels = ["fist"] * 25 + ["point_right"] * 5
    samples = Samples(keypoints, np.array(labels), np.array(["a"] * 20 + ["b"] * 10))
    assert len(cap_per_source(samples, 8, rng)) == 8 + 5 + 5
    mirrored = with_mirrors(samples)
    assert (mirrored.labels == "point_left").sum() == 5
    balanced = balance(mirrored, 12, rng)
    assert {label: int((balanced.labels == label).sum()) for label in set(balanced.labels)} == {
        "fist": 12, "point_left": 12, "point_right": 12}


# ---- cache and recipe -----------------------------------------------------------------

SHAPE_BY_LABEL = {"thumbs_up": "thumbs_up", "thumbs_down": "thumbs_down", "point_up": "point_up",
                  "ok": "ok", "fist": "fist", "open_palm": "open_palm", "none": "none"}


class PixelHandBackend:
    """A procedural hand of the shape written in the image's top-left pixel."""

    name = "pixel"
    shapes = sorted(SHAPE_BY_LABEL.values())

    def __init__(self) -> None:
        self.calls = 0

    def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Hand]:
        self.calls += 1
        shape_index, seed = int(frame_bgr[0, 0, 0]) // 20, int(frame_bgr[0, 0, 1])
        if shape_index >= len(self.shapes):
            return []
        keypoints = procedural.generate_shape(self.shapes[shape_index], np.random.default_rng(seed))
        return [Hand.from_pixels(keypoints, (frame_bgr.shape[1], frame_bgr.shape[0]))]

    def close(self) -> None:
        pass


def write_labelled(path: Path, label: str, seed: int) -> None:
    pixels = np.random.default_rng(seed).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    pixels[:4, :4] = (PixelHandBackend.shapes.index(SHAPE_BY_LABEL[label]) * 20 + 5, seed % 251, 0)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), pixels)


def make_shared_tree(root: Path) -> Path:
    for label in ("thumbs_up", "thumbs_down"):
        for number in range(12):
            write_labelled(root / "seed-thumbs" / label / f"{number}.png", label, number + 100 * len(label))
    for folder, label in (("like", "thumbs_up"), ("one", "point_up"), ("fist", "fist"), ("palm", "open_palm"),
                          ("ok", "ok"), ("peace", "none")):
        for index in range(8):
            write_labelled(root / "extra" / "hagrid-train" / folder / f"{index:02x}.png", label, index + 7 * len(folder))
    number = 1000
    for student in range(5):
        for digit in range(10):
            label = real.DIGIT_LABELS.get(str(digit), "none")
            write_labelled(root / "extra" / "sign-language-digits" / str(digit) / f"IMG_{number}.png",
                           label, number % 251)
            number += 1
    rng = np.random.default_rng(9)
    rows = [kinivi_row(class_id, procedural.generate_shape(shape, rng) + 150.0)
            for class_id, shape in [(0, "open_palm"), (1, "fist"), (2, "point_up"), (3, "ok")] * 5]
    keypoint_csv = root / "extra" / "keypoints" / "keypoint.csv"
    keypoint_csv.parent.mkdir(parents=True)
    with keypoint_csv.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return root


SMALL_RECIPE = Recipe(per_source_cap=50, per_label=60, hidden_layers=(16, 8), members=2, rotated_none=10,
                      procedural_per_shape={"none": 30, "point_down": 5, "ok": 5}, degenerate_none=3,
                      activity_none=False)  # tests/training/test_activity.py records clips


def test_recipe_is_deterministic_and_uses_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shared = make_shared_tree(tmp_path / "shared")
    backends: list[PixelHandBackend] = []

    def factory() -> PixelHandBackend:
        backends.append(PixelHandBackend())
        return backends[-1]

    first, summary = build_model(shared, tmp_path / "one" / "gestures", SMALL_RECIPE, factory)
    assert backends and backends[0].calls > 0
    second, _ = build_model(shared, tmp_path / "two" / "gestures", SMALL_RECIPE, factory)
    assert len(backends) == 1, "the second build must read every image from the cache"
    for one, two in zip(first.weights + first.biases, second.weights + second.biases):
        np.testing.assert_array_equal(one, two)
    assert (tmp_path / "one" / "gestures.npz").is_file() and (tmp_path / "one" / "gestures.json").is_file()

    sources = summary["samples_by_source"]
    kinivi_counts = sources["kinivi"]
    assert (kinivi_counts["fist"], kinivi_counts["ok"], kinivi_counts["open_palm"]) == (5, 5, 5)
    # A generated pointer may show its folded thumb past the index knuckle: then `none`.
    assert kinivi_counts["point_up"] + kinivi_counts.get("none", 0) == 5
    assert sources["procedural"] == {"none": 35, "ok": 5}
    assert set(sources["kinivi:turned"]) == {"point_left", "point_right"}
    assert summary["held_out"]["seed_thumbs"]["images"] == 8  # 12 frames per class, 30% test
    assert summary["held_out"]["other_people"]["detection_rate"] == 1.0
    assert first.metadata["samples_by_source"] == sources


def test_held_out_photos_never_trained_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    shared = make_shared_tree(tmp_path / "shared")
    _, summary = build_model(shared, None, SMALL_RECIPE, PixelHandBackend)
    test_images = [image for image in real.all_images(shared) if image.split == "test"]
    train_counts = {source: sum(counts.values()) for source, counts in summary["samples_by_source"].items()}
    all_counts = {"seed-thumbs": 24, "hagrid": 48, "sign-digits": 50}
    for source, total in all_counts.items():
        held = sum(image.source == source for image in test_images)
        assert held > 0 and train_counts[source] == total - held


def test_cache_round_trip(tmp_path: Path) -> None:
    cache = extract.KeypointCache(tmp_path, "config")
    detection = extract.Detection(
        keypoints=np.arange(84, dtype=np.float32).reshape(2, 21, 2),
        scores=np.array([0.9, 0.4], dtype=np.float32), handedness=("left", "right"), frame_size=(640, 480))
    cache.put("ab" * 32, detection)
    loaded = cache.get("ab" * 32)
    assert loaded is not None and cache.get("cd" * 32) is None
    np.testing.assert_array_equal(loaded.keypoints, detection.keypoints)
    assert loaded.handedness == ("left", "right") and loaded.frame_size == (640, 480)
    assert [hand.handedness for hand in loaded.hands()] == ["left", "right"]


def test_ensemble_is_the_mean_of_its_members() -> None:
    from gestured.training.ensemble import fit_member, merge_members

    rng = np.random.default_rng(0)
    features = rng.normal(size=(300, 6))
    labels = np.array(["a", "b", "c"])[(features[:, 0] > 0).astype(int) + (features[:, 1] > 1).astype(int)]
    members = [fit_member(features, labels, (8, 5), 1e-4, 50, seed) for seed in (1, 2, 3)]
    weights, biases = merge_members(members)
    values = features
    for index, (layer, bias) in enumerate(zip(weights, biases)):
        values = values @ layer + bias
        if index < len(weights) - 1:
            values = np.maximum(values, 0.0)
    expected = np.mean([np.log(member.predict_proba(features)) for member in members], axis=0)
    # Mean log-probabilities and mean logits differ by a per-row constant only.
    np.testing.assert_allclose(values - values.mean(axis=1, keepdims=True),
                               expected - expected.mean(axis=1, keepdims=True), atol=1e-6)
