"""A fresh virtual environment installs gestured exactly as README.md says, and it runs.

The commands are read from README.md between its `install-command` / `test-command` markers,
so the README can't drift from what is tested. Slow: it installs the dependencies from the
package index (a warm pip cache makes it a minute or two).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

README = PROJECT_ROOT / "README.md"


def readme_command(marker: str) -> str:
    """The one command in README.md's fenced block between <!-- marker --> and <!-- /marker -->."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"<!-- {marker} -->\s*```\w*\n(.*?)\n```\s*<!-- /{marker} -->", text, re.S)
    assert match, f"README.md has no {marker} block"
    lines = [line for line in match.group(1).splitlines() if line.strip()]
    assert len(lines) == 1, f"README.md's {marker} block must hold exactly one command line"
    return lines[0]


def test_readme_commands_are_the_ones_ci_runs() -> None:
    ci_script = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "test-command" in ci_script, ".ci/run must take its test command from README.md"
    assert "pytest" in readme_command("test-command")
    install = readme_command("install-command")
    assert "pip install ." in install and "gestured --dry-run" in install


def _run(command: str | list[str], environment: dict[str, str], cwd: Path, timeout: float = 900) -> str:
    completed = subprocess.run(
        command,
        shell=isinstance(command, str),
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert completed.returncode == 0, (
        f"{command!r} exited {completed.returncode}\nstdout:\n{completed.stdout[-3000:]}\n"
        f"stderr:\n{completed.stderr[-3000:]}"
    )
    return completed.stdout


def _fresh_environment(bin_dir: Path, home: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("VIRTUAL_ENV", "PYTHON", "GESTURED_", "XDG_"))
    }
    environment["PATH"] = f"{bin_dir}{os.pathsep}{environment.get('PATH', '')}"
    environment["HOME"] = str(home)
    # Keep the user's pip cache: a fresh machine downloads, a test needn't do it twice.
    environment["PIP_CACHE_DIR"] = str(Path.home() / ".cache" / "pip")
    environment["DISPLAY"] = ""
    return environment


def _copy_checkout(destination: Path) -> Path:
    """A clean copy of the checkout (tracked layout, no venvs or caches), as a clone would be."""
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "build", ".pytest_cache")
    shutil.copytree(PROJECT_ROOT, destination, ignore=ignore)
    return destination


def _exercise_installed(environment: dict[str, str], checkout: Path, demo: Path) -> None:
    version = _run(["gestured", "--version"], environment, checkout)
    assert version.startswith("gestured ")
    _run(["gestured", "models", "fetch"], environment, checkout)
    _run(["gestured", "check"], environment, checkout)
    run_command = readme_command("install-command").split("&&")[-1].strip()
    output = _run(f"{run_command} --json --source {demo}", environment, checkout)
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert [event["gesture"] for event in events] == ["thumbs_up", "thumbs_down"]
    assert not any(event["executed"] for event in events)


def test_fresh_venv_installs_and_runs_as_the_readme_says(tmp_path: Path, shared_data: Path) -> None:
    checkout = _copy_checkout(tmp_path / "gestured")
    venv.create(tmp_path / "venv", with_pip=True)
    environment = _fresh_environment(tmp_path / "venv" / "bin", tmp_path / "home")
    install_command = readme_command("install-command").split("&&")[0].strip()
    _run(install_command, environment, checkout)
    _exercise_installed(environment, checkout, shared_data / "videos" / "demo.mp4")


def test_pipx_install_runs(tmp_path: Path, shared_data: Path) -> None:
    try:
        subprocess.run([sys.executable, "-m", "pipx", "--version"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        pytest.skip("pipx is not installed in the test environment (pip install pipx)")
    checkout = _copy_checkout(tmp_path / "gestured")
    environment = _fresh_environment(tmp_path / "pipx-bin", tmp_path / "home")
    environment["PIPX_HOME"] = str(tmp_path / "pipx-home")
    environment["PIPX_BIN_DIR"] = str(tmp_path / "pipx-bin")
    _run([sys.executable, "-m", "pipx", "install", str(checkout)], environment, checkout)
    _exercise_installed(environment, checkout, shared_data / "videos" / "demo.mp4")
