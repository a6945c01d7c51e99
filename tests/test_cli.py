"""gestured.cli: the default command, unknown words, no abbreviations, quiet libraries."""

from __future__ import annotations

import argparse
import subprocess
import sys
from typing import Iterator

import pytest

from gestured.cli import COMMANDS, build_parser, main


def test_an_unknown_word_is_not_run_as_the_default_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chek"]) == 2
    assert capsys.readouterr().err.strip() == "gestured: error: unknown command 'chek' (did you mean 'check'?)"
    assert main(["frobnicate", "--dry-run"]) == 2
    assert "unknown command 'frobnicate'; commands: run, check" in capsys.readouterr().err


def parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from parsers(child)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_parser_accepts_abbreviated_options(command: str) -> None:
    every = list(parsers(build_parser(command)))
    assert len(every) > len(COMMANDS)
    assert all(parser.allow_abbrev is False for parser in every)


def test_an_abbreviated_option_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--dry-ru", "--source", "nothing.mp4"])
    assert exit_info.value.code == 2
    assert "unrecognized arguments: --dry-ru" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["service", "install", "--auto"])
    assert "unrecognized arguments: --auto" in capsys.readouterr().err


def test_other_libraries_info_lines_stay_out_of_the_log() -> None:
    code = ("import logging\n"
            "from gestured.cli import configure_logging\n"
            "configure_logging('info')\n"
            "logging.getLogger('matplotlib.font_manager').info('generated new fontManager')\n"
            "logging.getLogger('gestured.runtime.daemon').info('reading frames')\n"
            "logging.getLogger('matplotlib').warning('a real problem')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stderr.splitlines() == ["gestured: INFO: reading frames", "gestured: WARNING: a real problem"]
