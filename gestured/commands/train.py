"""`gestured train --data DIR... --out PATH`: train a gesture classifier from recorded datasets.

Keypoints are turned into features here (`gestured.recognition.features.batch_features`), so datasets
recorded under an older feature version still train. Cross-validation runs first (grouped
by recording stretch where every label has two or more groups), then the model is trained
on everything and saved as PATH.npz + PATH.json (see gestured.recognition.model_format). The user's
samples are also added mirrored left-right (point_left and point_right swapped), as the
shipped model's are, so a gesture recorded with one hand works with either.
`--with-builtin` adds the user's samples to the built-in training set, so a new gesture
joins the 8 built-in ones and `none`. `--recipe default` rebuilds the shipped model.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

import numpy as np

from gestured import paths
from gestured.errors import GesturedError
from gestured.paths import shipped_models_dir
from gestured.progress import progress
from gestured.recognition.classifier import NONE_LABEL
from gestured.recognition.features import batch_features
from gestured.training.dataset import Dataset, dataset_files, load_dataset, load_datasets
from gestured.training.merge import confusions, merge_builtin, new_gestures
from gestured.training.mlp import FOLDS, LARGE_SET, LARGE_SET_FOLDS, cross_validate, default_folds, train_classifier

logger = logging.getLogger(__name__)

RECIPES = ("default", "openpose")
# The shipped model's training keypoints, in gestured.training.dataset's schema, beside the model.
BUILTIN_DATASET = "gestures-training.npz"


def layer_sizes(text: str) -> tuple[int, ...]:
    """"64,32" -> (64, 32); raises argparse.ArgumentTypeError for anything else."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give hidden layer sizes like 64,32")
    return sizes


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, nargs="+", action="extend", default=[], metavar="PATH",
                        help="dataset files or folders of them (.npz/.csv from `gestured record`)")
    parser.add_argument("--out", type=Path, required=True, metavar="PATH",
                        help="where to save the model: writes PATH.npz and PATH.json")
    parser.add_argument("--with-builtin", action="store_true",
                        help="add your samples to the built-in training set (keeps the 8 gestures and none)")
    parser.add_argument("--no-mirror", action="store_true",
                        help="don't add left-right mirrored copies of your samples (they make either hand work)")
    parser.add_argument("--hidden", type=layer_sizes, default=(64, 32), metavar="64,32",
                        help="hidden layer sizes (default: 64,32)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--folds", type=int, default=None,
                        help=f"cross-validation folds; 0 skips it (default: {FOLDS}, or {LARGE_SET_FOLDS} from "
                             f"{LARGE_SET:,} samples, e.g. with --with-builtin)")
    parser.add_argument("--recipe", choices=RECIPES,
                        help="rebuild a shipped model from the shared data instead (`default`, or "
                             "`openpose`: models/gestures-openpose)")
    parser.add_argument("--shared-data", type=Path, default=None, metavar="DIR",
                        help="with --recipe or --with-builtin: the shared data folder "
                             "(default: ../shared/data of the checkout)")


def default_shared_data() -> Path:
    """The shared folder's data/ (gestured.paths.shared_dir), else ./shared/data, which
    the error messages then name."""
    return (paths.shared_dir() or Path("shared")) / "data"


def run_recipe(shared_data: Path, out: Path) -> dict[str, Any]:
    """Call gestured.training.recipe.build_default_model; GesturedError if it can't run."""
    try:
        from gestured.training.recipe import build_default_model
    except ImportError as error:
        raise GesturedError(f"--recipe default is not available in this gestured ({error})") from error
    if not shared_data.is_dir():
        raise GesturedError(f"--recipe default reads the shared data set, not found at {shared_data}: "
                            "pass --shared-data DIR")
    return build_default_model(shared_data, out)


def run_openpose_recipe(shared_data: Path, out: Path) -> dict[str, Any]:
    """Build models/gestures-openpose (gestured.training.openpose_recipe); GesturedError if it can't run."""
    from gestured.training.openpose_recipe import build_openpose_model

    if not shared_data.is_dir():
        raise GesturedError(f"--recipe openpose reads the shared data set, not found at {shared_data}: "
                            "pass --shared-data DIR")
    return build_openpose_model(shared_data, out)[1]


