"""Issue 11 items 4, 11 and 13: model files, images, datasets, lock and output paths that
a hostile or unlucky user hands gestured, each on disk, each giving one clear line."""

from __future__ import annotations

import json
import logging
import resource
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from gestured.capture.images import read_image
from gestured.capture.sources import ImageFolderSource, SourceError, open_source
from gestured.errors import GesturedError
from gestured.recognition.classifier import GestureClassifier
from gestured.recognition.model_format import ModelFormatError, json_depth
from gestured.recognition.features import FEATURE_SIZE
from gestured.recognition.npz import npz_headers
from gestured.runtime.lock import InstanceLock
from gestured.training.mlp import train_classifier

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(30, FEATURE_SIZE)).astype(np.float32)
    labels = np.array(["a", "b", "none"] * 10)
    return train_classifier(features, labels, hidden_layers=(8,)).save(tmp_path_factory.mktemp("m") / "model")


def _npy_header(shape: tuple[int, ...]) -> bytes:
    header = repr({"descr": "<f4", "fortran_order": False, "shape": shape}).encode()
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header


def test_an_npz_declaring_a_huge_array_is_refused_from_its_header(tmp_path: Path, model: Path) -> None:
    npz = tmp_path / "model.npz"
    (tmp_path / "model.json").write_bytes(model.with_suffix(".json").read_bytes())
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED) as archive:
        with np.load(model.with_suffix(".npz")) as original:
            for name in original.files:
                if name != "weights_0":
                    archive.writestr(f"{name}.npy", _npy_header(original[name].shape) + original[name].tobytes())
        # 256 MiB of zeros compress to ~256 KB (2 GiB did to 2 MB): streamed, never held here.
        columns = 2**28 // (FEATURE_SIZE * 4)
        with archive.open("weights_0.npy", "w", force_zip64=True) as member:
            member.write(_npy_header((FEATURE_SIZE, columns)))
            remaining, zeros = FEATURE_SIZE * columns * 4, bytes(1 << 24)
            while remaining:
                member.write(zeros[:remaining])
                remaining -= min(remaining, len(zeros))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelFormatError, match=r"array weights_0 has shape \(\d+, \d+\), expected \(\d+, 8\)"):
        GestureClassifier.load(tmp_path / "model")
    assert (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024 < 100  # MB; it took them all


def test_a_header_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lie.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mean.npy", _npy_header((2**28,)) + bytes(16))
    with pytest.raises(ValueError, match="declares 1073741824 bytes of data but holds 16"):
        npz_headers(path)


def test_random_bytes_and_deep_json_give_truthful_lines(tmp_path: Path, model: Path) -> None:
    (tmp_path / "model.json").write_bytes(model.with_suffix(".json").read_bytes())
    (tmp_path / "model.npz").write_bytes(np.random.default_rng(1).bytes(4096))
    with pytest.raises(ModelFormatError, match="not an .npz archive") as raised:
        GestureClassifier.load(tmp_path / "model")
    assert "pickle" not in str(raised.value)
    (tmp_path / "model.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ModelFormatError, match="nested deeper than 32 levels"):
        GestureClassifier.load(tmp_path / "model")
    assert json_depth('{"a": "[[[[", "b": [[1]]}') == 3


def test_a_model_json_with_huge_layers_is_refused_before_the_arrays(tmp_path: Path, model: Path) -> None:
    description = json.loads(model.with_suffix(".json").read_text())
    description["layer_sizes"] = [FEATURE_SIZE, 10**9, description["layer_sizes"][-1]]
    (tmp_path / "model.json").write_text(json.dumps(description))
    with pytest.raises(ModelFormatError, match="more than 5,000,000 weights"):
        GestureClassifier.load(tmp_path / "model")


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header declares width x height (its pixel data is cut short: never decoded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(bytes(1000))) + chunk(b"IEND", b""))


def test_a_30000_px_png_is_skipped_before_decoding(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    _png_header_only(tmp_path / "0_bomb.png", 30000, 30000)
    cv2.imwrite(str(tmp_path / "1_ok.png"), np.full((960, 1280, 3), 128, np.uint8))
    _png_header_only(tmp_path / "2_big.png", 8000, 8000)
    source = ImageFolderSource(tmp_path, fit=(640, 480))
    with caplog.at_level(logging.WARNING):
        frames = list(source)
    assert [frame.index for frame in frames] == [1]
    assert frames[0].image.shape == (480, 640, 3)  # fitted as video frames are
    assert "2_big.png: 8000x8000 pixels is more than the 40 MP gestured reads; shrink it" in caplog.text
    assert "0_bomb.png: far more than the 40 MP gestured reads (Image size (900000000 pixels)" in caplog.text


def test_a_big_jpeg_is_decoded_at_a_reduced_scale(tmp_path: Path) -> None:
    path = tmp_path / "big.jpg"
    cv2.imwrite(str(path), np.full((1000, 2000, 3), 200, np.uint8))
    image = read_image(path, max_pixels=600_000)
    assert image is not None and image.shape == (500, 1000, 3)
    assert read_image(tmp_path / "big.jpg", max_pixels=10_000) is None  # even 1/8 is too big


def test_an_empty_source_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="the source is empty"):
        open_source("")


def test_a_lock_path_that_is_a_directory_or_cannot_be_made_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "gestured.lock").mkdir()
    with pytest.raises(GesturedError, match="cannot create the lock file .*Is a directory"):
        InstanceLock(tmp_path / "gestured.lock").acquire()
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(GesturedError, match="cannot create the lock file .*Not a directory.*XDG_RUNTIME_DIR"):
        InstanceLock(blocker / "gestured" / "gestured.lock").acquire()


def test_train_on_a_header_only_csv_is_one_line(tmp_path: Path) -> None:
    from gestured.training.dataset import Dataset, save_dataset

    empty = save_dataset(tmp_path / "empty.csv", Dataset.empty())
    result = subprocess.run([sys.executable, "-m", "gestured", "train", "--data", str(empty), "--out",
                             str(tmp_path / "model")], capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert result.stderr.strip() == f"gestured: error: no samples in {empty}: record some with `gestured record`"


def test_record_refuses_an_unwritable_out_before_capturing(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = subprocess.run([sys.executable, "-m", "gestured", "record", "thumbs_up", "--source", str(tmp_path),
                             "--out", str(blocker / "sub")], capture_output=True, text=True, timeout=120,
                            cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert result.stderr.strip() == (f"gestured: error: --out {blocker / 'sub'}: cannot write there "
                                     "(Not a directory): give a folder you can write")


def test_an_unknown_camera_index_says_which_devices_exist() -> None:
    from gestured.capture.opening import device_hint

    assert device_hint("7", ["/dev/video0", "/dev/video1"]) == (
        "there is no /dev/video7 (cameras here: /dev/video0, /dev/video1); give another --source or `camera:`")
    assert device_hint("0", ["/dev/video0"]).startswith("/dev/video0 exists: is another program using it?")
    assert "no /dev/video* devices at all" in device_hint("3", [])
