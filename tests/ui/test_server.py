"""Every endpoint of the page, including each refusal, on real files."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

from gestured.training.dataset import load_dataset
from tests.fakes import Seen, scripted_hand
from tests.ui.conftest import ORIGIN, PORT, TOKEN, post

WRITES = ["/api/bindings", "/api/bindings/remove", "/api/model", "/api/teach/start", "/api/teach/stop",
          "/api/teach/import", "/api/train"]
READS = ["/", "/static/app.js", "/static/style.css", "/api/state", "/api/frame.jpg", "/api/train/confusion.png"]


def publish(page, hands=(), index=0, timestamp=0.0):
    """One frame through a real Pipeline (the shipped classifier) with the page's feed subscribed."""
    from gestured.capture.frames import Frame
    from gestured.runtime.pipeline import Pipeline
    from tests.fakes import ScriptedBackend

    classifier = page.feed._classifier()
    pipeline = Pipeline(backend=ScriptedBackend([]), classifier=classifier, bindings=())
    pipeline.backend.detect = lambda image, stamp: list(hands)
    unsubscribe = pipeline.subscribe(page.feed.listen)
    pipeline.process(Frame(np.full((480, 640, 3), 90, dtype=np.uint8), timestamp, index))
    unsubscribe()


# ---- refusals ------------------------------------------------------------------
@pytest.mark.parametrize("path", READS + ["/api/stream", "/api/frame.mjpg"])
def test_every_read_without_the_token_is_refused(client, path):
    response = client.get(path)
    assert response.status_code == 403
    assert "token" in response.text


@pytest.mark.parametrize("path", READS)
def test_a_wrong_token_is_refused(client, path):
    assert client.get(path, params={"token": "guess"}).status_code == 403


@pytest.mark.parametrize("host", ["evil.example:8421", "127.0.0.1:9999", "localhost.evil.example:8421", ""])
def test_a_wrong_host_is_refused_even_with_the_token(client, host):
    response = client.get("/api/state", params={"token": TOKEN}, headers={"Host": host})
    assert response.status_code == 403
    assert "Host" in response.text


@pytest.mark.parametrize("origin", ["http://evil.example", "http://127.0.0.1:9999", "null", "https://127.0.0.1:8421"])
def test_a_wrong_origin_is_refused(client, origin):
    assert client.get("/api/state", params={"token": TOKEN}, headers={"Origin": origin}).status_code == 403
    assert post(client, "/api/teach/stop", Origin=origin).status_code == 403


@pytest.mark.parametrize("path", WRITES)
def test_a_get_on_a_state_change_is_refused(client, path):
    response = client.get(path, params={"token": TOKEN})
    assert response.status_code == 405


@pytest.mark.parametrize("path", WRITES)
def test_a_post_needs_the_token_in_its_header(client, path):
    response = client.post(path, params={"token": TOKEN}, json={}, headers={"Origin": ORIGIN})
    assert response.status_code == 403
    assert post(client, path, **{"X-Gestured-Token": "guess"}).status_code == 403


def test_localhost_and_ipv6_loopback_hosts_are_accepted(client):
    for host in (f"localhost:{PORT}", f"[::1]:{PORT}"):
        assert client.get("/api/state", params={"token": TOKEN}, headers={"Host": host}).status_code == 200


def test_a_post_body_that_is_not_a_json_object_is_refused(client):
    headers = {"X-Gestured-Token": TOKEN, "Content-Type": "application/json"}
    assert client.post("/api/bindings", content=b"{not json", headers=headers).status_code == 400
    assert client.post("/api/bindings", content=b"[1]", headers=headers).status_code == 400


# ---- reads -----------------------------------------------------------------------
def test_the_page_carries_its_token_and_forbids_outside_sources(client):
    response = client.get("/", params={"token": TOKEN})
    assert response.status_code == 200
    assert f"/static/app.js?token={TOKEN}" in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "http" not in response.text.replace("http-equiv", "")  # no outside asset at all


def test_static_files_are_served_and_others_are_not(client):
    script = client.get("/static/app.js", params={"token": TOKEN})
    assert script.status_code == 200 and "EventSource" in script.text
    assert client.get("/static/style.css", params={"token": TOKEN}).headers["content-type"].startswith("text/css")
    assert client.get("/static/..%2Fserver.py", params={"token": TOKEN}).status_code == 404
    assert client.get("/static/index.html", params={"token": TOKEN}).status_code == 404


def test_state_lists_bindings_labels_and_the_latest_hands(client, page):
    publish(page, [scripted_hand(Seen("thumbs_up"))], index=7)
    state = client.get("/api/state", params={"token": TOKEN}).json()
    assert [binding["gesture"] for binding in state["bindings"]["bindings"]][:2] == ["thumbs_up", "thumbs_down"]
    assert "thumbs_up" in state["live"]["labels"]
    hand = state["live"]["hands"][0]
    assert state["live"]["frame"] == 7
    assert set(hand["probabilities"]) == set(state["live"]["labels"])
    assert hand["gesture"] == max(hand["probabilities"], key=hand["probabilities"].get)
    assert abs(sum(hand["probabilities"].values()) - 1) < 0.01


