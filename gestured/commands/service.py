"""`gestured service install|uninstall|status`: run gestured with the desktop session.

`install` copies systemd/gestured.service to ~/.config/systemd/user/ (XDG_CONFIG_HOME)
with ExecStart set to the absolute path of this installation's `gestured` (a pipx or
virtual-environment install is not on the service manager's PATH), then runs
`systemctl --user daemon-reload` and `enable --now`; where `systemctl --user` can't
be reached it prints the commands to run. `--autostart` writes an XDG autostart
entry to ~/.config/autostart/ instead, for sessions without systemd.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from gestured import paths
from gestured.errors import GesturedError
from gestured.output.session import choose_backend, uinput_writable

UNIT_NAME = "gestured.service"
DESKTOP_NAME = "gestured.desktop"
IMPORT_COMMAND = "systemctl --user import-environment DISPLAY XAUTHORITY WAYLAND_DISPLAY"


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="service_action", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="install and start the user service")
    install.add_argument("--autostart", action="store_true",
                         help="install an XDG autostart entry instead (sessions without systemd)")
    install.add_argument("--no-start", action="store_true", help="enable the service without starting it now")
    actions.add_parser("uninstall", help="stop and remove the user service and the autostart entry")
    actions.add_parser("status", help="show what is installed and how keys would be sent")


def main(args: argparse.Namespace) -> int:
    return {"install": install, "uninstall": uninstall, "status": status}[args.service_action](args)


def template_dir() -> Path:
    """The checkout's systemd/, else the installed copy under <prefix>/share/gestured/systemd."""
    return paths.shipped_path("systemd")


def config_home() -> Path:
    return paths.config_dir().parent


def unit_path() -> Path:
    return config_home() / "systemd" / "user" / UNIT_NAME


def desktop_path() -> Path:
    return config_home() / "autostart" / DESKTOP_NAME


def gestured_command() -> list[str]:
    """How to start this installation: its `gestured` script (beside the interpreter, not
    resolved: a venv's python is a symlink out of the venv), else the one on PATH, else
    `python -m gestured`."""
    beside = Path(sys.executable).parent / "gestured"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside.absolute())]
    found = shutil.which("gestured")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "gestured"]


def _quote(word: str) -> str:
    """One ExecStart=/Exec= word: `%` doubled (both formats' escape), quoted when it has spaces."""
    word = word.replace("%", "%%")
    if re.search(r'[\s"\\]', word):
        return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return word


def render(template: str, key: str, command: list[str]) -> str:
    """`template` with its `key=` line (ExecStart or Exec) running `command` plus `run`.

    Raises GesturedError if the template has no such line.
    """
    line = f"{key}=" + " ".join(_quote(word) for word in [*command, "run"])
    rendered, count = re.subn(rf"^{key}=.*$", lambda _: line, template, count=1, flags=re.MULTILINE)
    if count != 1:
        raise GesturedError(f"the service template has no {key}= line: reinstall gestured")
    return rendered


def _write_from_template(name: str, key: str, target: Path) -> None:
    source = template_dir() / name
    if not source.is_file():
        raise GesturedError(f"{source} is missing: reinstall gestured")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(source.read_text(), key, gestured_command()))
    print(f"wrote {target}")


def systemctl(*arguments: str) -> subprocess.CompletedProcess[str] | None:
    """`systemctl --user ARGUMENTS`; None when there is no systemctl at all."""
    if shutil.which("systemctl") is None:
        return None
    return subprocess.run(["systemctl", "--user", *arguments], capture_output=True, text=True, timeout=60)


def _first_line(result: subprocess.CompletedProcess[str] | None) -> str:
    if result is None:
        return "systemctl not found"
    text = (result.stderr or result.stdout).strip()
    return text.splitlines()[0] if text else f"exit status {result.returncode}"


