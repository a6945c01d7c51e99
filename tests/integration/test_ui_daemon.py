"""`ui: {enabled: true}`: the running daemon serves the page (real subprocess, real MediaPipe)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the ui extra is not installed: pip install '.[ui]'")
pytestmark = pytest.mark.slow


def test_the_daemon_serves_the_page_when_the_config_asks(tmp_path: Path, shared_data: Path,
                                                        landmarker_model: Path) -> None:
    config = tmp_path / "gestures.yaml"
    config.write_text("ui:\n  enabled: true\n  port: 0\nbindings:\n  thumbs_up: {key: play_pause}\n")
    config.chmod(0o600)
    env = {**os.environ, "GESTURED_MODEL_DIR": str(landmarker_model.parent), "XDG_RUNTIME_DIR": str(tmp_path),
           "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "gestured", "run", "--dry-run", "--realtime", "--offline", "--config",
               str(config), "--source", str(shared_data / "videos" / "demo.mp4")]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", line)
        assert url, line
        base, token = url.group().split("/?token=")
        with urllib.request.urlopen(f"{base}/api/state?token={token}", timeout=10) as response:
            state = json.loads(response.read())
        assert [binding["gesture"] for binding in state["bindings"]["bindings"]] == ["thumbs_up"]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/state?token=wrong", timeout=10)
        assert refused.value.code == 403
        rest = process.stdout.read().decode()
        assert process.wait(60) == 0
        assert "thumbs_up" in rest  # the daemon ran as usual beside the page
    finally:
        process.kill()
        process.wait()
