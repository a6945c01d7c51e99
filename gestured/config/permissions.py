"""Refuse a config that someone else could have written (the config can run commands).

Like OpenSSH with authorized_keys: the file and its directory must belong to you (or
root) and must not be writable by group or others.
"""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

from gestured.config.errors import ConfigError


def check_permissions(path: Path, *, uid: int | None = None) -> None:
    """Raise ConfigError naming the fix when `path` or its directory is unsafe.

    `uid` is who runs gestured (default: the current user). A missing file passes here;
    reading it reports that. Symbolic links are followed: the real file is checked.
    """
    uid = os.getuid() if uid is None else uid
    path = Path(path)
    try:
        real_file = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return
    problems = [problem for target in (real_file, real_file.parent)
                for problem in permission_problems(target, target.stat(), uid, config=path)]
    if problems:
        raise ConfigError(problems)


def permission_problems(target: Path, status: os.stat_result, uid: int, *, config: Path) -> list[str]:
    """Pure core: why `target` (the config or its directory, with `status`) is unsafe for `uid`."""
    what = f"its directory {target}" if stat.S_ISDIR(status.st_mode) else f"the file {target}"
    if target == config:
        what = "the file"
    problems = []
    if status.st_uid not in (uid, 0):
        problems.append(
            f"{config}: refusing to load: {what} is owned by {_user(status.st_uid)}, "
            f"not by you ({_user(uid)}) or root; use a copy that you own")
    if status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        mode = stat.S_IMODE(status.st_mode)
        problems.append(
            f"{config}: refusing to load: {what} is writable by group or others "
            f"(mode {mode:04o}); {_fix(target, status, uid)}")
    return problems


def _fix(target: Path, status: os.stat_result, uid: int) -> str:
    # A shared directory such as /tmp (sticky, someone else's) must stay writable: move away.
    if stat.S_ISDIR(status.st_mode) and (status.st_mode & stat.S_ISVTX or status.st_uid != uid):
        return "move the config to a directory only you can write, e.g. ~/.config/gestured"
    return f"run: chmod go-w {target}"


def _user(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"
