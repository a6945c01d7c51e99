"""gestured.runtime.daemon end to end with fakes: scripted hands in, events and actions out."""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from typing import Callable, Iterator, Sequence

import numpy as np
import pytest

from gestured.config.settings import Binding, KeyAction, Settings, ShellAction
from gestured.output.actions import ActionExecutor, DryRunExecutor
from gestured.runtime.daemon import Daemon
from gestured.runtime.events import GestureEvent, event_writer
from gestured.capture.frames import Frame
from tests.fakes import FakeClassifier, FakeClock, ListSource, RecordingExecutor, ScriptedBackend, Seen

PLAY = KeyAction(("play_pause",))
THUMBS_UP = Seen("thumbs_up", 0.95, "right")


def settings(*bindings: Binding) -> Settings:
    return Settings(bindings=bindings or (Binding("thumbs_up", PLAY, hold=0.25, threshold=0.7, release=0.3),))


def make_daemon(script: Sequence[object], *, frames: int = 60, executor: object | None = None,
                bindings: Settings | None = None, on_event: Callable[[GestureEvent], None] | None = None,
                **options: object) -> tuple[Daemon, list[GestureEvent]]:
    events: list[GestureEvent] = []
    source = ListSource(frames, fps=30.0)
    daemon = Daemon(
        open_source=lambda: source,
        backend=ScriptedBackend(script),  # type: ignore[arg-type]
        classifier=FakeClassifier(),  # type: ignore[arg-type]
        executor=executor or RecordingExecutor(),  # type: ignore[arg-type]
        settings=bindings or settings(),
        on_event=on_event or events.append,
        clock=FakeClock(),
        survive_errors=False,
        **options,  # type: ignore[arg-type]
    )
    return daemon, events


def test_held_thumbs_up_fires_once_with_its_event() -> None:
    executor = RecordingExecutor()
    script = [Seen("none")] * 10 + [THUMBS_UP] * 30 + [None] * 20
    daemon, events = make_daemon(script, executor=executor)
    assert daemon.run() == 0
    assert executor.actions == [PLAY] and executor.closed
    assert len(events) == 1
    event = events[0]
    # First thumbs up at frame 10; 0.25 s later at 30 fps is frame 17.5, so frame 18 fires.
    assert (event.gesture, event.hand, event.frame, event.action, event.executed) == (
        "thumbs_up", "right", 18, "key play_pause", True)
    assert event.t == pytest.approx(0.6) and event.held == pytest.approx(8 / 30)
    assert event.confidence == pytest.approx(0.95)
    assert daemon.frames_processed == 60


def test_backend_gets_increasing_millisecond_timestamps() -> None:
    daemon, _ = make_daemon([None] * 5, frames=5)
    daemon.run()
    assert daemon.backend.timestamps == [0, 33, 66, 100, 133]  # type: ignore[attr-defined]


def test_json_and_text_event_lines() -> None:
    stream = io.StringIO()
    daemon, _ = make_daemon([THUMBS_UP] * 20, frames=20, executor=DryRunExecutor(),
                            on_event=event_writer(as_json=True, stream=stream))
    daemon.run()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record == {"gesture": "thumbs_up", "confidence": 0.95, "hand": "right", "t": 0.2667, "frame": 8,
                      "action": "key play_pause", "executed": False, "held": 0.2667, "repeat": False,
                      "app": None, "reason": "dry_run"}
    event = GestureEvent(**{**record, "t": 12.5})
    assert event.to_text() == "  12.50s frame 8: thumbs_up (right, 0.95) -> dry run: would press play_pause"


def test_dry_run_logs_what_it_would_do(caplog: pytest.LogCaptureFixture) -> None:
    daemon, events = make_daemon([THUMBS_UP] * 20, frames=20, executor=DryRunExecutor())
    with caplog.at_level(logging.INFO, logger="gestured.runtime"):
        daemon.run()
    assert [event.executed for event in events] == [False]
    assert "dry run: would press play_pause for thumbs_up (right, 0.95)" in caplog.text


def test_max_frames_stops_early_and_releases_everything() -> None:
    daemon, _ = make_daemon([None] * 60, max_frames=7)
    daemon.run()
    assert daemon.frames_processed == 7
    assert daemon._source is None  # closed


