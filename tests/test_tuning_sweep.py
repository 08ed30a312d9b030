"""Sweeps against Python objectives and a small recipe object: storage, resume, growing grids,
failures, pruning, replay, a killed pool worker, results from the storage alone."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnmath import tuning
from support import complete_keys, kill_first_to_start


def noisy_quadratic(params, trial):
    """Gradient descent on L(w) = w^2 from a random start drawn from the trial's seed."""
    rng = np.random.default_rng(trial.seed)
    w = rng.normal(3.0, 0.1)
    for epoch in range(8):
        w -= params["learning_rate"] * 2 * w
        trial.report(epoch, w * w)
        if trial.should_prune():
            raise tuning.TrialPruned()
    if params.get("mode") == "broken":
        raise RuntimeError(f"broken on purpose at lr={params['learning_rate']}")
    return {"loss": w * w, "w": w}


class TinyRecipe:
    """A recipe-shaped object: logistic regression by gradient descent on fixed toy data."""

    name = "tiny"

    def fit(self, params, *, limit=None, seed=0, on_epoch=None, verbose=0):
        rng = np.random.default_rng(seed)
        x = np.random.default_rng(0).normal(size=(200, 3))
        y = (x @ np.array([1.0, -2.0, 0.5]) > 0).astype(float)
        w = rng.normal(0, 0.01, 3)
        losses = []
        for epoch in range(params["epochs"]):
            p = 1 / (1 + np.exp(-(x @ w)))
            losses.append(float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))))
            w -= params["learning_rate"] * x.T @ (p - y) / len(x)
            if on_epoch is not None and on_epoch(epoch, {"loss": losses[-1]}):
                break
        acc = float(np.mean(((x @ w) > 0) == (y > 0.5)))
        return SimpleNamespace(metrics={"accuracy": acc, "val_accuracy": acc, "loss": losses[-1]},
                               history={"loss": losses})


def _db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sweeps.db'}"


def test_grid_in_process_stores_params_seed_versions_and_finds_the_best(tmp_path):
    res = tuning.sweep(noisy_quadratic, {"learning_rate": [0.01, 0.1, 0.3]}, metric="loss",
                       workers=1, storage=_db(tmp_path), study="q", quiet=True)
    assert [t.state for t in res.trials] == ["complete"] * 3
    assert res.best_params == {"learning_rate": 0.3}
    assert res.best_value == min(t.metrics["loss"] for t in res.trials)
    for t in res.trials:
        assert t.seed == tuning.trial_seed(0, t.number)
        assert t.env["numpy"] == np.__version__ and t.env["blas_threads"] == 1
        assert len(t.reports) == 8
    assert [t.diagnosis for t in res.trials] == ["too slow", "good", "good"]
    again = tuning.load_study(_db(tmp_path), "q")  # from the storage alone
    assert [t.metrics for t in again.trials] == [t.metrics for t in res.trials]
    assert sorted(complete_keys(tmp_path / "sweeps.db", "q")) == sorted(
        json.dumps({"learning_rate": v}) for v in (0.01, 0.1, 0.3))


def test_grid_grows_runs_only_new_points_and_strings_can_be_added(tmp_path):
    db, study = _db(tmp_path), "grow"
    kw = dict(metric="loss", storage=db, study=study, quiet=True)
    first = tuning.sweep(noisy_quadratic, {"learning_rate": [0.1, 0.2], "mode": ["a"]},
                         workers=1, **kw)
    assert len(first.trials) == 2
    grown = tuning.sweep(noisy_quadratic, {"learning_rate": [0.1, 0.2, 0.05],
                                           "mode": ["a", "b"]}, workers=2, **kw)
    assert len(grown.trials) == 6  # 2 old + 4 new, nothing twice
    keys = complete_keys(tmp_path / "sweeps.db", study)
    assert len(keys) == len(set(keys)) == 6
    same = tuning.sweep(noisy_quadratic, {"learning_rate": [0.1, 0.2, 0.05],
                                          "mode": ["a", "b"]}, workers=1, **kw)
    assert len(same.trials) == 6  # nothing left to run


def test_a_raising_trial_is_recorded_failed_with_its_error_and_the_sweep_goes_on(tmp_path):
    res = tuning.sweep(noisy_quadratic, {"learning_rate": [0.1, 0.2],
                                         "mode": ["ok", "broken"]},
                       metric="loss", workers=2, storage=_db(tmp_path), study="f", quiet=True)
    failed = [t for t in res.trials if t.state == "fail"]
    assert sorted(t.params["learning_rate"] for t in failed) == [0.1, 0.2]
    assert all(t.error.startswith("RuntimeError: broken on purpose at lr=") for t in failed)
    assert str(failed[0].params["learning_rate"]) in failed[0].error
    assert sum(t.state == "complete" for t in res.trials) == 2
    assert "RuntimeError: broken on purpose" in res.table()
    rerun = tuning.sweep(noisy_quadratic, {"learning_rate": [0.1, 0.2],
                                           "mode": ["ok", "broken"]},
                         metric="loss", workers=1, storage=_db(tmp_path), study="f", quiet=True)
    assert len(rerun.trials) == 4  # an objective's error is final, not retried


