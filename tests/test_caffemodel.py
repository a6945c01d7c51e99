"""The random-weights caffemodel writer the OpenPose tests and benchmark rely on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.caffemodel import (
    TINY_PROTOTXT,
    _varint,
    convolutions,
    encode_blob,
    parse_prototxt,
    tiny_colour_weights,
    write_caffemodel,
)


def test_prototxt_text_format_parses_nested_blocks_and_comments() -> None:
    parsed = parse_prototxt('input: "image"  # the input\ninput_dim: 1\nlayer { name: "a" p { k: 3 s: 2.5 x: MAX } }')
    assert parsed["input"] == ["image"] and parsed["input_dim"] == [1]
    assert parsed["layer"][0]["p"][0] == {"k": [3], "s": [2.5], "x": ["MAX"]}
    with pytest.raises(ValueError):
        parse_prototxt("layer { name: 'a'")
    with pytest.raises(ValueError):
        parse_prototxt("a: 1 }")


def test_input_channels_follow_the_graph_through_concat() -> None:
    shapes = {spec.name: spec.weight_shape for spec in convolutions(TINY_PROTOTXT)}
    assert shapes == {"conv6_2_CPM": (22, 3, 1, 1), "Mconv7_stage2": (22, 25, 1, 1)}


def test_wire_format_of_a_blob() -> None:
    assert _varint(1) == b"\x01" and _varint(300) == b"\xac\x02"
    encoded = encode_blob(np.array([[1.5, -2.0]], dtype=np.float32))
    # field 7 (shape), length 4: field 1 packed dims [1, 2]; field 5, length 8: two floats
    assert encoded[:6] == bytes([7 << 3 | 2, 4, 1 << 3 | 2, 2, 1, 2])
    assert encoded[6:8] == bytes([5 << 3 | 2, 8])
    assert np.frombuffer(encoded[8:], "<f4").tolist() == [1.5, -2.0]


def test_opencv_reads_the_written_weights(tmp_path: Path) -> None:
    import cv2

    prototxt = tmp_path / "tiny.prototxt"
    prototxt.write_text(TINY_PROTOTXT, encoding="utf-8")
    weights = write_caffemodel(prototxt, tmp_path / "tiny.caffemodel", weights=tiny_colour_weights())
    net = cv2.dnn.readNetFromCaffe(str(prototxt), str(weights))
    image = np.zeros((1, 3, 16, 16), np.float32)
    image[0, 1] = 0.25  # green
    net.setInput(image)
    heatmaps = net.forward("conv6_2_CPM")[0]
    np.testing.assert_allclose(heatmaps[1], 0.75, atol=1e-6)  # channel 1 reads green, + 0.5
    np.testing.assert_allclose(heatmaps[0], 0.5, atol=1e-6)


def test_padding_to_an_exact_size_and_bad_weights(tmp_path: Path) -> None:
    prototxt = tmp_path / "tiny.prototxt"
    prototxt.write_text(TINY_PROTOTXT, encoding="utf-8")
    for size in (3000, 3333, 70_000):
        assert write_caffemodel(prototxt, tmp_path / "w", total_size=size).stat().st_size == size
    with pytest.raises(ValueError):
        write_caffemodel(prototxt, tmp_path / "w", total_size=100)
    with pytest.raises(ValueError, match="expected weight"):
        write_caffemodel(prototxt, tmp_path / "w", weights={"conv6_2_CPM": (np.zeros((1, 1, 1, 1)), np.zeros(1))})
    with pytest.raises(ValueError, match="no Convolution"):
        write_caffemodel(prototxt, tmp_path / "w", weights={"conv9": (np.zeros(1), np.zeros(1))})
