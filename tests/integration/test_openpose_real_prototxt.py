"""The OpenPose backend with the real hand prototxt and random weights, on real frames.

The real weights can't be downloaded here; a caffemodel with random weights of the same
shapes (tests/caffemodel.py) runs the same arithmetic, so loading, every stage's output,
cropping and mapping are exercised for real. The keypoints mean nothing (accuracy with
the real weights is not measured here); their geometry must still hold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gestured.recognition.backends.heatmaps import square_crop
from gestured.recognition.backends.openpose import OpenPoseBackend
from tests.caffemodel import REAL_WEIGHTS_SIZE, convolutions, write_caffemodel
from tests.recognition.test_openpose import FixedRegions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_net(shared_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    prototxt = shared_dir / "models" / "openpose" / "pose_deploy.prototxt"
    if not prototxt.is_file():
        pytest.skip(f"{prototxt} not found")
    # Padded to the real file's size, so the model store takes it for the real weights.
    weights = tmp_path_factory.mktemp("openpose") / "random.caffemodel"
    write_caffemodel(prototxt, weights, total_size=REAL_WEIGHTS_SIZE)
    return prototxt, weights


@pytest.fixture(scope="module")
def demo_frames(shared_data: Path) -> list[np.ndarray]:
    import cv2

    capture = cv2.VideoCapture(str(shared_data / "videos" / "demo.mp4"))
    frames = [capture.read()[1] for _ in range(3)]
    capture.release()
    return frames


def test_the_generator_writes_every_convolution_of_the_real_net(real_net: tuple[Path, Path]) -> None:
    prototxt, weights = real_net
    specs = convolutions(prototxt.read_text(encoding="utf-8"))
    assert len(specs) == 52
    assert specs[0].weight_shape == (64, 3, 3, 3)
    by_name = {spec.name: spec.weight_shape for spec in specs}
    assert by_name["conv6_2_CPM"] == (22, 512, 1, 1)
    assert by_name["Mconv1_stage2"] == (128, 150, 7, 7)  # 22 heatmaps + 128 features
    parameters = sum(int(np.prod(shape)) + shape[0] for shape in by_name.values())
    assert parameters == 36_832_324
    assert weights.stat().st_size == REAL_WEIGHTS_SIZE  # float32 blobs, names, padding


def test_every_stage_loads_and_gives_22_heatmaps(real_net: tuple[Path, Path]) -> None:
    prototxt, weights = real_net
    square = np.random.default_rng(0).integers(0, 255, size=(64, 64, 3), dtype=np.uint8)
    outputs = []
    for stage in range(1, 7):
        with OpenPoseBackend(prototxt=prototxt, weights=weights, region="full", input_size=64, stage=stage) as openpose:
            heatmaps = openpose.heatmaps(square)
        assert heatmaps.shape == (22, 8, 8) and np.isfinite(heatmaps).all()
        outputs.append(heatmaps)
    assert all(not np.allclose(earlier, later) for earlier, later in zip(outputs, outputs[1:]))


def test_a_demo_frame_goes_through_the_whole_path(real_net: tuple[Path, Path], demo_frames: list[np.ndarray]) -> None:
    prototxt, weights = real_net
    box = (600.0, 290.0, 900.0, 690.0)  # around the hand in demo.mp4's first frames
    crop = square_crop(box, 0.3)
    with OpenPoseBackend(prototxt=prototxt, weights=weights, region=FixedRegions(box)) as openpose:
        hands = openpose.detect(demo_frames[0])
    assert len(hands) == 1
    hand = hands[0]
    assert hand.keypoints.shape == (21, 2) and hand.confidence is not None
    # Every keypoint is a heatmap peak, so it lies inside the crop it came from.
    assert np.all(hand.keypoints >= np.array([crop.x0, crop.y0]) - 0.5)
    assert np.all(hand.keypoints <= np.array([crop.x0, crop.y0]) + crop.size - 0.5)
    assert np.all((hand.confidence >= 0) & (hand.confidence <= 1))
    np.testing.assert_allclose(hand.normalized, hand.keypoints / np.array([1280, 720]), rtol=1e-6)


def test_mediapipe_finds_the_region(
    real_net: tuple[Path, Path], demo_frames: list[np.ndarray], landmarker_model: Path
) -> None:
    prototxt, weights = real_net
    openpose = OpenPoseBackend(
        prototxt=prototxt, weights=weights, stage=1, region="mediapipe",
        landmarker_model=landmarker_model,
    )
    with openpose:
        hands = [openpose.detect(frame, index * 60) for index, frame in enumerate(demo_frames)]
    assert all(len(found) == 1 for found in hands)
    hand = hands[-1][0]
    assert hand.handedness in ("left", "right")
    # The crop is around the hand in the lower middle of the frame, not the whole frame.
    x0, y0, x1, y1 = hand.box
    assert 450 < x0 and x1 < 1100 and 200 < y0 and x1 - x0 < 500



def test_installed_models_are_found_without_paths(
    real_net: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`backend: openpose` after `gestured models fetch openpose`: the store hands over the files."""
    prototxt, weights = real_net
    (tmp_path / "pose_deploy.prototxt").write_bytes(prototxt.read_bytes())  # its sha256 is pinned
    (tmp_path / "pose_iter_102000.caffemodel").symlink_to(weights)
    monkeypatch.setenv("GESTURED_MODEL_DIR", str(tmp_path))
    with OpenPoseBackend(region=FixedRegions((10.0, 10.0, 60.0, 60.0)), stage=1) as openpose:
        hands = openpose.detect(np.zeros((120, 160, 3), dtype=np.uint8))
    assert len(hands) == 1 and hands[0].keypoints.shape == (21, 2)
