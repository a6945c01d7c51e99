"""Write a Caffe `.caffemodel` for a given prototxt, with random (or chosen) weights.

The real OpenPose hand weights can't be downloaded on the machines that run the tests, but
OpenCV only needs a binary `NetParameter` whose layers carry blobs of the right shapes. This
module parses the prototxt's text format by hand (just enough of it: blocks, `key: value`
pairs and `#` comments), follows the graph to learn each Convolution's input channels, and
encodes the protobuf wire format by hand, so the tests need no protobuf package:

    NetParameter: field 100 = layer (LayerParameter), repeated
    LayerParameter: 1 name (string), 2 type (string), 7 blobs (BlobProto), repeated
    BlobProto: 7 shape (BlobShape), 5 data (packed float32)
    BlobShape: 1 dim (packed int64)

Convolution weights get shape (num_output, input_channels / group, kernel_h, kernel_w) and
biases (num_output,); random values are Gaussian with variance 1 / fan_in, so activations stay
finite through the real 6-stage net.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

_TOKEN = re.compile(r'\s*(?:#[^\n]*|("(?:[^"\\]|\\.)*")|([{}:])|([^\s{}:#"]+))')


def _tokens(text: str) -> list[str]:
    tokens = []
    for match in _TOKEN.finditer(text):
        token = match.group(1) or match.group(2) or match.group(3)
        if token:
            tokens.append(token)
    return tokens


def _scalar(token: str) -> Any:
    if token.startswith('"'):
        return token[1:-1]
    for convert in (int, float):
        try:
            return convert(token)
        except ValueError:
            pass
    return token  # an enum word such as MAX


def parse_prototxt(text: str) -> dict[str, list[Any]]:
    """The protobuf text format as nested dicts: every key maps to the list of its values.

    Raises ValueError on unbalanced braces or a key without a value.
    """
    tokens = _tokens(text)
    position = 0

    def block() -> dict[str, list[Any]]:
        nonlocal position
        fields: dict[str, list[Any]] = {}
        while position < len(tokens) and tokens[position] != "}":
            key = tokens[position]
            position += 1
            if position < len(tokens) and tokens[position] == ":":
                position += 1
            if position >= len(tokens):
                raise ValueError(f"prototxt ends after key {key!r}")
            if tokens[position] == "{":
                position += 1
                value: Any = block()
                if position >= len(tokens) or tokens[position] != "}":
                    raise ValueError(f"unclosed block {key!r}")
                position += 1
            else:
                value = _scalar(tokens[position])
                position += 1
            fields.setdefault(key, []).append(value)
        return fields

    fields = block()
    if position != len(tokens):
        raise ValueError("unbalanced '}' in prototxt")
    return fields


@dataclass(frozen=True)
class ConvolutionSpec:
    name: str
    weight_shape: tuple[int, int, int, int]
    bias: bool


def _input_channels(net: Mapping[str, list[Any]]) -> dict[str, int]:
    channels: dict[str, int] = {}
    if "input" in net and "input_dim" in net:
        channels[net["input"][0]] = int(net["input_dim"][1])
    for shape in net.get("input_shape", []):
        channels[net["input"][0]] = int(shape["dim"][1])
    return channels


def convolutions(prototxt_text: str) -> list[ConvolutionSpec]:
    """The Convolution layers of a prototxt with their weight shapes, in file order.

    Input channels come from the graph: the net's input declaration or Input layers, then
    each layer's bottoms (Concat sums its bottoms, Convolution sets num_output, every other
    layer type keeps its first bottom's channels). Raises KeyError for an unknown bottom.
    """
    net = parse_prototxt(prototxt_text)
    channels = _input_channels(net)
    specs = []
    for layer in net.get("layer", []):
        kind = layer["type"][0]
        bottoms = [channels[bottom] for bottom in layer.get("bottom", [])]
        if kind == "Input":
            out = int(layer["input_param"][0]["shape"][0]["dim"][1])
        elif kind == "Concat":
            out = sum(bottoms)
        elif kind == "Convolution":
            param = layer["convolution_param"][0]
            out = int(param["num_output"][0])
            kernel = param.get("kernel_size", [None])[0]
            kernel_h = int(param.get("kernel_h", [kernel])[0])
            kernel_w = int(param.get("kernel_w", [kernel])[0])
            group = int(param.get("group", [1])[0])
            bias = str(param.get("bias_term", ["true"])[0]).lower() != "false"
            shape = (out, bottoms[0] // group, kernel_h, kernel_w)
            specs.append(ConvolutionSpec(layer["name"][0], shape, bias))
        else:
            out = bottoms[0]
        for top in layer.get("top", []):
            channels[top] = out
    return specs


def _varint(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def encode_blob(values: np.ndarray) -> bytes:
    """BlobProto with shape (field 7: BlobShape, packed int64 dims) and packed float data (5)."""
    dims = b"".join(_varint(int(dim)) for dim in values.shape)
    shape = _field(1, dims)
    data = np.ascontiguousarray(values, dtype="<f4").tobytes()
    return _field(7, shape) + _field(5, data)


def encode_layer(name: str, kind: str, blobs: list[np.ndarray]) -> bytes:
    """LayerParameter: 1 name, 2 type, 7 blobs."""
    payload = _field(1, name.encode()) + _field(2, kind.encode())
    return payload + b"".join(_field(7, encode_blob(blob)) for blob in blobs)


# pose_iter_102000.caffemodel, the real weights; `gestured models verify` checks this size.
REAL_WEIGHTS_SIZE = 147_344_024


def _name_field(layers_size: int, total_size: int | None) -> bytes:
    """NetParameter's name (field 1), padded with spaces so the file is `total_size` bytes."""
    name = b"random-weights"
    if total_size is None:
        return _field(1, name)
    budget = total_size - layers_size  # key byte + length varint + payload
    for length_bytes in range(1, 6):
        payload = budget - 1 - length_bytes
        if payload >= len(name) and len(_varint(payload)) == length_bytes:
            return _field(1, name.ljust(payload))
    raise ValueError(f"cannot pad {layers_size} bytes of layers to {total_size}")


