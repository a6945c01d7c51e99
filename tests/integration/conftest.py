"""Fixtures shared by the integration tests: a private X server."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def xvfb_display(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private Xvfb server; Xvfb picks a free display number itself (-displayfd). -noreset:
    when a test's last client leaves, the server must not reset under the next one. The
    screen is large enough for the --show window at its 960x540."""
    executable = shutil.which("Xvfb")
    if executable is None:
        pytest.skip("Xvfb is not installed (apt-get install xvfb; CI installs it)")
    log_path = tmp_path_factory.mktemp("xvfb") / "xvfb.log"
    read_end, write_end = os.pipe()
    with open(log_path, "wb") as log:  # a file, not a pipe: nobody reads Xvfb's chatter while it runs
        server = subprocess.Popen(
            [executable, "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp", "-noreset"],
            pass_fds=(write_end,), stdout=subprocess.DEVNULL, stderr=log,
        )
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        number = reader.readline().strip()
    if not number:
        server.kill()
        server.wait(timeout=10)
        pytest.fail(f"Xvfb did not start: {log_path.read_text(errors='replace')}")
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)
