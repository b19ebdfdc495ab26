"""`lisplab`'s command line: --dir on either side of the subcommand, a help text
for every option."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from ansible_collections.lispnet.ms_recovery.lab.cli import DEFAULT_DIR, build_parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise LookupError("lisplab has no subcommands")


@pytest.mark.parametrize("command", ["down", "status", "switchover", "up"])
def test_dir_goes_before_or_after_the_subcommand(command: str, tmp_path: Path) -> None:
    parser = build_parser()
    assert parser.parse_args(["--dir", str(tmp_path), command]).dir == tmp_path
    assert parser.parse_args([command, "--dir", str(tmp_path)]).dir == tmp_path
    assert parser.parse_args([command]).dir == DEFAULT_DIR


def test_dir_after_the_subcommand_wins() -> None:
    args = build_parser().parse_args(["--dir", "/one", "down", "--dir", "/two"])
    assert args.dir == Path("/two")


def test_every_option_and_argument_has_help() -> None:
    parser = build_parser()
    missing = []
    for name, sub in {"lisplab": parser, **_subparsers(parser)}.items():
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [c.dest for c in action._choices_actions if not c.help]
            elif not action.help:
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []


@pytest.mark.parametrize("value", ["auto", "150"])
def test_subnet_takes_a_number_or_auto(value: str) -> None:
    assert build_parser().parse_args(["up", "--subnet", value]).subnet == value


def test_subnet_rejects_anything_else(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["up", "--subnet", "free"])
    assert "'auto'" in capsys.readouterr().err