def test_random_and_tpe_search_continue_to_n_trials(tmp_path):
    space = {"learning_rate": tuning.loguniform(1e-3, 0.4)}
    for search in ("random", "tpe"):
        kw = dict(search=search, metric="loss", workers=1, storage=_db(tmp_path),
                  study=search, quiet=True, seed=3)
        a = tuning.sweep(noisy_quadratic, space, n_trials=3, **kw)
        b = tuning.sweep(noisy_quadratic, space, n_trials=5, **kw)
        assert len(a.trials) == 3 and len(b.trials) == 5
        lrs = [t.params["learning_rate"] for t in b.trials]
        assert all(1e-3 <= v <= 0.4 for v in lrs) and len(set(lrs)) == 5


def test_replay_reproduces_a_trial_bit_for_bit(tmp_path):
    res = tuning.sweep(noisy_quadratic, {"learning_rate": [0.05, 0.15]}, metric="loss",
                       workers=2, storage=_db(tmp_path), study="r", quiet=True, seed=11)
    stored = tuning.load_study(_db(tmp_path), "r")
    stored._target = noisy_quadratic
    for t in res.trials:
        rep = stored.replay(t.number)
        assert rep.identical and rep.replayed["w"] == t.metrics["w"]
    with pytest.raises(KeyError, match="no trial 9"):
        stored.replay(9)


def test_recipe_objects_prune_bad_trials_and_report_epochs_saved(tmp_path):
    space = {"learning_rate": [2.0, 1.0, 0.001, 0.0005], "epochs": [30]}
    res = tuning.sweep(TinyRecipe(), space, workers=1, prune=True, storage=_db(tmp_path),
                       study="p", quiet=True)
    states = {t.params["learning_rate"]: t.state for t in res.trials}
    assert states[2.0] == states[1.0] == "complete"
    assert states[0.001] == states[0.0005] == "pruned"
    pruned = [t for t in res.trials if t.state == "pruned"]
    assert all(len(t.reports) < 30 for t in pruned)
    assert res.epochs_saved == sum(30 - len(t.reports) for t in pruned) > 0
    assert f"pruning saved {res.epochs_saved} epoch(s)" in res.table()
    # a pruned trial replays up to where it was pruned, bit for bit (not to the end)
    rep = res.replay(pruned[0].number)
    assert rep.identical and rep.stored == rep.replayed
    assert res.metric == "val_accuracy" and res.direction == "maximize"


def test_replay_counts_nan_as_the_same_value():
    from nnmath.tuning.results import ReplayResult

    nan = float("nan")
    assert ReplayResult(0, {"loss": nan, "acc": 0.5}, {"loss": float("nan"), "acc": 0.5}).identical
    assert not ReplayResult(0, {"loss": nan}, {"loss": 1.0}).identical
    assert not ReplayResult(0, {"loss": 1.0}, {"loss": 1.0, "acc": 0.5}).identical


def test_epochs_saved_counts_epochs_not_reports_for_classic_recipes():
    """Classic recipes report every 100 iterations (steps 0, 100, ...): a trial of 1500
    iterations pruned after its report at step 100 saved 1500 - 101 iterations, not 13."""
    from nnmath.tuning.results import SweepResult, TrialRecord

    def rec(n, state, last):
        return TrialRecord(number=n, params={"learning_rate": 0.1, "epochs": 1500},
                           state=state, value=0.7 if state == "complete" else None,
                           reports=[(s, 0.5) for s in range(0, last + 1, 100)])

    trials = [rec(0, "complete", 1400), rec(1, "pruned", 100), rec(2, "pruned", 300)]
    res = SweepResult("sqlite://", "s", {"target_kind": "recipe"}, "maximize", trials)
    assert res.epochs_saved == (1500 - 101) + (1500 - 301)


def test_pruning_decides_the_same_in_process_and_in_a_pool(tmp_path):
    space = {"learning_rate": [2.0, 1.0, 0.001, 0.0005], "epochs": [30]}
    runs = []
    for workers in (1, 2):
        # the two good trials first, so both backends have the same completed trials when
        # the slow ones ask the median rule
        first = tuning.sweep(TinyRecipe(), {"learning_rate": [2.0, 1.0], "epochs": [30]},
                             workers=workers, prune=True, storage=_db(tmp_path),
                             study=f"b{workers}", quiet=True)
        assert len(first.trials) == 2
        res = tuning.sweep(TinyRecipe(), space, workers=workers, prune=True,
                           storage=_db(tmp_path), study=f"b{workers}", quiet=True)
        runs.append({t.params["learning_rate"]: (t.state, t.reports) for t in res.trials})
    assert runs[0] == runs[1]


