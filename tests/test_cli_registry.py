"""The command registry: each command is declared once; parser, --help and dispatch follow."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from nnmath import cli

ORIGINAL = ["graph", "data", "lessons", "train", "predict", "evaluate", "conv", "export",
            "exercises", "lr-find", "sweep"]


def _help(argv, capsys) -> str:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    return capsys.readouterr().out


def _listed(top_help: str) -> list[str]:
    """Command names in the order ``nnmath --help`` lists them (under ``COMMAND``)."""
    block = top_help.split("  COMMAND\n")[1].split("\n\n")[0]
    return re.findall(r"^    (\S+)", block, flags=re.M)


@pytest.fixture
def scratch_command():
    """Registers ``nnmath echo-twice`` through the public decorator; always unregistered."""
    calls: list[argparse.Namespace] = []

    def arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("word", help="what to repeat")
        p.add_argument("--times", type=int, default=2, help="how often (default 2)")

    @cli.command("echo-twice", "Repeat a word: a scratch command of the registry test",
                 "nnmath echo-twice hello --times 3", arguments)
    def run(args: argparse.Namespace) -> int:
        calls.append(args)
        print(" ".join([args.word] * args.times))
        return 7  # a distinctive exit code: main() must pass it through

    yield calls
    cli.unregister("echo-twice")


def test_a_command_declared_once_is_listed_parsed_and_dispatched(scratch_command, capsys):
    top = _help(["--help"], capsys)
    assert _listed(top) == [*cli.COMMANDS]
    assert _listed(top)[-1] == "echo-twice"
    assert "Repeat a word: a scratch command of the registry test" in top
    own = _help(["echo-twice", "--help"], capsys)
    assert "--times TIMES" in own and "how often (default 2)" in own
    assert own.rstrip().endswith("example:\n  nnmath echo-twice hello --times 3")
    assert cli.main(["echo-twice", "hi", "--times", "3"]) == 7
    assert capsys.readouterr().out == "hi hi hi\n"
    assert cli.main(["echo-twice", "ho"]) == 7
    assert capsys.readouterr().out == "ho ho\n"
    assert [(a.command, a.word, a.times) for a in scratch_command] == [
        ("echo-twice", "hi", 3), ("echo-twice", "ho", 2)]


def test_an_unregistered_command_is_gone_everywhere(scratch_command, capsys):
    removed = cli.unregister("echo-twice")
    assert removed.name == "echo-twice" and "echo-twice" not in cli.COMMANDS
    assert "echo-twice" not in _help(["--help"], capsys)
    with pytest.raises(SystemExit) as exc:
        cli.main(["echo-twice", "hi"])
    assert exc.value.code == 2 and "invalid choice: 'echo-twice'" in capsys.readouterr().err
    cli.register(removed)  # the fixture unregisters it again


def test_a_handler_error_is_one_line_with_the_user_error_code(capsys):
    def fail(args: argparse.Namespace) -> None:
        raise cli._reworded(KeyError("scratch: unknown thing 'x'"), "scratch: ")

    cli.register(cli.Command("scratch-fail", "Always fails", "nnmath scratch-fail",
                             lambda p: None, fail))
    try:
        assert cli.main(["scratch-fail"]) == cli.EXIT_USER_ERROR
    finally:
        cli.unregister("scratch-fail")
    assert capsys.readouterr().err == "nnmath scratch-fail: error: unknown thing 'x'\n"


def test_registering_a_taken_or_bad_name_fails_clearly():
    graph = cli.COMMANDS["graph"]
    with pytest.raises(ValueError, match=r"'graph' is already registered .*_run_graph"):
        cli.register(graph)
    with pytest.raises(ValueError, match="expected a command name"):
        cli.register(cli.Command("--x", "h", "nnmath --x", lambda p: None, lambda a: 0))
    with pytest.raises(KeyError, match="no command 'nope'; registered: graph, data"):
        cli.unregister("nope")
    assert [*cli.COMMANDS] == ORIGINAL  # nothing above changed the table


def test_reworded_drops_the_library_prefix_and_shows_key_errors_plainly():
    assert str(cli._reworded(KeyError("sweep: no study 'a'"), "sweep: ")) == "no study 'a'"
    assert str(cli._reworded(ValueError("lr_find: bad"), "lr_find: ")) == "bad"
    assert str(cli._reworded(ValueError("other: kept"), "sweep: ")) == "other: kept"
    assert str(cli._reworded(KeyError(), "sweep: ")) == ""


@pytest.mark.parametrize("name", ORIGINAL)
def test_every_registered_command_has_one_help_line_and_an_example(name, capsys):
    cmd = cli.COMMANDS[name]
    assert cmd.help.strip() and "\n" not in cmd.help
    assert cmd.example.startswith(f"nnmath {name}")
    own = _help([name, "--help"], capsys)
    assert own.startswith(f"usage: nnmath {name} ")
    assert "example:\n  nnmath " + name in own


def test_the_real_command_lists_every_command_and_each_own_help_works():
    """Through ``python -m nnmath.cli``, as users (and the console script) run it."""
    top = subprocess.run([sys.executable, "-m", "nnmath.cli", "--help"], capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert _listed(top) == ORIGINAL
    for name in ("graph", "train", "sweep"):
        r = subprocess.run([sys.executable, "-m", "nnmath.cli", name, "--help"],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and r.stderr == ""
        assert r.stdout.startswith(f"usage: nnmath {name} ")
        assert f"\n{cli.COMMANDS[name].help}\n" in r.stdout.replace("\n\n", "\n")
    r = subprocess.run([sys.executable, "-m", "nnmath.cli"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == cli.EXIT_USER_ERROR and _listed(r.stdout) == ORIGINAL