def builtin_dataset(shared_data: Path) -> Dataset:
    """The keypoints the shipped model was trained on.

    models/gestures-training.npz when installed; else rebuilt from the shared data by the
    default recipe (its photo keypoints are cached after the first run). Samples without
    a group get one each. Raises GesturedError when neither is available.
    """
    path = shipped_models_dir() / BUILTIN_DATASET
    if path.is_file():
        dataset = load_dataset(path)
    elif shared_data.is_dir():
        logger.info("no %s: rebuilding the built-in training set from %s", path, shared_data)
        dataset = _builtin_from_recipe(shared_data)
    else:
        raise GesturedError(f"--with-builtin: the built-in training set is neither installed ({path}) nor "
                            f"buildable (no shared data at {shared_data}; pass --shared-data DIR)")
    numbered = np.char.add("builtin:", np.arange(len(dataset)).astype(str))
    dataset.group = np.where(dataset.group == "", numbered, dataset.group)
    return dataset


def _builtin_from_recipe(shared_data: Path) -> Dataset:
    """The default recipe's final training samples (before features) as a Dataset."""
    from gestured.training import recipe

    return recipe.as_dataset(recipe.final_samples(shared_data).final)


def without_degenerate(dataset: Dataset) -> Dataset:
    """`dataset` without the hands whose features are all zero (collapsed or non-finite
    keypoints): the models reserve that vector for `none`."""
    usable = np.abs(batch_features(dataset.keypoints)).sum(axis=1) > 0
    if not usable.all():
        print(f"note: dropped {int((~usable).sum())} recorded samples whose keypoints are degenerate")
    return dataset.select(usable)


