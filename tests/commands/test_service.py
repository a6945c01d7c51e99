"""systemd/gestured.service, systemd/gestured.desktop and `gestured service` (gestured/commands/service.py).

The unit is checked by the real `systemd-analyze verify --user`; `gestured service`
runs as a real subprocess with a temporary HOME / XDG_CONFIG_HOME and a fake
`systemctl` on PATH that records its arguments.
"""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gestured.commands.service import render
from gestured.errors import GesturedError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UNIT = PROJECT_ROOT / "systemd" / "gestured.service"
DESKTOP = PROJECT_ROOT / "systemd" / "gestured.desktop"
INSTALLED_GESTURED = str(Path(sys.executable).parent.absolute() / "gestured")

FAKE_SYSTEMCTL = textwrap.dedent(
    f"""\
    #!{sys.executable}
    import json, os, sys
    with open(os.environ["FAKE_SYSTEMCTL_LOG"], "a") as log:
        log.write(json.dumps(sys.argv[1:]) + "\\n")
    if os.environ.get("FAKE_SYSTEMCTL_FAIL"):
        sys.exit("Failed to connect to bus: No medium found")
    if "show-environment" in sys.argv:
        print(os.environ.get("FAKE_SYSTEMCTL_ENVIRONMENT", "HOME=/home/user"))
    """
)