def test_holds_show_the_bindings_being_held_with_their_hold_time():
    from gestured.config.settings import Binding, KeyAction
    from gestured.runtime.debounce import BindingStatus
    from gestured.ui.feed import holds_view

    binding = Binding("fist", KeyAction(("a",)), hold=0.25, threshold=0.7, release=0.3)
    statuses = [BindingStatus("fist", "any", True, 0.1834, False, seen=True),
                BindingStatus("ok", "any", False, 0.0, False)]
    assert holds_view(statuses, [binding]) == [{"gesture": "fist", "hand": "any", "held": 0.18, "hold": 0.25,
                                                "fired": False, "steady": True}]


def test_holds_show_a_moving_hand_and_arming():
    from gestured.config.settings import Binding, KeyAction
    from gestured.runtime.debounce import BindingStatus
    from gestured.ui.feed import holds_view

    binding = Binding("fist", KeyAction(("a",)), hold=0.25, threshold=0.7, release=0.3)
    moving = BindingStatus("fist", "any", False, 0.0, False, seen=True, steady=False, armed=False)
    assert holds_view([moving], [binding]) == [{"gesture": "fist", "hand": "any", "held": 0.0, "hold": 0.25,
                                               "fired": False, "steady": False, "armed": False}]


def test_frame_jpg_is_unavailable_before_the_first_frame_then_a_jpeg(client, page):
    assert client.get("/api/frame.jpg", params={"token": TOKEN}).status_code == 503
    publish(page, [scripted_hand(Seen("thumbs_up"))])
    response = client.get("/api/frame.jpg", params={"token": TOKEN})
    assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"


