"""The OpenPose backend end to end on a tiny Caffe net whose heatmaps are known.

The tiny net (tests/caffemodel.py) pools the image by 8 like the real one, and its weights
turn each colour channel into heatmaps; blobs drawn in a frame must come back as keypoints
at the blobs' centres: crop, resize, forward, decode and mapping back are all on the path.
"""

from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest

from gestured.config.settings import OpenPoseOptions
from gestured.recognition.backends import BackendError, MediaPipeOptions, create_backend
from gestured.recognition.backends.heatmaps import CropBox
from gestured.recognition.backends.openpose import OpenPoseBackend, cut_square, require_caffe_importer, stage_output
from gestured.recognition.backends.regions import Region
from gestured.recognition.hand import Hand
from tests.caffemodel import TINY_PROTOTXT, tiny_colour_weights, write_caffemodel

FRAME_SIZE = (640, 480)
# One blob per colour channel (B, G, R), at fractional pixel positions.
BLOB_CENTRES = np.array([(300.3, 220.6), (340.7, 260.2), (280.5, 290.9)])
HAND_BOX = (250.0, 180.0, 380.0, 330.0)
# Thumbs up vs down of the shipped classifier (trained on MediaPipe keypoints) on the
# prototype's OpenPose keypoints: 0.73-0.76 with the builds of 2026-11-29 (0.750 with the
# 10:21 one; the nine-way label is right for only 0.36, most misses come out fist or none).
# MediaPipe's keypoints of every 8th seed image (partly training images) score 0.99. The
# prototype's keypoints are noisy (whole 224 px frames fed to the net at 368: half the
# rows have coincident points), so this is a floor that catches a feature change breaking
# OpenPose input, not a target.
OPENPOSE_THUMBS_ACCURACY_BAR = 0.7


