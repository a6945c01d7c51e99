"""The recipe of the shipped OpenPose model (models/gestures-openpose): `--recipe openpose`.

Inputs, all from ../shared/data and the default recipe:
- the prototype's OpenPose keypoints of the seed thumbs whose photo lies on the training
  side of the default model's time split (`openpose_data.match_seed_rows`): the kept
  (deduplicated) photos' rows, as they are and mirrored (a row with a missing keypoint gets a
  wholly missing mirror, as the shipped model was trained: `mirror_rows_with_missing`). Rows
  of held-out photos, and of photos after the split, are never read for training, not even
  augmented;
- the error model measured on those same training-side frames against MediaPipe's
  keypoints of the same photos (`openpose_errors.measure`);
- `mediapipe_per_label` samples of each label drawn from the default recipe's final
  training set (`recipe.final_samples`: all nine labels, already mirrored and balanced)
  with OpenPose's errors applied (`openpose_errors.apply`); a sample the errors leave
  collapsed or mostly missing becomes `none`. That training set is the default recipe's
  *without* the activity clips' hard negatives (`mediapipe_hard_negatives`): the shipped
  OpenPose model was trained before they joined the default recipe, and with them the
  held-out thumbs fall from 0.808 to 0.781 (models/README.md). (All 2,500 a label drowned the real
  OpenPose rows: held-out balanced accuracy 0.77 with them and the rows counted 8 times,
  0.81 with 750 and 16, in two builds.)
Features are gestured.recognition.openpose_features' (missing points tolerated, 21 flags); MLPs
averaged into one (gestured.training.ensemble), as for the default model (three members,
at most 100 epochs: a build takes about ten minutes on these two shared cores).

A second stage (gestured.training.direction_stage, `direction_stage`) then decides thumbs up
or down whenever the first stage's probability is on a thumb, from the real OpenPose rows
alone; its settings were chosen on the training side split again by time (models/README.md).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from gestured.config.settings import NO_GESTURE
from gestured.errors import GesturedError
from gestured.recognition import openpose_features
from gestured.recognition.classifier import GestureClassifier
from gestured.recognition.stills import pick_hand
from gestured.training import direction_stage, extract, openpose_data, openpose_errors, recipe
from gestured.training.augment import mirror, mirror_labels
from gestured.training.ensemble import train_ensemble
from gestured.training.samples import Samples

logger = logging.getLogger(__name__)

RECIPE_NAME = "openpose"
NONE_LABEL = NO_GESTURE


@dataclass(frozen=True)
class OpenPoseRecipe:
    seed: int = 0
    hidden_layers: tuple[int, ...] = (64, 32)
    members: int = 3
    alpha: float = 1e-4
    max_iter: int = 100
    openpose_repeat: int = 16  # each real OpenPose row (and its mirror image) counts this often
    mediapipe_per_label: int = 750  # MediaPipe samples drawn per label (of the default recipe's 2,500)
    full_errors: float = 0.3  # share of MediaPipe samples given failing keypoints too (the rest:
    # offsets, noise and grid only), so that the measured failures don't drown the shapes
    degenerate_none: int = 20  # all-zero feature vectors labelled none
    mediapipe_hard_negatives: bool = False  # the default recipe's activity-clip `none` hands
    # False: a real row with a missing keypoint gets a wholly missing mirror image (unusable,
    # all-zero features), as the shipped first stage was trained before augment.mirror kept
    # the visible keypoints; True keeps them, measured not to help (models/README.md)
    mirror_rows_with_missing: bool = False
    direction_stage: bool = True  # a second stage shares the thumb probability between up and down
    direction_regularisation: float = 1.0  # its logistic regression's C


DEFAULT_OPENPOSE_RECIPE = OpenPoseRecipe()


def seed_mediapipe(seed_rows: openpose_data.SeedRows, backend_factory: recipe.BackendFactory) -> np.ndarray:
    """(N, 21, 2) MediaPipe keypoints of each seed row's photo (NaN where no hand), cached."""
    cache = extract.KeypointCache(extract.cache_root(), extract.config_key("mediapipe"))
    detections = extract.extract_files(seed_rows.photos, backend_factory, cache)
    points = np.full((len(detections), 21, 2), np.nan)
    for index, detection in enumerate(detections):
        hand = pick_hand(detection.hands(), detection.frame_size)
        if hand is not None:
            points[index] = hand.keypoints
    return points