def test_the_stream_sends_live_state_and_fired_events(client, page):
    from gestured.runtime.events import GestureEvent

    event = GestureEvent("thumbs_up", 0.97, "right", 1.5, 30, "key play_pause", True)
    page.feed.publish(np.zeros((48, 64, 3), np.uint8), 1.5, 30, [], [])
    page.feed.record(event)
    with client.stream("GET", "/api/stream", params={"token": TOKEN}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        line = next(line for line in response.iter_lines() if line.startswith("data: "))
        page.stopping.set()
    message = json.loads(line.removeprefix("data: "))
    assert message["live"]["frame"] == 30
    assert message["events"][0]["gesture"] == "thumbs_up" and message["events"][0]["executed"] is True


def test_mjpeg_sends_jpeg_parts_while_counted_as_watched(client, page):
    publish(page, [scripted_hand(Seen("fist"))])
    assert not page.feed.watched
    with client.stream("GET", "/api/frame.mjpg", params={"token": TOKEN}) as response:
        assert response.headers["content-type"].startswith("multipart/x-mixed-replace")
        chunk = next(response.iter_bytes())
        assert page.feed.watched
        page.stopping.set()
    assert chunk.startswith(b"--frame") and b"\xff\xd8" in chunk


# ---- bindings ----------------------------------------------------------------------
def test_a_binding_is_saved_with_the_comments_kept(client, config_file):
    before = config_file.read_text()
    response = post(client, "/api/bindings", {"gesture": "thumbs_up", "action": "key", "value": "ctrl+alt+p",
                                              "hold": 0.4, "hand": "any"})
    assert response.json()["saved"] is True
    after = config_file.read_text()
    assert "thumbs_up:\n    key: ctrl+alt+p\n    hold: 0.4\n\n  thumbs_down:" in after
    comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
    assert comments == [line for line in after.splitlines() if line.lstrip().startswith("#")]
    assert oct(config_file.stat().st_mode & 0o777) == "0o600"


def test_a_bad_key_is_reported_on_its_field_with_file_and_line_and_nothing_is_written(client, config_file):
    before = config_file.read_text()
    response = post(client, "/api/bindings", {"gesture": "thumbs_up", "action": "key", "value": "ctrll+t"})
    problems = response.json()["problems"]
    assert response.json()["saved"] is False
    assert problems[0]["field"] == "key"
    assert problems[0]["text"].startswith(f"{config_file}:")
    assert "unknown key 'ctrll' (did you mean 'ctrl'?)" in problems[0]["text"]
    assert config_file.read_text() == before


def test_a_bad_threshold_lands_on_the_threshold_field(client):
    response = post(client, "/api/bindings", {"gesture": "fist", "action": "key", "value": "f5", "threshold": 3})
    assert [problem["field"] for problem in response.json()["problems"]] == ["threshold"]


def test_a_shell_action_needs_the_confirmation(client, config_file):
    form = {"gesture": "fist", "action": "shell", "value": "notify-send hi"}
    before = config_file.read_text()
    refused = post(client, "/api/bindings", form)
    assert refused.status_code == 409 and refused.json()["needs_confirmation"] is True
    assert config_file.read_text() == before
    assert post(client, "/api/bindings", {**form, "confirm_shell": True}).json()["saved"] is True
    assert "  fist:\n    shell: notify-send hi\n" in config_file.read_text()


def test_a_binding_is_removed(client, config_file):
    assert post(client, "/api/bindings/remove", {"gesture": "thumbs_down"}).json()["saved"] is True
    text = config_file.read_text()
    # gestures.yaml also names thumbs_down under `gestures:` (its per-gesture defaults).
    assert "thumbs_down" not in yaml.safe_load(text)["bindings"]
    assert "  point_left:            # the user's own left" in text


def test_an_unknown_gesture_is_refused(client):
    response = post(client, "/api/bindings", {"gesture": "peace", "action": "key", "value": "a"})
    assert "unknown gesture 'peace'" in response.json()["problems"][0]["text"]


def test_model_switch_is_validated_and_written(client, config_file, tmp_path):
    missing = post(client, "/api/model", {"model": str(tmp_path / "nothing")}).json()
    assert missing["saved"] is False and missing["problems"][0]["field"] == "model"
    assert post(client, "/api/model", {"model": 5}).status_code == 400
    assert post(client, "/api/model", {"model": None}).json()["saved"] is True
    assert "\nmodel: null " in config_file.read_text()


def test_editing_creates_the_user_file_from_the_documented_default(client, page, tmp_path):
    page.bindings.path = tmp_path / "new" / "gestures.yaml"
    assert post(client, "/api/bindings", {"gesture": "fist", "action": "key", "value": "f6"}).json()["saved"]
    assert "# gestures.yaml: what gestured does" in page.bindings.path.read_text()


# ---- teach and train ---------------------------------------------------------------
def test_live_recording_counts_samples_and_flags_frames_without_a_hand(client, page):
    assert post(client, "/api/teach/start", {"label": "bad name!"}).status_code == 400
    assert post(client, "/api/teach/start", {"label": "peace"}).json()["samples"] == 0
    assert post(client, "/api/teach/start", {"label": "peace"}).status_code == 400  # one at a time
    for index in range(4):
        publish(page, [scripted_hand(Seen("thumbs_up"))], index=index, timestamp=index * 0.2)
    publish(page, [], index=4, timestamp=0.8)
    take = client.get("/api/state", params={"token": TOKEN}).json()["teach"]["take"]
    assert take["samples"] == 4 and take["missed"] == 1 and take["bad_sample"] is True
    stopped = post(client, "/api/teach/stop").json()
    dataset = load_dataset(stopped["saved"])
    assert len(dataset) == 4 and set(dataset.labels) == {"peace"}
    assert Path(stopped["saved"]).parent == page.teacher.folder
    publish(page, [scripted_hand(Seen("thumbs_up"))], index=5, timestamp=1.0)
    assert page.teacher.status()["take"]["samples"] == 4  # no longer recording


def test_recording_from_a_folder_runs_in_the_background(client, page, tmp_path):
    import cv2

    folder = tmp_path / "photos"
    folder.mkdir()
    for number in range(3):
        cv2.imwrite(str(folder / f"{number}.png"), np.full((120, 160, 3), 100, np.uint8))
    assert post(client, "/api/teach/import", {"label": "peace", "path": str(tmp_path / "nope")}).status_code == 400
    assert post(client, "/api/teach/import", {"label": "peace", "path": str(folder)}).status_code == 200
    deadline = time.monotonic() + 20
    while not page.teacher.status()["take"]["done"] and time.monotonic() < deadline:
        time.sleep(0.05)
    take = page.teacher.status()["take"]
    assert take["samples"] == 3 and take["saved"] and take["error"] is None
    assert page.teacher.status()["files"] == [Path(take["saved"]).name]


def test_training_refuses_without_samples_then_trains_and_draws_the_confusion_matrix(client, page):
    pytest.importorskip("matplotlib", reason="the ui extra draws the confusion matrix with matplotlib")
    from gestured.commands.train import BUILTIN_DATASET
    from gestured.training.dataset import save_dataset
    from gestured.paths import shipped_models_dir

    assert post(client, "/api/train").status_code == 400
    builtin = load_dataset(shipped_models_dir() / BUILTIN_DATASET)
    fists = builtin.select(np.flatnonzero(builtin.labels == "fist")[:60])
    fists.labels = np.full(len(fists), "claw")
    save_dataset(page.teacher.folder / "claw-1.npz", fists)
    assert post(client, "/api/train").json()["state"] == "running"
    assert post(client, "/api/train").status_code == 400  # one at a time
    deadline = time.monotonic() + 300
    while page.trainer.status()["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    result = client.get("/api/state", params={"token": TOKEN}).json()["training"]
    assert result["state"] == "done", result["message"]
    assert "claw" in result["labels"] and 0 <= result["accuracy"] <= 1
    assert Path(f"{result['model']}.npz").is_file() and Path(f"{result['model']}.json").is_file()
    picture = client.get("/api/train/confusion.png", params={"token": TOKEN})
    assert picture.status_code == 200 and picture.content[:4] == b"\x89PNG"
    assert post(client, "/api/model", {"model": result["model"]}).json()["saved"] is True
    assert post(client, "/api/bindings", {"gesture": "claw", "action": "key", "value": "f7"}).json()["saved"]