def test_hung_command_is_killed_while_frames_keep_flowing(caplog: pytest.LogCaptureFixture) -> None:
    detect_times: list[float] = []

    class SlowBackend(ScriptedBackend):
        def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list:
            detect_times.append(time.monotonic())
            time.sleep(0.005)
            return super().detect(frame_bgr, timestamp_ms)

    hang = Binding("thumbs_up", ShellAction(("sleep", "30"), timeout=0.5), hold=0.1, threshold=0.7, release=0.3)
    events: list[GestureEvent] = []
    source = ListSource(150, fps=30.0)
    daemon = Daemon(open_source=lambda: source, backend=SlowBackend([THUMBS_UP] * 10),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=ActionExecutor(),  # type: ignore[arg-type]
                    settings=settings(hang), on_event=lambda event: events.append((time.monotonic(), event)),
                    survive_errors=False)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="gestured.output.actions"):
        daemon.run()
    fired_at = events[0][0]
    assert len(events) == 1
    # Frames kept flowing while the command hung (a blocked loop would process none in its 0.5 s).
    assert sum(1 for moment in detect_times if fired_at < moment < fired_at + 0.45) > 10
    assert "killed after its 0.5 s timeout" in caplog.text
    assert time.monotonic() - started < 5.0  # run() waited for the kill, not for sleep 30


class FakeReloader:
    def __init__(self) -> None:
        self.pending: Settings | None = None
        self.reloads = 0
        self.closed = False

    def poll(self) -> Settings | None:
        pending, self.pending = self.pending, None
        return pending

    def reload_now(self) -> None:
        self.reloads += 1

    def close(self) -> None:
        self.closed = True


def test_new_bindings_apply_between_frames() -> None:
    reloader = FakeReloader()
    fist = Binding("fist", KeyAction(("volume_up",)), hold=0.1, threshold=0.7, release=0.3)
    script = [Seen("fist")] * 10 + [None] * 5 + [Seen("fist")] * 10

    class ReloadAtFrame12(ScriptedBackend):
        def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list:
            if len(self.timestamps) == 12:
                reloader.pending = settings(fist)
            return super().detect(frame_bgr, timestamp_ms)

    events: list[GestureEvent] = []
    source = ListSource(25)
    daemon = Daemon(open_source=lambda: source, backend=ReloadAtFrame12(script),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=RecordingExecutor(),  # type: ignore[arg-type]
                    settings=settings(), on_event=events.append, reloader=reloader, survive_errors=False)
    daemon.run()
    # The first fist hold (frames 0-9) had no binding; after the reload the second one fires.
    assert [(event.gesture, event.frame) for event in events] == [("fist", 18)]
    daemon.request_reload()
    daemon._apply_settings_updates()
    assert reloader.reloads == 1


def test_pause_releases_a_live_source_and_resume_opens_a_new_one(caplog: pytest.LogCaptureFixture) -> None:
    sources: list[ListSource] = []

    def open_live() -> ListSource:
        sources.append(ListSource(1000, is_live=True, name=f"camera {len(sources)}"))
        return sources[-1]

    class PauseAtFrame5(ScriptedBackend):
        def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list:
            if len(self.timestamps) == 5:
                daemon.toggle_pause()  # as SIGUSR1 would
                threading.Timer(0.3, daemon.toggle_pause).start()
            return super().detect(frame_bgr, timestamp_ms)

    daemon = Daemon(open_source=open_live, backend=PauseAtFrame5([]),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=RecordingExecutor(),  # type: ignore[arg-type]
                    settings=settings(), on_event=lambda event: None, max_frames=20, survive_errors=False)
    with caplog.at_level(logging.INFO, logger="gestured.runtime"):
        daemon.run()
    assert len(sources) == 2
    assert sources[0].interrupted.is_set() and sources[0].closed == 1 and sources[1].closed == 1
    assert "paused (SIGUSR1 resumes); camera released" in caplog.text and "resumed" in caplog.text
    assert daemon.frames_processed == 20


def test_stop_from_another_thread_ends_a_live_run() -> None:
    source = ListSource(100_000, is_live=True)
    daemon = Daemon(open_source=lambda: source, backend=ScriptedBackend([]),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=RecordingExecutor(),  # type: ignore[arg-type]
                    settings=settings(), on_event=lambda event: None)
    threading.Timer(0.2, daemon.stop).start()
    assert daemon.run() == 0
    assert source.closed == 1 and daemon.frames_processed < 100_000