def read_ini(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(path)
    return parser


def test_unit_is_a_user_unit_tied_to_the_graphical_session() -> None:
    unit = read_ini(UNIT)
    assert unit["Unit"]["PartOf"] == "graphical-session.target"
    assert unit["Unit"]["After"] == "graphical-session.target"
    assert unit["Install"]["WantedBy"] == "graphical-session.target"
    assert unit["Service"]["Restart"] == "on-failure"
    assert int(unit["Unit"]["StartLimitBurst"]) > 1
    assert int(unit["Unit"]["StartLimitIntervalSec"]) > 0
    assert unit["Service"]["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert unit["Service"]["StandardError"] == "journal"
    assert unit["Service"]["ExecStart"].endswith(" run")


def systemd_analyze_verify(unit_file: Path, runtime_dir: Path) -> subprocess.CompletedProcess[str]:
    """`systemd-analyze verify --user`; it needs an XDG_RUNTIME_DIR (mode 0700) even as root."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd; CI installs it)")
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    return subprocess.run(
        ["systemd-analyze", "verify", "--user", str(unit_file)],
        env={**os.environ, "XDG_RUNTIME_DIR": str(runtime_dir)},
        capture_output=True, text=True, timeout=120,
    )


def test_shipped_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify refuses an ExecStart that doesn't exist: point it at a real executable.
    unit_file = tmp_path / "gestured.service"
    unit_file.write_text(render(UNIT.read_text(), "ExecStart", [shutil.which("true") or "/bin/true"]))
    result = systemd_analyze_verify(unit_file, tmp_path / "runtime")
    # verify exits 0 on lines it ignores ("Unknown key ..., ignoring"): any output is a failure.
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), result.stderr


def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a misspelt setting and a missing program are reported."""
    broken = render(UNIT.read_text(), "ExecStart", [str(tmp_path / "no-such-gestured")])
    unit_file = tmp_path / "gestured.service"
    unit_file.write_text(broken.replace("Restart=on-failure", "Restart=sometimes"))
    result = systemd_analyze_verify(unit_file, tmp_path / "runtime")
    assert "sometimes" in result.stderr
    assert "no-such-gestured" in result.stderr


def test_render_quotes_paths_with_spaces_and_escapes_percent() -> None:
    rendered = render("[Service]\nExecStart=/usr/bin/gestured run\n", "ExecStart", ["/home/a b/100%/gestured"])
    assert 'ExecStart="/home/a b/100%%/gestured" run\n' in rendered


def test_render_refuses_a_template_without_the_line() -> None:
    with pytest.raises(GesturedError, match="no ExecStart= line"):
        render("[Service]\n", "ExecStart", ["/usr/bin/gestured"])


class ServiceRun:
    """`gestured service ...` in a subprocess with its own HOME, XDG_CONFIG_HOME and PATH."""

    def __init__(self, tmp_path: Path, with_systemctl: bool = True) -> None:
        self.home = tmp_path / "home"
        self.config_home = tmp_path / "config"
        self.bin = tmp_path / "bin"
        self.log = tmp_path / "systemctl.log"
        self.bin.mkdir()
        if with_systemctl:
            (self.bin / "systemctl").write_text(FAKE_SYSTEMCTL)
            (self.bin / "systemctl").chmod(0o755)
        self.unit = self.config_home / "systemd" / "user" / "gestured.service"
        self.desktop = self.config_home / "autostart" / "gestured.desktop"

    def __call__(self, *arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
        hidden = ("XDG_", "FAKE_", "DISPLAY", "WAYLAND_DISPLAY", "GESTURED_KEYBOARD_BACKEND")
        env = {key: value for key, value in os.environ.items() if not key.startswith(hidden)}
        env.update(HOME=str(self.home), XDG_CONFIG_HOME=str(self.config_home), PATH=str(self.bin),
                   FAKE_SYSTEMCTL_LOG=str(self.log), **environment)
        result = subprocess.run([sys.executable, "-m", "gestured", "service", *arguments], env=env,
                                cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        return result

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]


def test_install_writes_the_unit_with_this_installation_and_enables_it(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    result = service("install", FAKE_SYSTEMCTL_ENVIRONMENT="DISPLAY=:0\nHOME=/home/user")
    assert read_ini(service.unit)["Service"]["ExecStart"] == f"{INSTALLED_GESTURED} run"
    assert service.calls() == [
        ["--user", "daemon-reload"],
        ["--user", "enable", "--now", "gestured.service"],
        ["--user", "show-environment"],
    ]
    assert "enabled gestured.service and started it" in result.stdout
    assert "import-environment" not in result.stdout


def test_installed_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    service("install")
    result = systemd_analyze_verify(service.unit, tmp_path / "runtime")
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_install_warns_when_the_service_manager_has_no_display(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    result = service("install", "--no-start")
    assert ["--user", "enable", "gestured.service"] in service.calls()
    assert "systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY" in result.stdout


def test_install_without_a_reachable_user_manager_prints_the_commands(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    result = service("install", FAKE_SYSTEMCTL_FAIL="1")
    assert service.unit.is_file()
    assert service.calls() == [["--user", "daemon-reload"]]
    assert "Failed to connect to bus" in result.stdout
    assert "  systemctl --user daemon-reload\n  systemctl --user enable --now gestured.service\n" in result.stdout


def test_install_without_systemctl_prints_the_commands(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path, with_systemctl=False)
    result = service("install")
    assert service.unit.is_file()
    assert "systemctl not found" in result.stdout
    assert "gestured service install --autostart" in result.stdout


def test_autostart_installs_the_desktop_entry_only(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    service("install", "--autostart")
    entry = read_ini(service.desktop)["Desktop Entry"]
    assert entry["Exec"] == f"{INSTALLED_GESTURED} run"
    assert entry["Type"] == "Application"
    assert not service.unit.exists()
    assert service.calls() == []


def test_uninstall_reverses_install(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    service("install")
    service("install", "--autostart")
    first_calls = len(service.calls())
    result = service("uninstall")
    assert not service.unit.exists() and not service.desktop.exists()
    assert service.calls()[first_calls:] == [
        ["--user", "disable", "--now", "gestured.service"],
        ["--user", "daemon-reload"],
    ]
    assert result.stdout.count("removed ") == 2
    assert "nothing to remove" in service("uninstall").stdout


def test_status_reports_the_installation_and_the_key_backend(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    before = service("status").stdout
    assert "user service: not installed" in before
    assert "keys from this shell: no graphical session" in before
    service("install")
    after = service("status", DISPLAY=":5").stdout
    assert f"(ExecStart={INSTALLED_GESTURED} run)" in after
    assert ["--user", "is-enabled", "gestured.service"] in service.calls()
    assert "keys from this shell: X11 session (DISPLAY=:5)" in after
    assert "systemd: " in after and "unknown" not in after


def test_status_says_unknown_when_the_user_manager_is_unreachable(tmp_path: Path) -> None:
    service = ServiceRun(tmp_path)
    service("install")
    result = service("status", FAKE_SYSTEMCTL_FAIL="1")
    assert ("systemd: unknown: systemctl --user can't reach the user service manager "
            "(Failed to connect to bus: No medium found)") in result.stdout
    assert "disabled" not in result.stdout


@pytest.mark.parametrize("first, second", [((), ("--autostart",)), (("--autostart",), ())])
def test_installing_both_ways_warns_that_it_would_start_twice(tmp_path: Path, first: tuple[str, ...],
                                                              second: tuple[str, ...]) -> None:
    service = ServiceRun(tmp_path)
    assert "warning" not in service("install", *first).stdout
    result = service("install", *second)
    assert "warning: both the user service" in result.stdout and "two would start at login" in result.stdout


def test_desktop_entry_template_is_valid(tmp_path: Path) -> None:
    entry = read_ini(DESKTOP)["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Exec"].endswith(" run")
    validator = shutil.which("desktop-file-validate")
    if validator:
        rendered = tmp_path / "gestured.desktop"
        rendered.write_text(render(DESKTOP.read_text(), "Exec", [INSTALLED_GESTURED]))
        result = subprocess.run([validator, str(rendered)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
