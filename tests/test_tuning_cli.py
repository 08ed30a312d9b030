"""`nnmath sweep` on the command line: Ctrl-C (SIGINT) then resume, show, replay, errors."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from support import heavy_modules_loaded

OBJECTIVE = '''
import os, time
from pathlib import Path

def slow(params, trial):
    marks = Path(os.environ["MARKS"])
    (marks / f"{params['x']}-{os.getpid()}-{time.time_ns()}").write_text("")
    time.sleep(0.05 if params["x"] == 1 else 1.5)
    return float(params["x"]) + trial.seed % 7 / 100
'''


def _env(tmp_path: Path) -> dict[str, str]:
    src = str(Path(__file__).resolve().parents[1] / "src")
    return dict(os.environ, PYTHONPATH=os.pathsep.join([src, str(tmp_path)]),
                MARKS=str(tmp_path / "marks"), MPLBACKEND="Agg")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "nnmath.cli", *args]


def _states(db: Path) -> list[tuple[str, str]]:
    """(state, grid key) of every trial, read with plain sqlite3."""
    if not db.exists():
        return []
    con = sqlite3.connect(db, timeout=30)
    try:
        rows = con.execute(
            "select t.state, a.value_json from trials t join trial_user_attributes a on "
            "a.trial_id = t.trial_id where a.key = 'grid_key'").fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        rows = []
    con.close()
    return [(s, json.loads(k)) for s, k in rows]


def test_sigint_stops_a_cli_sweep_and_a_rerun_finishes_it(tmp_path):
    (tmp_path / "sweepobj.py").write_text(OBJECTIVE)
    (tmp_path / "marks").mkdir()
    db = tmp_path / "sweeps.db"
    args = _cli("sweep", "sweepobj:slow", "--param", "x", "1", "2", "3", "4", "5", "6",
                "--workers", "2", "--storage", f"sqlite:///{db}", "--study", "ctrl-c")
    proc = subprocess.Popen(args, env=_env(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    for _ in range(1200):  # until a trial has finished and others are running
        if any(s == "COMPLETE" for s, _ in _states(db)) and \
                sum(s == "RUNNING" for s, _ in _states(db)) >= 1:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "interrupted" in err and "Traceback" not in err
    first = _states(db)
    done_first = {k for s, k in first if s == "COMPLETE"}
    assert done_first and all(s in ("COMPLETE", "FAIL") for s, _ in first)  # none left running
    assert any(s == "FAIL" for s, _ in first)  # the running ones, marked failed

    rerun = subprocess.run(args, env=_env(tmp_path), cwd=tmp_path, capture_output=True,
                           text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    complete = [k for s, k in _states(db) if s == "COMPLETE"]
    assert len(complete) == len(set(complete)) == 6  # nothing lost, nothing twice
    started = [p.name.split("-")[0] for p in (tmp_path / "marks").iterdir()]
    for key in done_first:  # finished before Ctrl-C: not run again
        assert started.count(str(json.loads(key)["x"])) == 1

    show = subprocess.run(_cli("sweep", "show", "--storage", f"sqlite:///{db}", "--study",
                               "ctrl-c", "--out", str(tmp_path / "out")),
                          env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True)
    assert show.returncode == 0 and "6 complete" in show.stdout
    assert (tmp_path / "out" / "index.html").is_file()
    number = next(line.split()[0] for line in show.stdout.splitlines()[1:]
                  if line.split()[1] == "1" and "complete" in line)
    replay = subprocess.run(_cli("sweep", "replay", "--storage", f"sqlite:///{db}", "--study",
                                 "ctrl-c", "--trial", number),
                            env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True)
    assert replay.returncode == 0 and "identical, bit for bit" in replay.stdout


def test_sweep_command_errors_are_one_line(tmp_path):
    for args, expected in [
        (["sweep", "cat-logistic"], "nothing to vary"),
        (["sweep", "show"], "show needs --study"),
        (["sweep", "sweepobj:slow", "--learning-rate", "1e-3:1"], "a range needs --search"),
        (["sweep", "show", "--storage", f"sqlite:///{tmp_path / 'x.db'}", "--study", "nope"],
         "no study 'nope'"),
    ]:
        r = subprocess.run(_cli(*args), env=_env(tmp_path), cwd=tmp_path, capture_output=True,
                           text=True)
        assert r.returncode == 2, (args, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("nnmath sweep: error: "), r.stderr
        assert expected in lines[0]


def test_tuning_is_imported_lazily_and_the_commands_have_help():
    code = "import nnmath, nnmath.cli, nnmath.tuning; nnmath.cli.build_parser()"
    heavy = ("optuna", "distributed", "dask", "sqlalchemy", "matplotlib", "cloudpickle")
    assert heavy_modules_loaded(code, heavy) == []
    for command in ("sweep", "lr-find"):
        r = subprocess.run(_cli(command, "--help"), capture_output=True, text=True)
        assert r.returncode == 0 and f"example:\n  nnmath {command}" in r.stdout