def test_a_failing_frame_is_logged_and_the_loop_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    class FlakyBackend(ScriptedBackend):
        def detect(self, frame_bgr: np.ndarray, timestamp_ms: int | None = None) -> list:
            if len(self.timestamps) in (3, 4):
                self.timestamps.append(timestamp_ms)
                raise RuntimeError("bad frame")
            return super().detect(frame_bgr, timestamp_ms)

    daemon, events = make_daemon([None] * 5 + [THUMBS_UP] * 15, frames=20)
    daemon.pipeline.backend = FlakyBackend(daemon.backend.script)  # type: ignore[attr-defined]
    daemon.survive_errors = True
    with caplog.at_level(logging.ERROR, logger="gestured.runtime"):
        daemon.run()
    assert len(events) == 1
    failures = [record for record in caplog.records if "failed" in record.getMessage()]
    assert len(failures) == 1 and failures[0].exc_info is not None  # the second is rate-limited
    daemon, _ = make_daemon([None] * 5, frames=5)
    daemon.pipeline.backend = FlakyBackend([])  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="bad frame"):  # tests see the bug
        daemon.run()


def test_gate_skips_the_backend() -> None:
    class EveryOtherFrame:
        camera_fps = None

        def __init__(self) -> None:
            self.reports: list[tuple[float, bool]] = []

        def wants_frame(self, now: float) -> bool:
            raise AssertionError("ListSource skips no frames: it must never ask the filter")

        def awake(self, now: float) -> bool:
            return True

        def should_run(self, frame_bgr: np.ndarray, now: float) -> bool:
            return round(now * 30) % 2 == 0

        def report(self, now: float, hand_seen: bool) -> None:
            self.reports.append((now, hand_seen))

    gate = EveryOtherFrame()
    daemon, _ = make_daemon([THUMBS_UP] * 10, frames=10, gate=gate)
    daemon.run()
    assert len(daemon.backend.timestamps) == 5  # type: ignore[attr-defined]
    assert [seen for _, seen in gate.reports] == [True] * 5


def test_per_frame_debug_lines_are_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    daemon, _ = make_daemon([THUMBS_UP] * 30, frames=30)
    with caplog.at_level(logging.DEBUG, logger="gestured.runtime"):
        daemon.run()  # the fake clock never moves: one frame line only
    frame_lines = [record for record in caplog.records if record.getMessage().startswith("frame ")]
    assert len(frame_lines) == 1 and frame_lines[0].levelno == logging.DEBUG


def test_gate_filter_is_installed_on_sources_that_can_skip_decoding() -> None:
    class FilteringSource(ListSource):
        def __init__(self) -> None:
            super().__init__(10)
            self.want = None

        def set_frame_filter(self, want: object) -> None:
            self.want = want

        def __iter__(self):  # type: ignore[no-untyped-def]
            return (frame for frame in super().__iter__() if self.want(frame.timestamp))

    class EveryThirdFrame:
        camera_fps = None

        def wants_frame(self, now: float) -> bool:
            return round(now * 30) % 3 == 0

        def awake(self, now: float) -> bool:
            return True

        def should_run(self, frame_bgr: np.ndarray, now: float) -> bool:
            return True

        def report(self, now: float, hand_seen: bool) -> None:
            pass

    source = FilteringSource()
    daemon = Daemon(open_source=lambda: source, backend=ScriptedBackend([]),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=RecordingExecutor(),  # type: ignore[arg-type]
                    settings=settings(), on_event=lambda event: None, gate=EveryThirdFrame(),
                    survive_errors=False)
    daemon.run()
    assert daemon.backend.timestamps == [0, 100, 200, 300]  # type: ignore[attr-defined]


def test_a_new_model_in_the_configuration_is_used_without_a_restart(caplog: pytest.LogCaptureFixture) -> None:
    from dataclasses import replace

    from gestured.recognition.model_format import ModelFormatError

    custom = FakeClassifier()
    loaded: list[str | None] = []

    def load(model: str | None) -> FakeClassifier:
        loaded.append(model)
        if model == "broken":
            raise ModelFormatError("model broken.json: not a model; retrain it with `gestured train`")
        return custom

    daemon, _ = make_daemon([], load_classifier=load)
    shipped = daemon.classifier
    caplog.set_level(logging.INFO, logger="gestured.runtime")
    daemon.apply_settings(replace(settings(), model="broken"))
    assert daemon.classifier is shipped
    assert "not a model; retrain it with `gestured train`; still using the previous model" in caplog.text
    daemon.apply_settings(replace(settings(), model="mine"))
    assert daemon.classifier is custom and loaded == ["broken", "mine"]
    assert "now classifying with mine" in caplog.text