def measure_training_errors(
    seed_rows: openpose_data.SeedRows, mediapipe: np.ndarray,
) -> openpose_errors.ErrorModel:
    """The error model from the training side of the split only (frames with both hands)."""
    chosen = (seed_rows.split == "train") & np.isfinite(mediapipe).all(axis=(1, 2))
    if seed_rows.rows.background is None:
        raise GesturedError("seed-thumbs/openpose_keypoints.csv has no background columns 42, 43: "
                            "the OpenPose recipe needs the prototype's file as shipped")
    return openpose_errors.measure(
        seed_rows.rows.keypoints[chosen], seed_rows.rows.background[chosen], mediapipe[chosen],
    )


def transformed_mediapipe(
    keypoints: np.ndarray, labels: np.ndarray, model: openpose_errors.ErrorModel,
    settings: OpenPoseRecipe, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe samples with OpenPose's errors; those left unusable are relabelled none."""
    full = rng.random(len(keypoints)) < settings.full_errors
    no_failures = replace(model, failures_per_hand=[1.0] + [0.0] * 21)
    result = np.empty((len(keypoints), 21, 2), dtype=np.float32)
    result[full] = openpose_errors.apply(keypoints[full], model, rng)
    result[~full] = openpose_errors.apply(keypoints[~full], no_failures, rng)
    unusable = openpose_features.unusable_hands(result)
    return result, np.where(unusable, NONE_LABEL, labels)


def per_label(samples: Samples, count: int, rng: np.random.Generator) -> Samples:
    """At most `count` samples of each label, drawn without replacement, in sorted order."""
    chosen = []
    for label in np.unique(samples.labels):
        indices = np.flatnonzero(samples.labels == label)
        chosen.append(np.sort(rng.choice(indices, min(count, len(indices)), replace=False)))
    return samples.select(np.sort(np.concatenate(chosen)))


def real_openpose(seed_rows: openpose_data.SeedRows, settings: OpenPoseRecipe) -> tuple[np.ndarray, np.ndarray]:
    """The kept training photos' OpenPose rows (NaN on the background peak), plus mirrored
    (see `OpenPoseRecipe.mirror_rows_with_missing`)."""
    chosen = (seed_rows.split == "train") & seed_rows.kept
    keypoints = seed_rows.rows.with_missing()[chosen]
    labels = seed_rows.rows.labels[chosen]
    mirrored = mirror(keypoints)
    if not settings.mirror_rows_with_missing:
        mirrored[np.isnan(keypoints[..., 0]).any(axis=1), :, 0] = np.nan
    return np.concatenate([keypoints, mirrored]), np.concatenate([labels, mirror_labels(labels)])


@dataclass(frozen=True)
class OpenPoseTrainingSet:
    keypoints: np.ndarray  # (N, 21, 2) pixels, NaN = missing
    labels: np.ndarray  # (N,) str
    summary: dict[str, Any]  # recipe, error model, samples by source, training_sha256
    seed_rows: openpose_data.SeedRows


def training_digest(keypoints: np.ndarray, labels: np.ndarray) -> str:
    """sha256 of the training keypoints (as float64) and labels: the JSON records it, so a
    rebuild can be checked against the shipped model without training."""
    digest = hashlib.sha256(np.ascontiguousarray(keypoints, dtype=np.float64).tobytes())
    digest.update("\n".join(labels.tolist()).encode())
    return digest.hexdigest()


def training_set(
    shared_data: Path, settings: OpenPoseRecipe = DEFAULT_OPENPOSE_RECIPE,
    backend_factory: recipe.BackendFactory = recipe.default_backend_factory,
) -> OpenPoseTrainingSet:
    """The OpenPose model's training keypoints and labels (see the module docstring).

    Raises GesturedError when a file is unreadable or the CSV no longer matches the photos.
    """
    shared_data = shared_data.resolve()
    rng = np.random.default_rng(settings.seed)
    seed_rows = openpose_data.match_seed_rows(shared_data)
    error_model = measure_training_errors(seed_rows, seed_mediapipe(seed_rows, backend_factory))
    default_recipe = recipe.Recipe(activity_none=settings.mediapipe_hard_negatives)
    mediapipe = per_label(recipe.final_samples(shared_data, default_recipe, backend_factory).final,
                          settings.mediapipe_per_label, rng)
    transformed, transformed_labels = transformed_mediapipe(
        mediapipe.keypoints, mediapipe.labels, error_model, settings, rng)
    real_keypoints, real_labels = real_openpose(seed_rows, settings)
    degenerate = np.zeros((settings.degenerate_none, 21, 2))
    keypoints = np.concatenate([transformed, *[real_keypoints] * settings.openpose_repeat, degenerate])
    labels = np.concatenate([transformed_labels, *[real_labels] * settings.openpose_repeat,
                             [NONE_LABEL] * settings.degenerate_none])
    summary: dict[str, Any] = {
        "recipe": RECIPE_NAME,
        "recipe_settings": asdict(settings),
        "feature_version": openpose_features.FEATURE_VERSION,
        "error_model": error_model.as_dict(),
        "samples_by_source": {
            "openpose seed-thumbs (training side, kept, with mirrors)": len(real_keypoints),
            "mediapipe default recipe, OpenPose errors applied": len(transformed),
            "of which relabelled none (collapsed or mostly missing)": int(
                ((transformed_labels == NONE_LABEL) & (mediapipe.labels != NONE_LABEL)).sum()),
        },
        "training_sha256": training_digest(keypoints, labels),
    }
    return OpenPoseTrainingSet(keypoints, labels, summary, seed_rows)


def build_openpose_model(
    shared_data: Path, out: Path | None, settings: OpenPoseRecipe = DEFAULT_OPENPOSE_RECIPE,
    backend_factory: recipe.BackendFactory = recipe.default_backend_factory,
) -> tuple[GestureClassifier, dict[str, Any]]:
    """Train the OpenPose model, save it to `out` (PATH.npz + PATH.json) unless None.

    Returns (classifier, summary: the error model, sample counts, held-out figures).
    Raises GesturedError when a file is unreadable or the CSV no longer matches the photos.
    """
    data = training_set(shared_data, settings, backend_factory)
    summary = data.summary
    merged = train_ensemble(
        openpose_features.batch_features(data.keypoints), data.labels, hidden_layers=settings.hidden_layers,
        members=settings.members, alpha=settings.alpha, max_iter=settings.max_iter, seed=settings.seed,
        metadata=summary,
    )
    classifier = GestureClassifier(
        merged.labels, merged.weights, merged.biases, merged.mean, merged.std,
        feature_version=openpose_features.FEATURE_VERSION, metadata=merged.metadata,
        features="openpose", backend="openpose",
        second_stage=build_direction_stage(data.seed_rows, settings) if settings.direction_stage else None,
    )
    summary["held_out"] = held_out_figures(classifier, data.seed_rows)
    classifier.metadata["held_out"] = summary["held_out"]
    if out is not None:
        classifier.save(out)
    return classifier, summary


def build_direction_stage(seed_rows: openpose_data.SeedRows, settings: OpenPoseRecipe) -> GestureClassifier:
    """The second stage (gestured.training.direction_stage) from the kept training-side rows;
    its metadata records the sha256 of its training keypoints and labels."""
    keypoints, labels = direction_stage.training_rows(seed_rows)
    return direction_stage.train_direction_stage(
        keypoints, labels, settings.direction_regularisation,
        {"training": "openpose seed-thumbs (training side, kept, with mirrors; usable rows)",
         "training_sha256": training_digest(keypoints, labels)},
    )


def held_out_figures(classifier: GestureClassifier, seed_rows: openpose_data.SeedRows) -> dict[str, Any]:
    """Balanced accuracy thumbs up vs down on the held-out rows (kept photos, and every row
    after the split), over usable rows, and how many rows are unusable and called none."""
    from gestured.commands.eval_keypoints import evaluate_rows

    figures = {}
    test = seed_rows.split == "test"
    for name, chosen in (("kept_photos", test & seed_rows.kept), ("all_rows_after_split", test)):
        rows = openpose_data.KeypointRows(
            seed_rows.rows.keypoints[chosen], None if seed_rows.rows.background is None
            else seed_rows.rows.background[chosen], seed_rows.rows.labels[chosen])
        report = evaluate_rows(rows, classifier)
        usable = report["detected_only"]
        figures[name] = {
            "rows": report["images"], "collapsed": report["collapsed"],
            "balanced_accuracy_usable": usable["balanced_accuracy"],
            "balanced_accuracy_all": report["balanced_accuracy"],
            "recall_usable": {label: values["recall"] for label, values in usable["per_class"].items()
                              if values["support"]},
        }
    return figures
