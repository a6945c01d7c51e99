"""The recipe of the shipped default model: which data, which augmentation, which seed.

`build_default_model(shared_data, out)` rebuilds models/gestures exactly: inputs are
listed in sorted order, every random choice draws from one generator seeded by the
recipe, and the keypoints of each photo come from the cache (or the same detection) so
the same files give the same weights. `gestured train --recipe default --out PATH`
calls it. See models/README.md for the figures.

Steps: real training photos -> keypoints (MediaPipe IMAGE mode, `detect_still`, the
labelled hand by `pick_hand`) + kinivi's keypoints (converted) + point_up hands turned
a quarter both ways (point_left / point_right) + real `none` hands whose shape is no
gesture at any angle, turned to random angles + procedural hands; each source capped
per label; every sample mirrored (left hands, left/right swap); each label brought to
the same count with perturbed copies; five MLPs trained on the features and averaged
into one (gestured.training.ensemble). The held-out photos (see gestured.training.real)
are measured, never trained on, not even augmented.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from gestured.config.settings import NO_GESTURE
from gestured.recognition import features as feature_module
from gestured.recognition.backends import KeypointBackend, create_backend
from gestured.recognition.classifier import LABELS, GestureClassifier
from gestured.recognition.stills import pick_hand
from gestured.training import activity, augment, extract, kinivi, procedural, real
from gestured.training.dataset import Dataset, save_dataset
from gestured.training.ensemble import train_ensemble
from gestured.training.metrics import compute_metrics
from gestured.training.samples import Samples, balance, cap_per_source, with_mirrors

logger = logging.getLogger(__name__)

RECIPE_NAME = "default"
NONE_LABEL = NO_GESTURE


@dataclass(frozen=True)
class Recipe:
    seed: int = 0
    hidden_layers: tuple[int, ...] = (64, 32)
    per_source_cap: int = 800  # real or converted samples per (source, label), before mirroring
    per_label: int = 2500  # each label after mirroring and perturbed copies
    procedural_per_shape: dict[str, int] = field(default_factory=lambda: {
        **{label: 150 for label in LABELS if label != NONE_LABEL},
        "none": 1500, "point_down": 150, "palm_down": 150, "palm_sideways": 150, "thumb_sideways": 150,
        "flat_bent": 150,
    })
    alpha: float = 1e-4  # L2 penalty of each MLP
    max_iter: int = 400
    members: int = 5  # MLPs averaged into the shipped one (gestured.training.ensemble)
    rotated_none: int = 400  # real `none` hands (shape-defined ones only) turned to any angle
    degenerate_none: int = 20  # all-zero feature vectors (unusable keypoints) labelled none
    use_kinivi: bool = True
    activity_none: bool = True  # hard negatives from activity clips (gestured.training.activity)
    image_stride: int = 1  # >1 keeps every k-th photo (fast test variants only)


DEFAULT_RECIPE = Recipe()
BackendFactory = Callable[[], KeypointBackend]


def default_backend_factory() -> KeypointBackend:
    return create_backend("mediapipe", mode="image", num_hands=extract.NUM_HANDS)


def video_backend_factory() -> KeypointBackend:
    """What `gestured record` uses on a video file."""
    return create_backend("mediapipe", mode="video", num_hands=1)


@dataclass(frozen=True)
class RealKeypoints:
    """The labelled hand of each photo (None where no hand was found)."""

    images: list[real.LabelledImage]
    hands: list[np.ndarray | None]

    def samples(self, split: str, shape_defined_none: bool = False) -> Samples:
        """The photos of one split that have a hand; with shape_defined_none, only the
        `none` photos whose shape is no gesture at any angle (real.ORIENTED_NONE left out)."""
        chosen = [(image, hand) for image, hand in zip(self.images, self.hands)
                  if image.split == split and hand is not None
                  and (not shape_defined_none or (image.label == NONE_LABEL and not real.is_oriented_none(image)))]
        return Samples(
            np.array([hand for _, hand in chosen], dtype=np.float32).reshape(-1, 21, 2),
            np.array([image.label for image, _ in chosen], dtype=str),
            np.array([image.source for image, _ in chosen], dtype=str),
        )


def real_keypoints(shared_data: Path, recipe: Recipe, backend_factory: BackendFactory) -> RealKeypoints:
    """Keypoints of every labelled photo (cached by file hash under the XDG cache dir)."""
    images = real.all_images(shared_data)[:: recipe.image_stride]
    cache = extract.KeypointCache(extract.cache_root(), extract.config_key("mediapipe"))
    detections = extract.extract_files([image.path for image in images], backend_factory, cache)
    hands = []
    for detection in detections:
        hand = pick_hand(detection.hands(), detection.frame_size)
        hands.append(None if hand is None else hand.keypoints)
    return RealKeypoints(images, hands)


def turned_pointers(samples: Samples, rng: np.random.Generator) -> Samples:
    """point_up samples turned +-90 degrees: point_right and point_left (augment.turn_pointers)."""
    pointers = samples.select(samples.labels == "point_up")
    keypoints, labels = augment.turn_pointers(pointers.keypoints, rng)
    sources = np.char.add(np.concatenate([pointers.sources, pointers.sources]).astype(str), ":turned")
    return Samples(keypoints, labels, sources)


def rotated_none(samples: Samples, count: int, rng: np.random.Generator) -> Samples:
    """`count` of these none hands (drawn with replacement) turned by any angle."""
    if not len(samples) or count <= 0:
        return Samples.concat()
    drawn = np.sort(rng.choice(len(samples), count, replace=True))
    keypoints = augment.rotate(samples.keypoints[drawn], rng.uniform(0.0, 360.0, count))
    return Samples(keypoints, samples.labels[drawn], np.char.add(samples.sources[drawn].astype(str), ":rotated"))


def training_samples(shared_data: Path, recipe: Recipe, photos: RealKeypoints | Samples) -> Samples:
    """Everything the model learns from, before mirroring and balancing.

    photos: the photos' keypoints. (Given only their training Samples, the real `none`
    hands are not turned, since which ones are shape-defined is unknown: prefer
    `final_samples` to get exactly what the shipped model learnt from.)
    """
    rng = np.random.default_rng(recipe.seed)
    real_train = photos.samples("train") if isinstance(photos, RealKeypoints) else photos
    parts = [real_train]
    if recipe.use_kinivi:
        keypoints, labels, _rows = kinivi.load_kinivi(shared_data / "extra" / "keypoints" / "keypoint.csv")
        parts.append(Samples.of(keypoints, labels, "kinivi"))
    if recipe.activity_none:
        parts.append(activity.activity_samples(shared_data, video_backend_factory))
    base = cap_per_source(Samples.concat(*parts), recipe.per_source_cap, rng)
    pointers = cap_per_source(turned_pointers(base, rng), recipe.per_source_cap, rng)
    shape_defined = (photos.samples("train", shape_defined_none=True) if isinstance(photos, RealKeypoints)
                     else Samples.concat())
    turned_none = rotated_none(shape_defined, recipe.rotated_none, rng)
    keypoints, labels = procedural.generate(recipe.procedural_per_shape, recipe.seed)
    synthetic = Samples.of(keypoints, labels, "procedural")
    degenerate = Samples.of(np.zeros((recipe.degenerate_none, 21, 2)), [NONE_LABEL] * recipe.degenerate_none,
                            "degenerate")
    return Samples.concat(base, pointers, turned_none, synthetic, degenerate)


def _recall(metrics: dict[str, Any], label: str) -> float | None:
    values = metrics["per_class"].get(label)
    return values["recall"] if values and values["support"] else None


def heldout_metrics(classifier: GestureClassifier, held_out: RealKeypoints) -> dict[str, Any]:
    """The bars, measured on the held-out photos' cached keypoints."""
    results: dict[str, Any] = {}
    test = [(image, hand) for image, hand in zip(held_out.images, held_out.hands) if image.split == "test"]
    groups = {
        "seed_thumbs": [pair for pair in test if pair[0].source == "seed-thumbs"],
        "other_people": [pair for pair in test if pair[0].source != "seed-thumbs"],
    }
    for name, pairs in groups.items():
        detected = [(image, hand) for image, hand in pairs if hand is not None]
        if not detected:
            continue
        features = feature_module.batch_features(np.array([hand for _, hand in detected]))
        predicted = classifier.predict(features)
        true = [image.label for image, _ in detected]
        metrics = compute_metrics(true, predicted, labels=list(classifier.labels))
        results[name] = {
            "images": len(pairs),
            "detection_rate": len(detected) / len(pairs),
            "accuracy": metrics["accuracy"],
            "balanced_accuracy": metrics["balanced_accuracy"],
            "none_recall": _recall(metrics, NONE_LABEL),
            "per_class": metrics["per_class"],
        }
    pointers = [hand for image, hand in groups["other_people"] if image.label == "point_up" and hand is not None]
    if pointers:
        keypoints, turned_labels = augment.turn_pointers(np.array(pointers), np.random.default_rng(0))
        turned_predicted = np.array(classifier.predict(feature_module.batch_features(keypoints)))
        # Not a real photo of a sideways point: held-out point_up hands turned a quarter.
        results["turned_held_out_point_up"] = {"samples": len(turned_labels),
                                               "accuracy": float(np.mean(turned_predicted == turned_labels))}
    return results


