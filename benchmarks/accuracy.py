"""Reproduce the accuracy figures of models/README.md for a model (default: the shipped one).

    .venv/bin/python benchmarks/accuracy.py [--shared-data ../shared/data] [--model PATH]
                                            [--out results.json] [--skip-detection]

1. Builds folders of symlinks to the held-out photos (gestured.training.real decides
   which: seed-thumbs test frames; HaGRID's held-out slice plus the held-out
   sign-language students) under --work, one subfolder per label, and runs
   `gestured eval --images DIR --json` on each.
2. Plays demo.mp4 and asl.mp4 through MediaPipe in VIDEO mode and the classifier, and
   summarises the per-frame predictions: runs of one label at or above the default
   threshold, and the longest run per label in seconds (what a binding's `hold` sees).
3. Measures how many HaGRID photos (all 1,336) and sign-language digits (all 2,062)
   have a hand found by one pass of HandLandmarker, and by `detect_still` with its
   padded and tiled passes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_THRESHOLD = 0.7  # config/gestures.yaml's global threshold


def heldout_folders(shared_data: Path, work: Path) -> dict[str, Path]:
    """work/<set>/<label>/<source>-<file> symlinks for each held-out set; returns set -> folder."""
    from gestured.training import real

    sets = {"seed_thumbs": Path(work / "seed_thumbs"), "other_people": Path(work / "other_people")}
    for image in real.all_images(shared_data):
        if image.split != "test":
            continue
        folder = sets["seed_thumbs" if image.source == "seed-thumbs" else "other_people"]
        link = folder / image.label / f"{image.source}-{image.path.parent.name}-{image.path.name}"
        link.parent.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(image.path.resolve())
    return sets


def run_eval(folder: Path, model: Path | None) -> dict[str, Any]:
    """`gestured eval --images folder --json` in a subprocess; the parsed report."""
    command = [sys.executable, "-m", "gestured", "eval", "--images", str(folder), "--json", "--offline"]
    if model is not None:
        command += ["--model", str(model)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=PROJECT_ROOT)
    if result.returncode != 0:
        raise SystemExit(f"gestured eval failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout)


def bar_figures(report: dict[str, Any]) -> dict[str, Any]:
    detected = report["detected_only"]
    return {
        "images": report["images"],
        "detection_rate": round(report["detection_rate"], 4),
        "balanced_accuracy_detected": round(detected["balanced_accuracy"], 4),
        "accuracy_detected": round(detected["accuracy"], 4),
        "none_recall_detected": (round(detected["per_class"]["none"]["recall"], 4)
                                 if detected["per_class"].get("none", {}).get("support") else None),
        "balanced_accuracy_all_images": round(report["balanced_accuracy"], 4),
        "recall_detected": {label: round(values["recall"], 3) for label, values in detected["per_class"].items()
                            if values["support"]},
        "confusion_detected": detected["confusion"],
    }


def video_predictions(path: Path, model: Path | None) -> tuple[list[tuple[str, float]], float]:
    """Per frame (label or '-' for no hand, confidence) in VIDEO mode; and the frame rate."""
    import cv2

    from gestured.recognition.backends import create_backend
    from gestured.recognition.classifier import load_classifier

    classifier = load_classifier(model)
    backend = create_backend("mediapipe", mode="video", num_hands=1, offline=True)
    capture = cv2.VideoCapture(str(path))
    fps = capture.get(cv2.CAP_PROP_FPS) or 30.0
    frames: list[tuple[str, float]] = []
    try:
        while True:
            ok, image = capture.read()
            if not ok:
                break
            hands = backend.detect(image, int(len(frames) * 1000 / fps))
            if hands:
                prediction = classifier.classify(hands[0])
                frames.append((prediction.label, prediction.confidence))
            else:
                frames.append(("-", 0.0))
    finally:
        capture.release()
        backend.close()
    return frames, fps


def summarise_video(frames: list[tuple[str, float]], fps: float, threshold: float) -> dict[str, Any]:
    """Runs of the label seen at >= threshold ('.' below it, '-' no hand) and the longest per label."""
    shown = [label if label == "-" or confidence >= threshold else "." for label, confidence in frames]
    runs: list[list[Any]] = []
    for label in shown:
        if runs and runs[-1][0] == label:
            runs[-1][1] += 1
        else:
            runs.append([label, 1])
    longest: dict[str, float] = {}
    for label, count in runs:
        if label not in ("-", "."):
            longest[label] = max(longest.get(label, 0.0), round(count / fps, 3))
    return {
        "frames": len(frames),
        "fps": round(fps, 2),
        "hand_frames": sum(label != "-" for label, _ in frames),
        "runs": " ".join(f"{label}x{count}" for label, count in runs),
        "longest_run_seconds": dict(sorted(longest.items())),
    }


def detection_gain(paths: list[Path]) -> dict[str, Any]:
    """Photos with a hand: one HandLandmarker pass vs detect_still (padded + tiles)."""
    import cv2

    from gestured.recognition.backends import create_backend
    from gestured.recognition.stills import detect_still

    backend = create_backend("mediapipe", mode="image", num_hands=2, offline=True)
    first = still = 0
    started = time.perf_counter()
    try:
        for path in paths:
            image = cv2.imread(str(path))
            found_first = bool(backend.detect(image))
            first += found_first
            still += found_first or bool(detect_still(backend, image))
    finally:
        backend.close()
    return {"images": len(paths), "one_pass": first, "detect_still": still,
            "one_pass_rate": round(first / len(paths), 4), "detect_still_rate": round(still / len(paths), 4),
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared-data", type=Path, default=PROJECT_ROOT.parent / "shared" / "data")
    parser.add_argument("--model", type=Path, default=None, help="PATH of PATH.npz/.json (default: shipped)")
    parser.add_argument("--work", type=Path, default=None, help="where the symlink folders go (default: temp)")
    parser.add_argument("--out", type=Path, default=None, help="also write the results as JSON here")
    parser.add_argument("--skip-detection", action="store_true", help="skip the HaGRID detection-rate pass")
    args = parser.parse_args()
    shared_data = args.shared_data.resolve()
    results: dict[str, Any] = {"model": str(args.model or "shipped default")}
    with tempfile.TemporaryDirectory(prefix="gestured-heldout-") as temporary:
        work = args.work or Path(temporary)
        for name, folder in heldout_folders(shared_data, work).items():
            results[name] = bar_figures(run_eval(folder, args.model))
            print(name, json.dumps({key: value for key, value in results[name].items()
                                    if key != "confusion_detected"}), flush=True)
    for video in ("demo", "asl"):
        frames, fps = video_predictions(shared_data / "videos" / f"{video}.mp4", args.model)
        results[video] = summarise_video(frames, fps, DEFAULT_THRESHOLD)
        print(video, json.dumps(results[video]), flush=True)
    if not args.skip_detection:
        for name, pattern in (("hagrid", "extra/hagrid-train/*/*.jpg"),
                              ("sign_digits", "extra/sign-language-digits/*/*.JPG")):
            results[f"{name}_detection"] = detection_gain(sorted(shared_data.glob(pattern)))
            print(f"{name}_detection", json.dumps(results[f"{name}_detection"]), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
