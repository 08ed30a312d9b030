"""A sweep on a real Dask cluster on 127.0.0.1: `dask scheduler` and two `dask worker`
processes on free ports; one worker is SIGKILLed while it runs a trial."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnmath import tuning
from nnmath.tuning.executors import DASK_MALLOC_OVERRIDE
from support import complete_keys, kill_first_to_start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group we started (nanny + worker)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture
def cluster(tmp_path):
    """Scheduler + 2 workers (1 thread each) with the Nanny's MALLOC_TRIM_THRESHOLD_ unset
    through the documented config key, in a config file of its own."""
    from distributed import Client

    cfg = tmp_path / "dask-config"
    cfg.mkdir()
    key = next(iter(DASK_MALLOC_OVERRIDE)).split(".")
    (cfg / "nnmath.yaml").write_text(f"{key[0]}:\n  {key[1]}:\n    {key[2]}:\n"
                                     f"      {key[3]}: null\n")
    env = dict(os.environ, DASK_CONFIG=str(cfg))
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = [sys.executable, "-m", "dask"]
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port",
                               address.rsplit(":", 1)[1], "--dashboard-address", "127.0.0.1:0",
                               "--no-show"], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        for name in ("w1", "w2"):
            procs.append(subprocess.Popen(
                [*dask, "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                 "--no-dashboard", "--name", name, "--death-timeout", "120"],
                env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL))
        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)


def test_sweep_on_dask_survives_a_worker_killed_mid_trial(cluster, tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()

    def objective(params, trial):
        (marks / f"{params['x']}-{os.getpid()}").write_text("started")
        if params["x"] == 3:  # the trial the test kills: waits until it was started twice
            end = time.time() + 20
            while time.time() < end and len(list(marks.glob("3-*"))) < 2:
                time.sleep(0.05)
        else:
            time.sleep(0.3)
        return {"value": float(params["x"]) ** 2,
                "trim_set": float("MALLOC_TRIM_THRESHOLD_" in os.environ)}

    thread = kill_first_to_start(marks, "3", settle=0.3, polls=1200)
    db = tmp_path / "sweeps.db"
    res = tuning.sweep(objective, {"x": [1, 2, 3, 4, 5, 6]}, metric="value", address=cluster,
                       storage=f"sqlite:///{db}", study="dask", quiet=True)
    thread.join()
    started = sorted(p.name for p in marks.glob("3-*"))
    assert len(started) == 2 and started[0].split("-")[1] != started[1].split("-")[1]
    assert sorted(t.value for t in res.trials) == [1, 4, 9, 16, 25, 36]
    assert all(t.state == "complete" for t in res.trials)
    keys = complete_keys(db, "dask")
    assert len(keys) == len(set(keys)) == 6  # every trial completed exactly once
    assert {t.env["pid"] for t in res.trials} - {os.getpid()}  # ran elsewhere
    assert all(t.metrics["trim_set"] == 0.0 for t in res.trials)  # the override took effect
    assert all(t.env["blas_threads"] == 1 and not t.env["malloc_fixed"] for t in res.trials)
    assert Path(db).is_file()