def inputs_digest(shared_data: Path, images: list[real.LabelledImage]) -> str:
    """sha256 over the photos' relative names and the kinivi file: which inputs were read."""
    digest = hashlib.sha256()
    for image in images:
        digest.update(str(image.path.relative_to(shared_data)).encode() + b"\0")
    digest.update((shared_data / "extra" / "keypoints" / "keypoint.csv").read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class TrainingSet:
    final: Samples  # what the model learns from: mirrored, balanced (keypoints, before features)
    raw: Samples  # before mirroring and balancing: the per-source counts
    photos: RealKeypoints  # every labelled photo's hand, test split included


def final_samples(
    shared_data: Path, recipe: Recipe = DEFAULT_RECIPE, backend_factory: BackendFactory = default_backend_factory,
) -> TrainingSet:
    """The recipe's training set exactly as the model sees it (`.final`), with its sources."""
    photos = real_keypoints(shared_data.resolve(), recipe, backend_factory)
    raw = training_samples(shared_data.resolve(), recipe, photos)
    final = balance(with_mirrors(raw), recipe.per_label, np.random.default_rng(recipe.seed + 1))
    return TrainingSet(final, raw, photos)


def build_model(
    shared_data: Path, out: Path | None, recipe: Recipe = DEFAULT_RECIPE,
    backend_factory: BackendFactory = default_backend_factory,
) -> tuple[GestureClassifier, dict[str, Any]]:
    """Train the recipe's model, save it to `out` (PATH.npz + PATH.json) unless None.

    Returns (classifier, summary: sample counts per source, held-out metrics, recipe).
    Raises GesturedError when the backend cannot start or a file is unreadable.
    """
    shared_data = shared_data.resolve()
    training_set = final_samples(shared_data, recipe, backend_factory)
    final, raw, photos = training_set.final, training_set.raw, training_set.photos
    detected = sum(hand is not None for hand in photos.hands)
    summary: dict[str, Any] = {
        "recipe": RECIPE_NAME,
        "recipe_settings": asdict(recipe),
        "feature_version": feature_module.FEATURE_VERSION,
        "inputs_sha256": inputs_digest(shared_data, photos.images),
        "photos": {"total": len(photos.images), "hand_detected": detected},
        "samples_by_source": raw.counts(),
        "training_samples": len(final),
    }
    classifier = train_ensemble(
        feature_module.batch_features(final.keypoints), final.labels, hidden_layers=recipe.hidden_layers,
        members=recipe.members, alpha=recipe.alpha, max_iter=recipe.max_iter, seed=recipe.seed, metadata=summary,
    )
    summary["held_out"] = heldout_metrics(classifier, photos)
    classifier.metadata["held_out"] = summary["held_out"]
    if out is not None:
        classifier.save(out)
        save_dataset(training_set_path(out), as_dataset(final))
    return classifier, summary


def training_set_path(model_path: Path) -> Path:
    """Where a recipe model's training set goes: models/gestures -> models/gestures-training.npz.

    `gestured train --with-builtin` adds a user's samples to it, so it ships beside the model.
    """
    model_path = Path(model_path)
    stem = model_path.name.removesuffix(".npz").removesuffix(".json")
    return model_path.with_name(f"{stem}-training.npz")


def as_dataset(samples: Samples) -> Dataset:
    """Training samples in the on-disk dataset schema (no handedness, frame size or groups)."""
    count = len(samples)
    return Dataset(
        samples.keypoints, samples.labels, np.full(count, "unknown"), np.zeros((count, 2)),
        samples.sources, np.full(count, ""),
    )


def build_default_model(shared_data: Path, out: Path) -> dict[str, Any]:
    """Rebuild the shipped model from ../shared/data into `out`; returns the summary (metrics)."""
    return build_model(shared_data, out, DEFAULT_RECIPE)[1]
