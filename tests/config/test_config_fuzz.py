"""Property-based fuzzing of `gestured check`'s path (issue 11): random bytes, mutations of
the shipped gestures.yaml and generated nesting, written to a real file and checked.

Whatever the file holds, `check` prints OK or problems and returns; any other exception
escaping is a failure. GESTURED_FUZZ_EXAMPLES sets the examples per test (CI: the default).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gestured import paths
from gestured.commands import check
from gestured.config import ConfigError
from gestured.config.reading import read_config_text

EXAMPLES = int(os.environ.get("GESTURED_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
SHIPPED = paths.shipped_config_file().read_text(encoding="utf-8")

# Pieces that have broken YAML loaders: control characters, tags on the wrong scalar,
# anchors and merges, flow brackets, huge numbers, directives, document markers.
SPECIALS = [
    "\0", "\x07", "\x1b", "\t", "\r", "\ufeff", "\u2028", "\ud7ff", "!!int ", "!!float ", "!!binary ",
    "!!timestamp ", "!!set ", "!!omap ", "!!python/object:os.system ", "&a ", "*a", "*b", "<<: *a\n",
    "[", "]", "{", "}", ": ", "- ", "? ", "|", ">-", "'", '"', "#", "%YAML 1.1\n", "%TAG ! x\n",
    "---\n", "...\n", "9" * 5000, "1e400", "-.inf", ".nan", "~", "\\", "\\x00", "\n", "    ",
    "0x", "0o7", "1_000", "2001-12-14t21:59:43.10-05:00", "yes", "null", "[[[[[[[[", "{a: [b, {c: ",
]


def run_check(text: str | bytes) -> int:
    """Write `text` as a private gestures.yaml and run `gestured check` on it (not through
    the CLI's catch-all): the exit code; any unexpected exception propagates."""
    with tempfile.TemporaryDirectory() as directory:
        os.chmod(directory, 0o700)
        path = Path(directory, "gestures.yaml")
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        path.chmod(0o600)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
            code = check.main(argparse.Namespace(config=path, init=False))
    assert code in (0, 2)
    if code == 2:
        lines = err.getvalue().splitlines()
        assert lines[-1].endswith(("problem", "problems")) and len(lines) <= 22
        assert all(len(line) < 600 for line in lines), "a value was echoed whole"
    return code


@st.composite
def mutations(draw: Any) -> str:
    """The shipped file with a few edits: inserts, deletions, uncommented examples."""
    text = SHIPPED
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["special", "text", "delete", "uncomment", "duplicate"]))
        if edit == "special":
            text = text[:at] + draw(st.sampled_from(SPECIALS)) + text[at:]
        elif edit == "text":
            text = text[:at] + draw(st.text(max_size=12)) + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        elif edit == "uncomment":
            lines = text.splitlines(keepends=True)
            line = draw(st.integers(0, max(0, len(lines) - 1)))
            lines[line] = lines[line].replace("# ", "", 1)
            text = "".join(lines)
        else:
            text = text[:at] + text[max(0, at - 80):at] + text[at:]
    return text


def scalars() -> st.SearchStrategy[Any]:
    return (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
            | st.sampled_from(["thumbs_up", "ctrl+alt+t", "sleep 1", "play_pause", "a\0b"]))


def structures() -> st.SearchStrategy[Any]:
    keys = st.sampled_from(["bindings", "thumbs_up", "key", "shell", "timeout", "hold", "model", "x"]) | st.text(max_size=8)
    return st.recursive(scalars(), lambda children: st.lists(children, max_size=4)
                        | st.dictionaries(keys, children, max_size=4), max_leaves=40)


@st.composite
def nestings(draw: Any) -> str:
    """Deep flow or block nesting at a setting, a binding or a shell command."""
    depth = draw(st.integers(1, 400))
    where = draw(st.sampled_from(["hold: {}", "bindings:\n  thumbs_up:\n    shell: {}", "{}"]))
    style = draw(st.sampled_from(["flow_list", "flow_map", "block"]))
    if style == "flow_list":
        inner = "[" * depth + "1" + "]" * draw(st.integers(0, depth))
    elif style == "flow_map":
        inner = "{a: " * depth + "1" + "}" * draw(st.integers(0, depth))
    else:
        inner = "\n" + "".join("  " * (level + 3) + "- \n" for level in range(depth))
    return where.format(inner)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    run_check(data)


@FUZZ
@given(mutations())
def test_mutations_of_the_shipped_file(text: str) -> None:
    run_check(text)


@FUZZ
@given(structures())
def test_generated_documents(data: Any) -> None:
    run_check(yaml.safe_dump({"bindings": {"thumbs_up": data}, "hold": data}, allow_unicode=True))
    run_check(yaml.safe_dump(data, allow_unicode=True))


@FUZZ
@given(nestings())
def test_generated_nesting(text: str) -> None:
    run_check(text)


def test_the_shipped_file_passes_through_the_harness() -> None:
    assert run_check(SHIPPED) == 0  # so the harness itself can tell OK from a problem