def write_caffemodel(
    prototxt: str | Path,
    output: str | Path,
    *,
    seed: int = 0,
    weights: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
    total_size: int | None = None,
) -> Path:
    """Write `output` with a blob pair for every Convolution in `prototxt`.

    weights: layer name -> (weight, bias) to use instead of random values (shapes must match).
    total_size: pad the net's name so the file has exactly this many bytes (REAL_WEIGHTS_SIZE
    makes random weights pass the model store's size check for the real ones).
    Returns the output path. Raises ValueError when a given weight has the wrong shape, names
    a layer the prototxt lacks, or the layers alone exceed total_size.
    """
    chosen = dict(weights or {})
    generator = np.random.default_rng(seed)
    layers = []
    for spec in convolutions(Path(prototxt).read_text(encoding="utf-8")):
        if spec.name in chosen:
            weight, bias = (np.asarray(array, dtype=np.float32) for array in chosen.pop(spec.name))
            if weight.shape != spec.weight_shape or bias.shape != spec.weight_shape[:1]:
                raise ValueError(f"{spec.name}: expected weight {spec.weight_shape}, got {weight.shape}")
        else:
            fan_in = int(np.prod(spec.weight_shape[1:]))
            weight = generator.standard_normal(spec.weight_shape, dtype=np.float32)
            weight *= np.float32(1.0 / np.sqrt(fan_in))
            bias = np.zeros(spec.weight_shape[0], dtype=np.float32)
        blobs = [weight, bias] if spec.bias else [weight]
        layers.append(_field(100, encode_layer(spec.name, "Convolution", blobs)))
    if chosen:
        raise ValueError(f"no Convolution layer named {sorted(chosen)} in {prototxt}")
    name = _name_field(sum(len(layer) for layer in layers), total_size)
    output = Path(output)
    with output.open("wb") as stream:
        stream.write(name)
        for layer in layers:
            stream.write(layer)
    return output


# A two-stage stand-in for the OpenPose hand net, small enough for unit tests: three 2x2
# average poolings (stride 8, like the real net), a 1x1 "conv6_2_CPM" (stage 1) and a 1x1
# "Mconv7_stage2" over stage 1 and the pooled image (stage 2, the last output).
TINY_PROTOTXT = """\
input: "image"
input_dim: 1
input_dim: 3
input_dim: 1
input_dim: 1
layer { name: "pool1_stage1" type: "Pooling" bottom: "image" top: "pool1_stage1"
        pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "pool2_stage1" type: "Pooling" bottom: "pool1_stage1" top: "pool2_stage1"
        pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "pool3_stage1" type: "Pooling" bottom: "pool2_stage1" top: "pool3_stage1"
        pooling_param { pool: AVE kernel_size: 2 stride: 2 } }
layer { name: "conv6_2_CPM" type: "Convolution" bottom: "pool3_stage1" top: "conv6_2_CPM"
        convolution_param { num_output: 22 pad: 0 kernel_size: 1 } }
layer { name: "concat_stage2" type: "Concat" bottom: "conv6_2_CPM" bottom: "pool3_stage1"
        top: "concat_stage2" concat_param { axis: 1 } }
layer { name: "Mconv7_stage2" type: "Convolution" bottom: "concat_stage2" top: "Mconv7_stage2"
        convolution_param { num_output: 22 pad: 0 kernel_size: 1 } }
"""


def tiny_colour_weights() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Weights that make the tiny net's heatmaps the pooled image, one colour per keypoint.

    Stage 1: heatmap k is colour channel k % 3 (B, G, R) of the input, shifted so that black
    (OpenPose's normalisation makes it -0.5) is 0 and full colour is ~1. Stage 2: heatmap k
    is stage 1's heatmap (k + 1) % 22, so a test can tell which stage it read.
    """
    stage1 = np.zeros((22, 3, 1, 1), dtype=np.float32)
    stage1[np.arange(22), np.arange(22) % 3] = 1.0
    stage2 = np.zeros((22, 25, 1, 1), dtype=np.float32)
    stage2[np.arange(22), (np.arange(22) + 1) % 22] = 1.0
    return {
        "conv6_2_CPM": (stage1, np.full(22, 0.5, dtype=np.float32)),
        "Mconv7_stage2": (stage2, np.zeros(22, dtype=np.float32)),
    }