def test_without_a_model_loader_a_model_change_asks_for_a_restart(caplog: pytest.LogCaptureFixture) -> None:
    from dataclasses import replace

    daemon, _ = make_daemon([])
    shipped = daemon.classifier
    daemon.apply_settings(replace(settings(), model="mine", camera="2"))
    assert daemon.classifier is shipped
    assert "model changed in the configuration: restart gestured to apply it" in caplog.text
    assert "camera changed in the configuration: restart gestured to apply it" in caplog.text


def test_landmarker_rate_skips_frames_until_a_gesture_forms_and_the_hold_is_on_time() -> None:
    from gestured.runtime.rate import LandmarkerRate

    script = [Seen("none")] * 10 + [THUMBS_UP] * 40  # by call: ten runs of a hand doing nothing
    daemon, events = make_daemon(script, frames=60, rate=LandmarkerRate(reduced_fps=10.0))
    daemon.run()
    timestamps = daemon.backend.timestamps  # type: ignore[attr-defined]
    assert timestamps[:11] == [int(frame / 30 * 1000) for frame in range(0, 31, 3)]  # 10 runs a second
    # The thumbs up shows on the run at frame 30: every frame from there, and it fires 0.25 s
    # later (frame 37.5, so 38), as at the full rate.
    assert timestamps[11:19] == [int(frame / 30 * 1000) for frame in range(31, 39)]
    assert [event.frame for event in events] == [38]


def test_restart_is_asked_only_while_the_file_differs_from_what_runs(caplog: pytest.LogCaptureFixture) -> None:
    from dataclasses import replace

    daemon, _ = make_daemon([])
    running = daemon.settings
    caplog.set_level(logging.INFO, logger="gestured.runtime")
    for backend in ("openpose", "openpose", "mediapipe", "mediapipe"):
        daemon.apply_settings(replace(running, backend=backend))
    messages = [record.getMessage() for record in caplog.records if "backend" in record.getMessage()]
    assert messages == ["backend changed in the configuration: restart gestured to apply it",
                        "backend is back to the running value: no restart needed"]


class WaitingCamera(ListSource):
    """A live source that delivers its frames, then none (a camera being waited for) until interrupted."""

    def __iter__(self) -> Iterator[Frame]:
        yield from super().__iter__()
        self.interrupted.wait(10.0)


@pytest.mark.parametrize("how, frames, expected", [("cancel", 0, 130), ("stop", 0, 0), ("cancel", 3, 0)])
def test_ctrl_c_before_any_frame_is_a_failure(how: str, frames: int, expected: int,
                                              caplog: pytest.LogCaptureFixture) -> None:
    source = WaitingCamera(frames, is_live=True, name="camera 0")
    daemon = Daemon(open_source=lambda: source, backend=ScriptedBackend([None] * frames),  # type: ignore[arg-type]
                    classifier=FakeClassifier(), executor=RecordingExecutor(),  # type: ignore[arg-type]
                    settings=settings(), on_event=lambda event: None)
    threading.Timer(0.3, getattr(daemon, how)).start()  # SIGINT -> cancel, SIGTERM -> stop
    with caplog.at_level(logging.INFO, logger="gestured.runtime"):
        assert daemon.run() == expected
    assert daemon.frames_processed == frames
    assert ("stopped by Ctrl-C before any frame arrived from camera 0" in caplog.text) == bool(expected)


class RecordingPreview:
    def __init__(self) -> None:
        self.frames = 0
        self.ended: list[str] = []

    def show(self, frame: Frame, hands: object, observations: object, events: object, blocked: object = ()) -> bool:
        self.frames += 1
        return True

    def end(self, message: str) -> None:
        self.ended.append(message)

    def close(self) -> None:
        pass


def test_the_preview_is_held_at_the_end_of_a_file_not_when_stopped() -> None:
    preview = RecordingPreview()
    daemon, _ = make_daemon([None] * 5, frames=5, preview=preview)
    daemon.run()
    assert preview.frames == 5 and preview.ended == ["end of list: press any key to close"]
    preview = RecordingPreview()
    daemon, _ = make_daemon([None] * 5, frames=5, preview=preview, max_frames=3)
    daemon.run()
    assert preview.frames == 3 and preview.ended == []
