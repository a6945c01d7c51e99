"""`gestured eval --images DIR`: measure backend + classifier on labelled still images.
(`gestured eval --videos DIR --labels FILE`: false fires on labelled clips, see
gestured.commands.eval_videos.)
(`gestured eval --keypoints CSV` scores a classifier on a keypoint file: eval_keypoints.)

DIR holds one subfolder per label (`DIR/thumbs_up/*.jpg`, `DIR/none/...`; symlinks are
followed). Each image goes through the backend in IMAGE mode with the tiled second pass
(`gestured.recognition.stills.detect_still`), the labelled hand is picked (`pick_hand`) and
classified; an image where no hand is found counts as predicted `none`. The report gives
every metric twice: over all images, and over the images where a hand was detected.
Folders whose label the model doesn't know are listed and left out of the metrics.
The backend is built from --config (default: the gestures.yaml `gestured run` reads) as the
daemon's is: with `mirrored: true` each image is turned back as a mirroring camera's picture.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

from gestured.capture.sources import IMAGE_SUFFIXES
from gestured.errors import GesturedError
from gestured.progress import progress
from gestured.recognition.backends import BACKENDS, DEFAULT_BACKEND, KeypointBackend, backend_for
from gestured.recognition.classifier import LABELS, NONE_LABEL, GestureClassifier, load_classifier
from gestured.recognition.stills import detect_still, pick_hand
from gestured.training.metrics import evaluation_report, format_metrics, plot_confusion


def configure(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--images", type=Path, metavar="DIR",
                      help="folder with one subfolder of images per label")
    what.add_argument("--videos", type=Path, metavar="DIR",
                      help="folder of clips named by --labels: false fires and held hits, played "
                           "through the daemon (dry run)")
    parser.add_argument("--labels", type=Path, metavar="FILE",
                        help="with --videos: tab-separated spans (file kind gesture from_s to_s), "
                             "e.g. ../shared/data/videos/clips/clips.tsv")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help="with --videos: the gestures.yaml to play with (default: the shipped "
                             "one with every built-in gesture bound, swipes and circles included); with "
                             "--images: whose `mirrored:` and backend options apply (default: the one "
                             "`gestured run` reads)")
    what.add_argument("--keypoints", type=Path, metavar="CSV",
                      help="score the classifier on a keypoint CSV (columns 0..41 and label or class)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    parser.add_argument("--plot", type=Path, metavar="FILE.png",
                        help="also draw the confusion matrix into a PNG (needs gestured[plot])")
    parser.add_argument("--model", type=Path, default=None, metavar="PATH",
                        help="classifier (PATH.npz + PATH.json; default: the shipped model for the backend)")
    parser.add_argument("--backend", default=None, choices=sorted(BACKENDS),
                        help=f"keypoint backend (default: {DEFAULT_BACKEND}; openpose with --keypoints)")
    parser.add_argument("--offline", action="store_true", help="never download the backend's model")


def labelled_images(folder: Path) -> list[tuple[str, Path]]:
    """(label, path) of every image in `folder`'s subfolders, sorted; symlinks followed.

    Raises GesturedError when `folder` is not a folder or holds no labelled images.
    """
    if not folder.is_dir():
        raise GesturedError(f"{folder} is not a folder: give --images a folder with one subfolder per label")
    images = [
        (label_folder.name, path)
        for label_folder in sorted(folder.iterdir()) if label_folder.is_dir()
        for path in sorted(label_folder.iterdir())
        if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file()
    ]
    if not images:
        raise GesturedError(f"no images in the subfolders of {folder}: "
                            "put each label's images in DIR/LABEL/ (e.g. DIR/thumbs_up/1.jpg)")
    return images


def predict_image(backend: KeypointBackend, classifier: GestureClassifier, image: np.ndarray) -> tuple[str, bool]:
    """(predicted label, whether a hand was found); no hand -> ("none", False)."""
    height, width = image.shape[:2]
    hand = pick_hand(detect_still(backend, image), (width, height))
    if hand is None:
        return NONE_LABEL, False
    return classifier.classify(hand).label, True


def evaluate(
    images: list[tuple[str, Path]],
    backend: KeypointBackend,
    classifier: GestureClassifier,
    read_image: Callable[[Path], np.ndarray | None],
    on_image: Callable[[int, int], None] = lambda done, total: None,
) -> dict[str, Any]:
    """evaluation_report(...) over `images`, plus "unknown_labels" (label -> image count,
    left out) and "unreadable" (paths read_image returned None for, left out)."""
    known = set(classifier.labels) | {NONE_LABEL}
    unknown = Counter(label for label, _ in images if label not in known)
    kept = [(label, path) for label, path in images if label in known]
    if not kept:
        raise GesturedError(f"no folder names a label the model knows ({', '.join(sorted(known))}); "
                            f"found {', '.join(sorted(unknown))}")
    true, predicted, detected, unreadable = [], [], [], []
    for done, (label, path) in enumerate(kept, start=1):
        image = read_image(path)
        if image is None:
            unreadable.append(str(path))
            continue
        guess, found = predict_image(backend, classifier, image)
        true.append(label)
        predicted.append(guess)
        detected.append(found)
        on_image(done, len(kept))
    report = evaluation_report(true, predicted, detected, preferred=(*LABELS, *classifier.labels))
    report["unknown_labels"] = dict(sorted(unknown.items()))
    report["unreadable"] = unreadable
    return report


def format_report(report: dict[str, Any]) -> str:
    """The text `gestured eval` prints without --json."""
    lines = [f"model: {report['model']}"]
    if report.get("mirrored"):
        lines.append("mirrored: true (each image is turned back as a mirroring camera's picture)")
    for label, count in report["unknown_labels"].items():
        lines.append(f"skipped {label}/ ({count} images): label not known to the model")
    for path in report["unreadable"]:
        lines.append(f"skipped unreadable image {path}")
    detected = report["detected_only"]["images"]
    lines.append(f"images: {report['images']}; hand detected in {detected} "
                 f"(detection rate {report['detection_rate']:.4f})")
    lines.append("detection rate by label: " + ", ".join(
        f"{label} {values['detection_rate']:.3f}"
        for label, values in report["per_class"].items() if values["support"]
    ))
    lines += ["", format_metrics(report, "All images (no hand counts as `none`):"), ""]
    lines.append(format_metrics(report["detected_only"], f"Images where a hand was detected ({detected}):"))
    return "\n".join(lines)


def _read_image(path: Path) -> np.ndarray | None:
    from gestured.capture.images import read_image

    return read_image(path)


def main(args: argparse.Namespace) -> int:
    if args.videos is not None:
        from gestured.commands import eval_videos

        return eval_videos.main(args)
    if args.keypoints is not None:
        return keypoints_main(args)
    return images_main(args)


def images_main(args: argparse.Namespace) -> int:
    """`eval --images DIR`: the backend built from --config's settings (default: the user's)."""
    from gestured.config.live import user_settings

    args.backend = args.backend or DEFAULT_BACKEND
    classifier = load_classifier(args.model, args.backend)
    images = labelled_images(args.images.expanduser())
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise GesturedError(f"--plot {args.plot}: give a file name ending in .png")
    if args.plot is not None and not args.plot.expanduser().resolve().parent.is_dir():
        raise GesturedError(f"--plot {args.plot}: its folder does not exist")
    settings = user_settings(args.config)
    backend = backend_for(settings, args.backend, mode="image", num_hands=2, offline=args.offline)
    try:
        with progress(len(images), "eval", "images") as bar:

            def advance(done: int, total: int) -> None:
                bar.total = total  # images of labels the model knows
                bar.update(done - bar.n)

            report = evaluate(images, backend, classifier, _read_image, advance)
    finally:
        backend.close()
    report["model"] = str(args.model) if args.model else "shipped default"
    report["backend"] = args.backend
    report["mirrored"] = settings.mirrored
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    if args.plot is not None:  # after the report: a plot that can't be written loses nothing
        write_plot(report, args.plot, sys.stderr if args.json else sys.stdout)
    return 0


def write_plot(report: dict[str, Any], path: Path, notes: Any) -> None:
    """The confusion matrix as a PNG at `path`, said on `notes`. Raises GesturedError."""
    title = (f"balanced accuracy {report['balanced_accuracy']:.3f} (detected only "
             f"{report['detected_only']['balanced_accuracy']:.3f}), detection {report['detection_rate']:.3f}")
    try:
        plot_confusion(report, path, title=title)
    except OSError as error:
        raise GesturedError(f"cannot write {path}: {error.strerror}") from error
    print(f"wrote the confusion matrix to {path}", file=notes)


def keypoints_main(args: argparse.Namespace) -> int:
    """`eval --keypoints CSV`: no backend runs; the model defaults to the OpenPose one."""
    from gestured.commands import eval_keypoints

    if args.plot is not None:
        raise GesturedError("--plot works with --images only")
    backend = args.backend or "openpose"
    report = eval_keypoints.evaluate_file(args.keypoints.expanduser(), load_classifier(args.model, backend))
    report["model"] = str(args.model) if args.model else f"shipped model for {backend}"
    print(json.dumps(report, indent=2) if args.json else eval_keypoints.format_report(report))
    return 0