def _alias_chain(length: int) -> Iterator[str]:
    yield "a0: &a0 [1]"
    for index in range(1, length):
        yield f"a{index}: &a{index} [*a{index - 1}]"


def test_alias_chains_and_cycles_are_refused_not_recursed() -> None:
    assert run_check("\n".join(_alias_chain(3000))) == 2  # 3,000 deep once expanded
    assert run_check("hold: &a [*a]\n") == 2  # a list holding itself
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(8)]
    assert run_check("\n".join(bomb) + "\nbindings:\n  thumbs_up: {shell: *i}\n") == 2


# ---- the files of issue 11, each with its one-line message ---------------------------

def check_lines(path: Path) -> tuple[int, list[str]]:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = check.main(argparse.Namespace(config=path, init=False))
    return code, err.getvalue().splitlines()


def private_file(directory: Path, data: bytes, name: str = "gestures.yaml") -> Path:
    directory.chmod(0o700)
    path = directory / name
    path.write_bytes(data)
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("data, message", [
    (b"hold: 0.25\x07\n", ":1: YAML syntax error: U+0007 is not allowed in YAML"),
    (b"hold: 0.25\n\0\n", ":2: YAML syntax error: U+0000 is not allowed in YAML"),
    (b"hold: " + b"[" * 5000 + b"\n", ":1: YAML syntax error: nested deeper than 32 levels"),
    (b"bindings:\n  ok:\n    shell:\n" + b"".join(b"  " * (level + 3) + b"-\n" for level in range(200)),
     ":33: YAML syntax error: nested deeper than 32 levels"),
    (b"hold: !!float abc\n", ":1: YAML syntax error: cannot read this float value: could not convert"),
    (b"hold: !!int abc\n", ":1: YAML syntax error: cannot read this int value: invalid literal"),
    (b"hold: " + b"9" * 100_000 + b"\n", ":1: YAML syntax error: cannot read this int value: Exceeds the limit"),
    (b"bindings:\n  ok: {shell: \"\\0\"}\n", ":2: bindings.ok.shell: contains a NUL character (\\0): remove it"),
    (b"model: \"a\\0b\"\n", ":1: model: contains a NUL character (\\0): remove it"),
    (b"bindings:\n  ok: {shell: [sleep, '1'], timeout: 1.0e+300}\n",
     ":2: bindings.ok.timeout: must be at most 86400, not 1e+300"),
])
def test_each_broken_file_of_the_issue_is_one_line_and_exit_2(tmp_path: Path, data: bytes, message: str) -> None:
    path = private_file(tmp_path, data)
    code, lines = check_lines(path)
    assert code == 2
    assert lines[0].startswith(f"{path}{message}"), lines
    assert lines[-1] == f"{path}: 1 problem"


def test_a_fifo_a_directory_a_device_and_a_symlink_loop_are_refused_without_blocking(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo, 0o600)
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(tmp_path / "loop2.yaml")
    (tmp_path / "loop2.yaml").symlink_to(loop)
    directory = tmp_path / "dir.yaml"
    directory.mkdir(mode=0o700)
    expected = {
        fifo: "cannot read: it is a FIFO (named pipe); the config must be a regular file",
        directory: "cannot read: it is a directory; the config must be a regular file",
        loop: "cannot read: Too many levels of symbolic links",
    }
    for path, message in expected.items():
        assert check_lines(path) == (2, [f"{path}: {message}", f"{path}: 1 problem"])
    with pytest.raises(ConfigError, match="it is a device"):
        read_config_text(Path("/dev/null"))


def test_a_file_above_the_size_cap_is_refused_before_parsing(tmp_path: Path) -> None:
    path = private_file(tmp_path, b"hold: [" + b"1," * 600_000 + b"]\n")
    assert check_lines(path) == (2, [
        f"{path}: cannot read: larger than 1024 KiB; a gestures.yaml is a few KB, is this the right file?",
        f"{path}: 1 problem"])


def test_a_long_value_is_cut_and_many_problems_are_counted(tmp_path: Path) -> None:
    path = private_file(tmp_path, b"hold: '" + b"x" * 500_000 + b"'\n")
    code, lines = check_lines(path)
    assert code == 2 and len(lines[0]) < 200 and lines[0].endswith("...")
    many = "bindings:\n" + "".join(f"  g{index}: {{key: a}}\n" for index in range(2000))
    code, lines = check_lines(private_file(tmp_path, many.encode()))
    assert code == 2
    assert len(lines) == 22  # 20 problems, the count of the rest, the total
    assert lines[-2:] == ["... and 1,980 more problems", f"{tmp_path / 'gestures.yaml'}: 2,000 problems"]


def test_too_many_values_are_refused_early(tmp_path: Path) -> None:
    path = private_file(tmp_path, ("hold: [" + "1, " * 20_000 + "]\n").encode())
    code, lines = check_lines(path)
    assert code == 2 and lines[0] == f"{path}:1: YAML syntax error: more than 10000 values: is this the right file?"