def test_a_killed_pool_worker_gets_its_trial_run_again(tmp_path):
    marks = tmp_path / "marks"
    marks.mkdir()

    def objective(params, trial):
        (marks / f"{params['x']}-{os.getpid()}").write_text("started")
        if params["x"] == 2:
            end = time.time() + 3
            while time.time() < end and len(list(marks.glob("2-*"))) < 2:
                time.sleep(0.05)
        return float(params["x"])

    thread = kill_first_to_start(marks, "2", settle=0.2, polls=600)
    res = tuning.sweep(objective, {"x": [1, 2, 3, 4]}, workers=2, storage=_db(tmp_path),
                       study="k", quiet=True)
    thread.join()
    assert len(list(marks.glob("2-*"))) == 2  # started twice, in two processes
    assert sorted(t.value for t in res.trials if t.state == "complete") == [1, 2, 3, 4]
    keys = complete_keys(tmp_path / "sweeps.db", "k")
    assert len(keys) == len(set(keys)) == 4


def test_csv_figures_and_html_page_from_storage_alone(tmp_path):
    tuning.sweep(TinyRecipe(), {"learning_rate": [3.0, 0.3, 0.0001], "epochs": [20]},
                 workers=1, storage=_db(tmp_path), study="h", quiet=True)
    res = tuning.load_study(_db(tmp_path), "h")
    csv_text = res.to_csv(tmp_path / "r.csv").read_text().splitlines()
    assert csv_text[0].startswith("number,state,value,epochs,learning_rate,accuracy")
    assert len(csv_text) == 4
    page = res.write_html(tmp_path / "page" / "index.html").read_text()
    assert page.count("data:image/png;base64,") == 3
    for t in res.trials:
        assert f"<td>{t.diagnosis}</td>" in page or f">{t.diagnosis}</span>" in page
    assert res.trials[2].diagnosis == "too slow"


def test_sweep_errors_name_the_problem(tmp_path):
    with pytest.raises(ValueError, match="needs n_trials"):
        tuning.sweep(noisy_quadratic, {"learning_rate": [0.1]}, search="random",
                     storage=_db(tmp_path))
    with pytest.raises(ValueError, match="expected search"):
        tuning.sweep(noisy_quadratic, {"learning_rate": [0.1]}, search="bayes",
                     storage=_db(tmp_path))
    tuning.sweep(noisy_quadratic, {"learning_rate": [0.1]}, metric="loss", workers=1,
                 storage=_db(tmp_path), study="s", quiet=True)
    with pytest.raises(ValueError, match="was made with metric 'loss', not 'w'"):
        tuning.sweep(noisy_quadratic, {"learning_rate": [0.1]}, metric="w", workers=1,
                     storage=_db(tmp_path), study="s", quiet=True)
    with pytest.raises(KeyError, match=r"no study 'nope'.*studies there: s"):
        tuning.load_study(_db(tmp_path), "nope")


def test_time_budget_stops_new_trials_and_too_many_workers_warn(tmp_path):
    res = tuning.sweep(noisy_quadratic, {"learning_rate": [0.1, 0.2]}, metric="loss",
                       workers=1, time_budget=0, storage=_db(tmp_path), study="t", quiet=True)
    assert res.trials == []
    from nnmath.tuning.executors import PoolExecutor

    with pytest.warns(RuntimeWarning, match="exceed the .* cores"):
        PoolExecutor((os.cpu_count() or 1) + 1).close()


def test_in_process_trials_stop_at_their_next_report_after_ctrl_c(tmp_path):
    """SIGINT during an in-process sweep: the running trial stops at trial.report, is marked
    failed (interrupted), SweepInterrupted is raised, and a rerun completes the grid."""
    once = tmp_path / "pressed"

    def objective(params, trial):
        for epoch in range(50):
            if params["x"] == 2 and epoch == 3 and not once.exists():
                once.write_text("")
                os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C now
            time.sleep(0.005)
            trial.report(epoch, 1.0 / (epoch + 1))
        return float(params["x"])

    kw = dict(workers=1, storage=_db(tmp_path), study="i", quiet=True)
    with pytest.raises(tuning.SweepInterrupted):
        tuning.sweep(objective, {"x": [1, 2, 3]}, **kw)
    res = tuning.load_study(_db(tmp_path), "i")
    assert [(t.params["x"], t.state) for t in res.trials] == [(1, "complete"), (2, "fail")]
    assert "interrupted" in res.trials[1].error
    assert len(res.trials[1].reports) == 4  # what it reported before stopping is kept
    again = tuning.sweep(objective, {"x": [1, 2, 3]}, **kw)
    done = sorted(t.params["x"] for t in again.trials if t.state == "complete")
    assert done == [1, 2, 3] and len(again.trials) == 4
