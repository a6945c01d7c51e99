"""gestured.runtime.updates: SIGHUP's request, a reloader that fails, restart notes, the model swap."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from gestured.config.settings import Settings
from gestured.errors import GesturedError
from gestured.runtime.updates import SettingsUpdates, next_classifier, restart_notes
from tests.fakes import FakeClassifier


class FlakyReloader:
    """Fails its first reload_now; poll hands out `pending` once."""

    def __init__(self) -> None:
        self.reloads = 0
        self.pending: Settings | None = None

    def reload_now(self) -> None:
        self.reloads += 1
        if self.reloads == 1:
            raise RuntimeError("disk on fire")
        self.pending = Settings(threshold=0.9)

    def poll(self) -> Settings | None:
        pending, self.pending = self.pending, None
        return pending

    def close(self) -> None:
        pass


def test_a_requested_reload_reads_once_and_a_failing_one_keeps_the_settings(caplog: pytest.LogCaptureFixture) -> None:
    reloader = FlakyReloader()
    updates = SettingsUpdates(reloader)
    assert updates.poll() is None and reloader.reloads == 0  # nothing asked: the file is not read
    updates.request()
    with caplog.at_level(logging.ERROR, logger="gestured.runtime.updates"):
        assert updates.poll() is None
    assert "reloading failed (RuntimeError: disk on fire); keeping the settings in use" in caplog.text
    updates.request()
    assert updates.poll() == Settings(threshold=0.9)
    assert updates.poll() is None and reloader.reloads == 2


def test_without_a_reloader_a_request_is_dropped() -> None:
    updates = SettingsUpdates(None)
    updates.request()
    assert updates.poll() is None


def test_restart_notes_warn_on_leaving_and_inform_on_returning(caplog: pytest.LogCaptureFixture) -> None:
    running = Settings()
    mirrored = replace(running, mirrored=True)
    with caplog.at_level(logging.INFO, logger="gestured.runtime.updates"):
        restart_notes(running, running, mirrored)
        restart_notes(running, mirrored, running)
        restart_notes(running, running, replace(running, threshold=0.9))  # applies without a restart
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        ("WARNING", "mirrored changed in the configuration: restart gestured to apply it"),
        ("INFO", "mirrored is back to the running value: no restart needed")]


def test_a_model_that_cannot_load_keeps_the_current_one(caplog: pytest.LogCaptureFixture) -> None:
    current, other = FakeClassifier(), FakeClassifier()

    def load(model: str | None) -> FakeClassifier:
        if model == "broken":
            raise GesturedError("broken.npz is not a model")
        return other

    with caplog.at_level(logging.INFO, logger="gestured.runtime.updates"):
        assert next_classifier(load, "broken", current) is current  # type: ignore[arg-type]
        assert next_classifier(load, "mine", current) is other  # type: ignore[arg-type]
    assert "broken.npz is not a model; still using the previous model" in caplog.text
    assert "now classifying with mine" in caplog.text
