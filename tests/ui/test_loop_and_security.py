"""The looped source and the pure security rules."""

from __future__ import annotations

import pytest

from gestured.ui.loop import LOOP_GAP, LoopedSource
from gestured.ui.security import Guard, host_names, is_loopback, is_wildcard
from tests.fakes import ListSource


def test_a_looped_source_plays_again_with_growing_timestamps_and_the_files_indices():
    opened: list[ListSource] = []

    def open_one() -> ListSource:
        opened.append(ListSource(3, fps=10))
        return opened[-1]

    source = LoopedSource(open_one)
    frames = []
    for frame in source:
        frames.append(frame)
        if len(frames) == 7:
            source.interrupt()
            break
    times = [frame.timestamp for frame in frames]
    assert times == sorted(times) and times[3] == pytest.approx(times[2] + LOOP_GAP)
    assert [frame.index for frame in frames] == [0, 1, 2, 0, 1, 2, 0]
    assert len(opened) == 3 and opened[0].closed == 1
    source.close()
    assert opened[-1].closed == 1
    assert not source.is_live


def test_a_looped_source_that_yields_nothing_ends():
    assert list(LoopedSource(lambda: ListSource(0, fps=10))) == []


@pytest.mark.parametrize("address, loopback", [("127.0.0.1", True), ("127.3.2.1", True), ("::1", True),
                                               ("localhost", True), ("0.0.0.0", False), ("192.168.1.5", False),
                                               ("example.org", False)])
def test_loopback_addresses(address, loopback):
    assert is_loopback(address) is loopback


def test_hosts_of_a_loopback_server_and_of_an_explicit_address():
    assert host_names("127.0.0.1", 80) == {"127.0.0.1:80", "localhost:80", "[::1]:80"}
    assert host_names("::1", 80) >= {"[::1]:80"}
    assert host_names("192.168.1.5", 80) == {"192.168.1.5:80"}


def test_the_guard_wants_the_token_in_a_header_for_a_post():
    guard = Guard("secret", host_names("127.0.0.1", 80))
    host = {"host": "127.0.0.1:80"}
    assert guard.refusal("GET", host, "secret", False) is None
    assert guard.refusal("POST", host, "secret", True)[0] == 403
    assert guard.refusal("POST", {**host, "x-gestured-token": "secret"}, None, True) is None
    assert guard.refusal("GET", {**host, "x-gestured-token": "secret"}, None, True)[0] == 405
    assert guard.refusal("GET", {**host, "origin": "http://127.0.0.1:80"}, "secret", False) is None
    assert guard.refusal("GET", {**host, "origin": "http://127.0.0.1:81"}, "secret", False)[0] == 403


def test_wildcard_addresses_are_told_apart():
    assert is_wildcard("0.0.0.0") and is_wildcard("::") and not is_wildcard("127.0.0.1")


def test_the_page_refuses_a_wildcard_and_warns_for_an_outside_address(caplog):
    from gestured.errors import GesturedError
    from gestured.ui.app import PageServer

    with pytest.raises(GesturedError, match="one interface"):
        PageServer(config_path=None, classifier=lambda: None, open_backend=lambda still: None, listen="0.0.0.0")
    server = PageServer(config_path=None, classifier=lambda: None, open_backend=lambda still: None,
                        listen="127.0.0.2", port=0)
    server.close()
    assert "127.0.0.2" in server.url and not caplog.records