def training_data(dataset: Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(features, labels, groups, or None when some sample has no group)."""
    groups = dataset.group if (dataset.group != "").all() else None
    return batch_features(dataset.keypoints), dataset.labels, groups


def with_mirrored(dataset: Dataset) -> Dataset:
    """`dataset` plus each sample mirrored left-right, in the same group (so a sample and
    its mirror image never sit on both sides of a fold): either hand then shows the
    gesture, as for the shipped model (see gestured.recognition.features). point_left and
    point_right swap names when mirrored."""
    from gestured.training.augment import mirror, mirror_labels

    swapped_hands = {"left": "right", "right": "left"}
    mirrored = Dataset(
        mirror(dataset.keypoints),
        mirror_labels(dataset.labels),
        np.array([swapped_hands.get(hand, hand) for hand in dataset.handedness.tolist()]),
        dataset.frame_size,
        np.char.add(dataset.source, " (mirrored)"),
        dataset.group,
    )
    return Dataset.concat([dataset, mirrored])


def describe_counts(labels: np.ndarray) -> str:
    names, counts = np.unique(labels, return_counts=True)
    return ", ".join(f"{name} {count}" for name, count in zip(names, counts))


def gather(args: argparse.Namespace) -> tuple[Dataset, list[str]]:
    """The samples to train on (built-in first, then the user's, mirrored unless
    --no-mirror) and the list of their sources for the model's metadata. The built-in
    set is merged as gestured.training.merge says (subsampled; `none` gives way)."""
    if not args.data and not args.with_builtin:
        raise GesturedError("nothing to train on: give --data DIR (recorded with `gestured record`)")
    user, sources = Dataset.empty(), []
    if args.data:
        loaded = load_datasets(args.data)
        if not len(loaded):
            raise GesturedError(f"no samples in {', '.join(map(str, args.data))}: "
                                "record some with `gestured record`")
        recorded = without_degenerate(loaded)
        user = recorded if args.no_mirror else with_mirrored(recorded)
        sources = [str(path) for path in dataset_files(args.data)]
    if not args.with_builtin:
        return user, sources
    merged = merge_builtin(builtin_dataset((args.shared_data or default_shared_data()).expanduser()), user,
                           seed=args.seed)
    if merged.gave_way:
        print(f"note: {merged.gave_way} built-in `none` samples that look like your new gesture(s) gave way "
              "(left out; see gestured/training/merge.py)")
    return Dataset.concat([merged.builtin, merged.user]), [f"built-in training set ({BUILTIN_DATASET})", *sources]


def report_cross_validation(result: dict[str, Any], new_labels: list[str]) -> dict[str, Any]:
    """Print the cross-validation summary and what the new gestures were confused with;
    returns what goes into the model's metadata."""
    print(f"cross-validated accuracy {result['accuracy']:.4f}, balanced accuracy "
          f"{result['balanced_accuracy']:.4f} ({result['method']})")
    for label, values in result["per_class"].items():
        print(f"  {label}: recall {values['recall']:.3f} of {values['support']}")
    for line in confusions(result, new_labels):
        print(f"  confused: {line}")
    return {key: result[key] for key in ("method", "folds", "accuracy", "balanced_accuracy", "fold_accuracies")}


def print_recipe_summary(summary: dict[str, Any], out: Path) -> None:
    """A few lines on the rebuilt model (the whole summary is in OUT.json's metadata) and where it went."""
    if "training_samples" in summary:
        print(f"trained on {summary['training_samples']} samples")
    for name, held_out in summary.get("held_out", {}).items():
        if isinstance(held_out, dict) and "balanced_accuracy" in held_out:
            print(f"  held out, {name}: balanced accuracy {held_out['balanced_accuracy']:.4f}, "
                  f"none recall {held_out.get('none_recall') or 0:.4f} ({held_out.get('images', '?')} photos)")
    written = [f"{out}.npz", f"{out}.json"] + [str(path) for path in [Path(f"{out}-training.npz")] if path.exists()]
    print(f"saved {', '.join(written)} (every figure is under `metadata` in the .json)")
    print(f"use it: add `model: {out}` to gestures.yaml, or copy them over the shipped files in models/ to ship it")


def main(args: argparse.Namespace) -> int:
    if args.recipe:
        if args.data or args.with_builtin:
            raise GesturedError("--recipe rebuilds a shipped model from the shared data: drop --data/--with-builtin")
        run = run_openpose_recipe if args.recipe == "openpose" else run_recipe
        summary = run((args.shared_data or default_shared_data()).expanduser(), args.out)
        print_recipe_summary(summary, args.out)
        return 0
    dataset, sources = gather(args)
    features, labels, groups = training_data(dataset)
    print(f"training on {len(labels)} samples: {describe_counts(labels)}")
    if NONE_LABEL not in labels:
        print("note: no `none` samples, so this model can never say no; "
              "add --with-builtin or record `gestured record none` of other poses")
    metadata: dict[str, Any] = {"data_sources": sources, "with_builtin": args.with_builtin,
                                "mirrored": not args.no_mirror}
    new_labels = new_gestures(labels)
    folds = default_folds(len(labels)) if args.folds is None else args.folds
    folds = folds if folds > 1 else 0
    with progress(folds + 1, "train", "fits") as bar:
        if folds:
            result = cross_validate(features, labels, groups, folds=folds, seed=args.seed, hidden_layers=args.hidden,
                                    on_fold=lambda: bar.update(1))
            bar.total = result["folds"] + 1  # fewer folds where a label has few groups
        classifier = train_classifier(features, labels, hidden_layers=args.hidden, seed=args.seed, metadata=metadata)
        bar.update(1)
    if folds:
        metadata["cross_validation"] = report_cross_validation(result, new_labels)
        classifier.metadata["cross_validation"] = metadata["cross_validation"]
    base = classifier.save(args.out)
    print(f"saved {base}.npz and {base}.json ({len(classifier.labels)} labels: {', '.join(classifier.labels)})")
    binding = f" and bind {', '.join(new_labels)} under `bindings:`" if new_labels else ""
    print(f"use it: add `model: {base}` to gestures.yaml{binding}")
    return 0
