"""Helpers shared by several test files: worker-killing for sweeps, the sweep database, and
which heavy modules an import loads.

Code that runs inside a sweep trial stays in the test files: trials run in other processes
(a spawned pool, Dask workers) that receive the objective by value and cannot import this
module.
"""

from __future__ import annotations

import ast
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path


def kill_first_to_start(marks: Path, prefix: str, settle: float, polls: int) -> threading.Thread:
    """Start (and return) a thread that SIGKILLs the process that marked ``prefix`` first.

    Trials mark their start with a file ``marks / f"{prefix}-{pid}"``; the thread polls for one
    every 0.05 s (``polls`` times at most), waits ``settle`` seconds so the trial is well under
    way, then kills that pid. Join the thread after the sweep.
    """

    def killer() -> None:
        for _ in range(polls):
            started = list(marks.glob(f"{prefix}-*"))
            if started:
                time.sleep(settle)
                os.kill(int(started[0].name.split("-")[1]), signal.SIGKILL)
                return
            time.sleep(0.05)

    thread = threading.Thread(target=killer)
    thread.start()
    return thread


def complete_keys(path: Path, study: str) -> list[str]:
    """grid keys of COMPLETE trials, read with plain sqlite3 (the study is an ordinary db)."""
    con = sqlite3.connect(path)
    rows = con.execute(
        "select a.value_json from trials t join studies s on s.study_id = t.study_id "
        "join trial_user_attributes a on a.trial_id = t.trial_id "
        "where s.study_name = ? and t.state = 'COMPLETE' and a.key = 'grid_key'",
        (study,),
    )
    keys = [json.loads(r[0]) for r in rows]
    con.close()
    return keys


def heavy_modules_loaded(code: str, heavy: Iterable[str]) -> list[str]:
    """Which of the ``heavy`` modules a fresh interpreter has loaded after running ``code``."""
    probe = f"import sys\n{code}\nprint([m for m in {list(heavy)!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return ast.literal_eval(out.stdout.strip())