def install(args: argparse.Namespace) -> int:
    """Write the unit (or autostart entry), then enable and start it where systemd can."""
    if args.autostart:
        _write_from_template(DESKTOP_NAME, "Exec", desktop_path())
        print("gestured starts at your next login (XDG autostart); logs go to your session's stderr log")
        _warn_if_both_installed()
        return 0
    _write_from_template(UNIT_NAME, "ExecStart", unit_path())
    _warn_if_both_installed()
    enable = ["enable", UNIT_NAME] if args.no_start else ["enable", "--now", UNIT_NAME]
    reload_result = systemctl("daemon-reload")
    if reload_result is None or reload_result.returncode != 0:
        print(f"systemctl --user is not reachable here ({_first_line(reload_result)}); "
              "in your desktop session run:")
        print("  systemctl --user daemon-reload")
        print(f"  systemctl --user {' '.join(enable)}")
        print("or use `gestured service install --autostart` where there is no systemd user manager")
        return 0
    enable_result = systemctl(*enable)
    if enable_result is None or enable_result.returncode != 0:
        raise GesturedError(f"systemctl --user {' '.join(enable)} failed: {_first_line(enable_result)}")
    print(f"enabled {UNIT_NAME}{'' if args.no_start else ' and started it'}; logs: journalctl --user -u gestured")
    _warn_without_display_variables()
    return 0


def _warn_without_display_variables() -> None:
    """Key actions need DISPLAY or WAYLAND_DISPLAY in the user manager's environment."""
    result = systemctl("show-environment")
    if result is None or result.returncode != 0:
        return
    names = {line.split("=", 1)[0] for line in result.stdout.splitlines()}
    if not names & {"DISPLAY", "WAYLAND_DISPLAY"}:
        print("the user service manager has no DISPLAY or WAYLAND_DISPLAY, so key actions can't be sent; "
              f"run `{IMPORT_COMMAND}` in your session's startup, then `systemctl --user restart gestured`")


def uninstall(args: argparse.Namespace) -> int:
    """Stop and disable the service, remove the unit and the autostart entry."""
    removed = False
    if unit_path().exists():
        result = systemctl("disable", "--now", UNIT_NAME)
        if result is None or result.returncode != 0:
            print(f"could not stop the service ({_first_line(result)}); "
                  f"in your session run: systemctl --user disable --now {UNIT_NAME}")
        unit_path().unlink()
        print(f"removed {unit_path()}")
        systemctl("daemon-reload")
        removed = True
    if desktop_path().exists():
        desktop_path().unlink()
        print(f"removed {desktop_path()}")
        removed = True
    if not removed:
        print("nothing to remove: neither the user service nor the autostart entry is installed")
    return 0


def _systemd_state() -> str:
    """'enabled, active' as the user service manager says; 'unknown (...)' when it can't
    be reached (is-enabled would still read the unit files and say 'disabled')."""
    reachable = systemctl("show-environment")
    if reachable is None or reachable.returncode != 0:
        return f"unknown: systemctl --user can't reach the user service manager ({_first_line(reachable)})"
    enabled, active = systemctl("is-enabled", UNIT_NAME), systemctl("is-active", UNIT_NAME)
    return f"{_first_line(enabled)}, {_first_line(active)}"


def _warn_if_both_installed() -> None:
    """The unit and the autostart entry would each start gestured at login; the second
    then fails on the lock, once a session."""
    if unit_path().exists() and desktop_path().exists():
        print(f"warning: both the user service ({unit_path()}) and the autostart entry ({desktop_path()}) "
              "are installed, so two would start at login and the second fails (one gestured per user); "
              "keep one: `rm` the other file")


def status(args: argparse.Namespace) -> int:
    """What is installed, what it runs, whether systemd runs it, and how keys would go."""
    for label, path, key in (("user service", unit_path(), "ExecStart"), ("autostart", desktop_path(), "Exec")):
        if path.exists():
            match = re.search(rf"^{key}=(.*)$", path.read_text(), flags=re.MULTILINE)
            print(f"{label}: {path} ({key}={match.group(1) if match else '?'})")
        else:
            print(f"{label}: not installed")
    if unit_path().exists():
        print(f"systemd: {_systemd_state()}")
    choice = choose_backend(os.environ, uinput_writable())
    print(f"keys from this shell: {choice.reason}")
    return 0