class FixedRegions:
    """A region finder that reports the same boxes every frame and keeps what it is told."""

    def __init__(self, *boxes: tuple[float, float, float, float], handedness: str = "right") -> None:
        self.regions = [Region(box, handedness) for box in boxes]  # type: ignore[arg-type]
        self.updates: list[list[Hand]] = []
        self.closed = False

    def find(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list[Region]:
        return list(self.regions)

    def update(self, hands: list[Hand]) -> None:
        self.updates.append(hands)

    def close(self) -> None:
        self.closed = True


@pytest.fixture(scope="module")
def tiny_net(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("tiny-openpose")
    prototxt = directory / "pose_deploy.prototxt"
    prototxt.write_text(TINY_PROTOTXT, encoding="utf-8")
    weights = write_caffemodel(prototxt, directory / "tiny.caffemodel", weights=tiny_colour_weights())
    return prototxt, weights


def blob_frame(centres: np.ndarray = BLOB_CENTRES, sigma: float = 9.0) -> np.ndarray:
    width, height = FRAME_SIZE
    rows, columns = np.mgrid[0:height, 0:width]
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    for channel, (x, y) in enumerate(centres):
        blob = np.exp(-((columns - x) ** 2 + (rows - y) ** 2) / (2 * sigma**2))
        frame[:, :, channel] = np.round(255 * blob)
    return frame


def backend(tiny_net: tuple[Path, Path], regions: object, **options: object) -> OpenPoseBackend:
    prototxt, weights = tiny_net
    return OpenPoseBackend(prototxt=prototxt, weights=weights, region=regions, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("input_size", [128, 184, 224])
def test_keypoints_come_back_on_the_blobs_they_were_drawn_from(tiny_net: tuple[Path, Path], input_size: int) -> None:
    regions = FixedRegions(HAND_BOX)
    with backend(tiny_net, regions, stage=1, input_size=input_size) as openpose:
        hands = openpose.detect(blob_frame())

    assert len(hands) == 1
    hand = hands[0]
    expected = BLOB_CENTRES[np.arange(21) % 3]  # stage 1: keypoint k sees colour k % 3
    assert np.abs(hand.keypoints - expected).max() < 1.0
    np.testing.assert_allclose(hand.normalized, hand.keypoints / np.array(FRAME_SIZE), rtol=1e-6)
    assert hand.confidence is not None and hand.confidence.shape == (21,)
    assert np.all(hand.confidence > 0.5)
    assert 0.5 < hand.score <= 1.0
    assert hand.handedness == "right"
    assert regions.updates == [hands]
    assert regions.closed


@pytest.mark.parametrize("stage", [2, 6])
def test_a_later_stage_reads_that_stage(tiny_net: tuple[Path, Path], stage: int) -> None:
    """The tiny net's stage 2 (its last output) shifts the keypoints by one channel."""
    with backend(tiny_net, FixedRegions(HAND_BOX), stage=stage) as openpose:
        hand = openpose.detect(blob_frame())[0]
    expected = BLOB_CENTRES[(np.arange(21) + 1) % 22 % 3]
    assert np.abs(hand.keypoints - expected).max() < 1.0


def test_a_hand_past_the_frame_edge_maps_back_through_the_padding(tiny_net: tuple[Path, Path]) -> None:
    centres = np.array([(20.4, 15.2), (45.8, 30.3), (10.1, 50.7)])
    with backend(tiny_net, FixedRegions((0.0, 0.0, 60.0, 65.0)), stage=1) as openpose:
        hand = openpose.detect(blob_frame(centres, sigma=5.0))[0]
    assert np.abs(hand.keypoints - centres[np.arange(21) % 3]).max() < 1.0


def test_each_region_gives_a_hand_best_first(tiny_net: tuple[Path, Path]) -> None:
    empty_box = (450.0, 50.0, 600.0, 200.0)  # nothing drawn there: low peaks
    with backend(tiny_net, FixedRegions(empty_box, HAND_BOX), num_hands=2, stage=1) as openpose:
        hands = openpose.detect(blob_frame())
    assert len(hands) == 2
    assert hands[0].score > 0.5 > hands[1].score
    assert np.abs(hands[0].keypoints - BLOB_CENTRES[np.arange(21) % 3]).max() < 1.0


def test_num_hands_and_min_score_limit_the_hands(tiny_net: tuple[Path, Path]) -> None:
    regions = FixedRegions(HAND_BOX, (450.0, 50.0, 600.0, 200.0))
    with backend(tiny_net, regions, num_hands=1, stage=1) as openpose:
        assert len(openpose.detect(blob_frame())) == 1
    with backend(tiny_net, FixedRegions(HAND_BOX), min_score=0.99, stage=1) as openpose:
        assert openpose.detect(blob_frame()) == []
    with backend(tiny_net, FixedRegions(), stage=1) as openpose:
        assert openpose.detect(blob_frame()) == []


def test_the_registry_builds_it(tiny_net: tuple[Path, Path]) -> None:
    prototxt, weights = tiny_net
    openpose = create_backend("openpose", mode="image", num_hands=1, offline=True,
                              options=OpenPoseOptions(prototxt=prototxt, weights=weights, region="full", stage=1))
    with pytest.raises(BackendError, match="takes OpenPoseOptions, not MediaPipeOptions"):
        create_backend("openpose", options=MediaPipeOptions())  # another backend's options are an error
    with pytest.raises(TypeError, match="unrelated_option"):
        OpenPoseOptions(prototxt=prototxt, unrelated_option=3)  # type: ignore[call-arg]
    try:
        assert isinstance(openpose, OpenPoseBackend) and openpose.name == "openpose"
        assert len(openpose.detect(blob_frame())) == 1
    finally:
        openpose.close()
        openpose.close()  # safe twice


def test_missing_weights_say_how_to_get_them_in_one_line(tiny_net: tuple[Path, Path], tmp_path: Path) -> None:
    prototxt, _ = tiny_net
    with pytest.raises(BackendError) as raised:
        OpenPoseBackend(prototxt=prototxt, weights=tmp_path / "pose_iter_102000.caffemodel", region="full")
    message = str(raised.value)
    assert "gestured models fetch openpose --accept-license" in message
    assert "non-commercial" in message and "\n" not in message


def test_without_paths_an_empty_model_store_says_how_to_fetch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GESTURED_MODEL_DIR", str(tmp_path))
    with pytest.raises(BackendError, match="gestured models fetch openpose --accept-license"):
        OpenPoseBackend(region="full")


def test_weights_that_are_not_a_caffemodel_are_a_backend_error(tiny_net: tuple[Path, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken.caffemodel"
    broken.write_bytes(b"\xff" * 100)
    with pytest.raises(BackendError, match="cannot load"):
        OpenPoseBackend(prototxt=tiny_net[0], weights=broken, region="full")


def test_weights_that_load_but_cannot_run_fail_at_start(tiny_net: tuple[Path, Path], tmp_path: Path) -> None:
    zeros = tmp_path / "zeros.caffemodel"
    zeros.write_bytes(bytes(tiny_net[1].stat().st_size))  # the right size, no layers in it
    with pytest.raises(BackendError, match="cannot run .*gestured models fetch openpose --accept-license --force"):
        OpenPoseBackend(prototxt=tiny_net[0], weights=zeros, region="full", stage=2)


def test_bad_stage_input_size_or_region_are_backend_errors(tiny_net: tuple[Path, Path]) -> None:
    with pytest.raises(BackendError, match="stage"):
        backend(tiny_net, "full", stage=3)  # the tiny net has stages 1 and 2 only
    with pytest.raises(BackendError, match="1 to 6"):
        backend(tiny_net, "full", stage=7)
    with pytest.raises(BackendError, match="multiple of 8"):
        backend(tiny_net, "full", input_size=100)
    with pytest.raises(BackendError, match="unknown openpose region"):
        backend(tiny_net, "everywhere", stage=1)


def test_stage_outputs_name_the_real_nets_layers() -> None:
    assert stage_output(1) == "conv6_2_CPM"
    assert stage_output(4) == "Mconv7_stage4"
    assert stage_output(6) is None  # the net's own output (named net_output in the prototxt)
    with pytest.raises(BackendError):
        stage_output(0)


def test_opencv_without_a_caffe_importer_is_named_in_one_line() -> None:
    opencv5 = types.SimpleNamespace(__version__="5.0.0", dnn=types.SimpleNamespace(readNet=None))
    with pytest.raises(BackendError) as raised:
        require_caffe_importer(opencv5)
    assert "OpenCV 5.0.0" in str(raised.value) and "<5" in str(raised.value)
    assert "\n" not in str(raised.value)
    import cv2

    require_caffe_importer(cv2)  # the pinned OpenCV has it


def test_cut_square_pads_black_past_the_frame() -> None:
    frame = np.full((100, 200, 3), 200, dtype=np.uint8)
    square = cut_square(frame, CropBox(x0=-50, y0=-50, size=100), 100)
    assert square.shape == (100, 100, 3)
    assert np.all(square[:50, :] == 0) and np.all(square[:, :50] == 0)
    assert np.all(square[50:, 50:] == 200)
    assert np.all(cut_square(frame, CropBox(x0=500, y0=0, size=40), 16) == 0)


def prototype_keypoints(shared_data: Path) -> tuple[np.ndarray, np.ndarray]:
    """The prototype's real OpenPose keypoints of the seed thumbs frames (224x224 pixels):
    (N, 21, 2) without the 22nd (background) pair, and labels thumbs_up / thumbs_down."""
    path = shared_data / "seed-thumbs" / "openpose_keypoints.csv"
    table = np.loadtxt(path, delimiter=",", skiprows=1)
    keypoints = table[:, :44].reshape(-1, 22, 2)[:, :21]
    labels = np.where(table[:, 44] == 1, "thumbs_up", "thumbs_down")
    return keypoints, labels


def test_features_treat_openpose_and_mediapipe_keypoints_alike(shared_data: Path) -> None:
    """OpenPose gives whole pixels in a 224 px frame, MediaPipe fractions of pixels in a
    1280x720 one: the same hand at another size and place must give the same features."""
    from gestured.recognition.features import FEATURE_SIZE, batch_features, hand_features

    keypoints, _ = prototype_keypoints(shared_data)
    sample = keypoints[::50]
    features = batch_features(sample)
    assert features.shape == (len(sample), FEATURE_SIZE)
    assert np.isfinite(features).all() and np.all(np.abs(features).sum(axis=1) > 0)
    elsewhere = sample * 3.7 + np.array([512.25, 233.5])
    np.testing.assert_allclose(batch_features(elsewhere), features, atol=1e-4)
    np.testing.assert_allclose(hand_features(sample[0]), features[0], atol=1e-6)


def test_shipped_classifier_on_the_prototypes_openpose_keypoints(shared_data: Path) -> None:
    """Thumbs up vs down on real OpenPose keypoints, with the model trained on MediaPipe's."""
    from gestured.errors import GesturedError
    from gestured.paths import shipped_models_dir
    from gestured.recognition.classifier import load_classifier
    from gestured.recognition.features import batch_features

    if not (shipped_models_dir() / "gestures.npz").is_file():
        pytest.skip(f"no shipped classifier in {shipped_models_dir()}")
    try:
        classifier = load_classifier()
    except GesturedError as error:
        pytest.skip(f"shipped classifier unreadable: {error}")
    keypoints, labels = prototype_keypoints(shared_data)
    probabilities = classifier.predict_proba(batch_features(keypoints))
    up, down = classifier.labels.index("thumbs_up"), classifier.labels.index("thumbs_down")
    predicted = np.where(probabilities[:, up] > probabilities[:, down], "thumbs_up", "thumbs_down")
    accuracy = float((predicted == labels).mean())
    assert accuracy >= OPENPOSE_THUMBS_ACCURACY_BAR, f"thumbs up/down accuracy {accuracy:.3f}"


def test_mirrored_reaches_openpose_too(tiny_net: tuple[Path, Path]) -> None:
    """`mirrored: true` with `backend: openpose` turns keypoints and hands back (it used to be
    swallowed by the backend's catch-all keyword arguments)."""
    prototxt, weights = tiny_net
    options = OpenPoseOptions(prototxt=prototxt, weights=weights, region="full", stage=1)
    frame = blob_frame()
    width = frame.shape[1]
    plain = create_backend("openpose", mode="image", offline=True, options=options)
    mirrored = create_backend("openpose", mode="image", offline=True, mirrored=True, options=options)
    try:
        [seen], [turned] = plain.detect(frame), mirrored.detect(frame)
    finally:
        plain.close()
        mirrored.close()
    np.testing.assert_allclose(turned.keypoints[:, 0], width - seen.keypoints[:, 0], atol=1e-4)
    np.testing.assert_allclose(turned.keypoints[:, 1], seen.keypoints[:, 1])
    np.testing.assert_allclose(turned.normalized[:, 0], 1.0 - seen.normalized[:, 0], atol=1e-6)


def test_a_mirrored_hand_swaps_sides_and_flips_x() -> None:
    keypoints = np.column_stack([np.arange(21) * 3.0, np.arange(21) * 2.0])
    hand = Hand.from_pixels(keypoints, (100, 80), handedness="right")
    turned = hand.mirrored(100)
    assert turned.handedness == "left" and turned.mirrored(100).handedness == "right"
    np.testing.assert_allclose(turned.keypoints[:, 0], 100 - keypoints[:, 0])
    np.testing.assert_allclose(turned.normalized[:, 0], 1.0 - hand.normalized[:, 0])
    assert Hand.from_pixels(keypoints, (100, 80)).mirrored(100).handedness == "unknown"
