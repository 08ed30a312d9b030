"""The sweep driver: asks Optuna for parameters, hands trials to an executor, tells results.

Ask/tell: the driver alone talks to the storage. For each trial it asks the study for a new
trial (a grid point, or parameters drawn by the random or TPE sampler), writes the trial's
parameters, seed and grid key, submits a job to the executor, and when the outcome comes
back it writes the metrics, the learning curve, the reports, the diagnosis and the state.

Nothing lost, nothing run twice:

* rerunning the same sweep (same storage and study name) runs only what is missing: grid
  points without a finished trial (by ``grid_key``, so a grid may gain values), or the
  trials still missing from ``n_trials``;
* Ctrl-C sets a flag (a signal handler: no ``KeyboardInterrupt`` inside library code); the
  driver stops submitting, records every trial that finished, marks those it left running
  as failed ("interrupted", run again on resume) and raises :class:`SweepInterrupted`
  (the command line exits with 130);
* a worker killed mid-trial: Dask runs the task again on another worker; the local pool is
  rebuilt and the trial submitted again (at most 3 attempts);
* an objective that raises: the trial is recorded as failed with the error text (not run
  again on resume) and the sweep goes on.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from . import spaces
from .trial import trial_seed

__all__ = ["SweepInterrupted", "sweep"]

MAX_ATTEMPTS = 3
POLL_SECONDS = 0.2


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was stopped by Ctrl-C after recording every finished trial."""


class _StopFlag:
    """SIGINT sets the flag; the driver polls it between waits."""

    def __init__(self) -> None:
        self.stopped = False
        self._previous: Any = None

    def __call__(self) -> bool:
        return self.stopped

    def _handler(self, signum: int, frame: Any) -> None:
        if self.stopped:  # a second Ctrl-C: the user insists
            print("sweep: stopping (recording finished trials)...", flush=True)
        self.stopped = True

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def restore(self) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def describe_target(target: Any) -> dict[str, Any]:
    """The job's ``target`` entry: a recipe name, a recipe object, or a function."""
    if isinstance(target, str) and ":" not in target:
        from nnmath import recipes

        recipes.get(target)  # unknown names fail here, before any storage is touched
        return {"kind": "recipe", "name": target, "ref": target}
    if isinstance(target, str):
        from .trial import resolve_function

        resolve_function(target)
        return {"kind": "function", "ref": target, "pickled": None}
    if hasattr(target, "fit") and hasattr(target, "name"):
        return {"kind": "recipe", "name": target.name, "ref": f"recipe object {target.name}",
                "pickled": _pickle(target)}
    if callable(target):
        ref = f"{target.__module__}:{target.__qualname__}"
        return {"kind": "function", "ref": ref, "pickled": _pickle(target)}
    raise ValueError(f"sweep: expected a recipe name or a function objective(params, trial), got "
                     f"{target!r}")


def _pickle(obj: Any) -> bytes:
    """``obj`` by value (workers need not import the module that defined it)."""
    import sys

    import cloudpickle

    module = sys.modules.get(getattr(obj, "__module__", None) or type(obj).__module__)
    by_value = module is not None and not module.__name__.startswith(("nnmath", "builtins"))
    if by_value and module.__name__ != "__main__":
        cloudpickle.register_pickle_by_value(module)
    try:
        return cloudpickle.dumps(obj)
    finally:
        if by_value and module.__name__ != "__main__":
            cloudpickle.unregister_pickle_by_value(module)


def sweep(
    target: Any,
    space: dict[str, Any],
    *,
    search: str = "grid",
    n_trials: int | None = None,
    metric: str | None = None,
    direction: str | None = None,
    epochs: int | None = None,
    limit: int | None = None,
    workers: int | None = None,
    address: str | None = None,
    storage: str = "sqlite:///sweeps.db",
    study: str | None = None,
    prune: bool = False,
    time_budget: float | None = None,
    seed: int = 0,
    quiet: bool = False,
) -> Any:
    """Search ``space`` for the best parameters of ``target``; every trial goes to ``storage``.

    Args:
        target: a recipe name (``"cat-logistic"``, ``"mnist-mlp"``, ...), a function
            ``objective(params, trial) -> float | dict`` (it may call ``trial.report(epoch,
            value)`` and ``trial.should_prune()``), or ``"module:function"``.
        space: parameter -> list of values, or a distribution (``loguniform``, ``uniform``,
            ``intrange``, ``choice``).
        search: ``"grid"`` (every combination), ``"random"`` or ``"tpe"`` (Optuna's samplers).
        n_trials: random/TPE: trials the study should have in total; grid: at most this many
            new trials in this run.
        metric: the key to optimize (default: a recipe's ``val_accuracy``; a function's value).
        direction: ``"maximize"`` or ``"minimize"`` (default: maximize an accuracy, minimize
            anything else).
        epochs: sets ``params["epochs"]`` (iterations for classic recipes) unless in ``space``.
        limit: train on the first ``limit`` samples (recipes).
        workers: trials at once on this machine (default: the number of cores; 1 runs them
            in this process).
        address: a Dask scheduler, ``"tcp://host:8786"`` (default ``$DASK_SCHEDULER_ADDRESS``).
        storage: an Optuna storage URL: ``sqlite:///sweeps.db`` or a PostgreSQL URL.
        study: the study name (default ``"<target>-<search>"``); the same name continues it.
        prune: stop trials worse than the median of the finished ones at the same epoch.
        time_budget: seconds after which no new trial starts (running ones finish).
        seed: the study seed; trial ``n`` runs with ``trial_seed(seed, n)``.
        quiet: no progress lines.

    Returns:
        the :class:`~nnmath.tuning.results.SweepResult` of the whole study.

    Raises:
        ValueError: a bad space or option, an unknown recipe, a study of another target.
        SweepInterrupted: Ctrl-C (after recording every finished trial).
    """
    import optuna

    from .executors import make_executor
    from .results import load_study
    from .storage import open_storage

    if search not in ("grid", "random", "tpe"):
        raise ValueError(f"sweep: expected search 'grid', 'random' or 'tpe', got {search!r}")
    if search != "grid" and n_trials is None and time_budget is None:
        raise ValueError(f"sweep: {search} search needs n_trials (or a time_budget)")
    space = spaces.normalize_space(space, search)
    if epochs is not None and "epochs" not in space:
        space["epochs"] = [int(epochs)] if search == "grid" else spaces.Choice((int(epochs),))
    tgt = describe_target(target)
    _check_recipe_params(target, space)
    if direction is None:
        direction = "maximize" if (metric is None and tgt["kind"] == "recipe") or (
            metric is not None and "accuracy" in metric) else "minimize"
    if direction not in ("maximize", "minimize"):
        raise ValueError(f"sweep: expected direction 'maximize' or 'minimize', got {direction!r}")
    name = study or f"{tgt['name'] if tgt['kind'] == 'recipe' else tgt['ref']}-{search}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    flag = _StopFlag()
    flag.install()  # from here on, Ctrl-C only sets the flag
    executor = None
    try:
        ostudy = optuna.create_study(storage=open_storage(storage), study_name=name,
                                     direction=direction, load_if_exists=True)
        # a resumed study must not draw the same parameters again: the sampler's seed
        # mixes the study seed with the number of trials already there
        sampler_seed = trial_seed(seed, len(ostudy.get_trials(deepcopy=False)) + 10**6)
        ostudy.sampler = (optuna.samplers.TPESampler(seed=sampler_seed) if search == "tpe" else
                          optuna.samplers.RandomSampler(seed=sampler_seed))
        _check_or_store_study(ostudy, tgt, metric, direction, search, seed, limit)
        _fail_stale(ostudy)
        todo = _plan(ostudy, space, search, n_trials)
        executor = make_executor(workers, address, stop=flag)
        say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
        left: Any = len(todo) if todo is not None else "up to the time budget"
        if todo is None and n_trials is not None:
            left = max(n_trials - _finished_keys(ostudy)[1], 0)
        say(f"sweep {name!r}: {left} trial(s) to run on "
            f"{executor.name} ({executor.capacity()} at once), storage {storage}")
        _drive(ostudy, executor, todo, n_trials, space, search, tgt, metric, direction, prune,
               limit, seed, time_budget, flag, say)
    finally:
        flag.restore()
        if executor is not None:
            executor.close()
    if flag.stopped:
        raise SweepInterrupted(f"sweep {name!r}: interrupted; finished trials are recorded, "
                               "rerun the same command to continue")
    result = load_study(storage, name)
    result._target = target
    return result


def _check_recipe_params(target: Any, space: dict[str, Any]) -> None:
    """A recipe's sweep may vary only the recipe's parameters (fail before any trial)."""
    if not isinstance(target, str) or ":" in target:
        return
    from nnmath import recipes

    known = getattr(recipes.get(target), "defaults", None)
    unknown = sorted(set(space) - set(known or space))
    if unknown:
        raise ValueError(f"sweep: recipe {target!r} has no parameter(s) "
                         f"{', '.join(map(repr, unknown))}; it takes {', '.join(known)}")


def _check_or_store_study(ostudy: Any, tgt: dict, metric: str | None, direction: str,
                          search: str, seed: int, limit: int | None) -> None:
    attrs = ostudy.user_attrs
    mine = {"target": tgt["ref"], "target_kind": tgt["kind"], "metric": metric,
            "direction": direction}
    if "target" in attrs:
        for key, value in mine.items():
            if attrs.get(key) != value:
                raise ValueError(
                    f"sweep: study {ostudy.study_name!r} in this storage was made with {key} "
                    f"{attrs.get(key)!r}, not {value!r}; give another --study name")
        return
    import optuna

    for key, value in {**mine, "search": search, "seed": seed, "limit": limit,
                       "optuna": optuna.__version__}.items():
        ostudy.set_user_attr(key, value)


def _fail_stale(ostudy: Any) -> None:
    """Trials left RUNNING by a driver that was killed: failed, to be run again."""
    import optuna

    for t in ostudy.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        optuna.trial.Trial(ostudy, t._trial_id).set_user_attr(
            "error", "interrupted: its driver stopped before it finished (runs again)")
        ostudy.tell(t.number, state=optuna.trial.TrialState.FAIL)


def _fail_unstarted(ostudy: Any) -> None:
    """The trial an ``ask`` created before it failed (RUNNING, no parameters): failed."""
    import optuna

    for t in ostudy.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if "params" not in t.user_attrs:
            ostudy.tell(t.number, state=optuna.trial.TrialState.FAIL)


def _finished_keys(ostudy: Any) -> tuple[set[str], int]:
    """Grid keys of finished trials, and how many trials are finished."""
    import optuna

    keys, n = set(), 0
    for t in ostudy.get_trials(deepcopy=False):
        done = t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED) or (
            t.state == optuna.trial.TrialState.FAIL and t.user_attrs.get("objective_error"))
        if done:
            n += 1
            if "grid_key" in t.user_attrs:
                keys.add(t.user_attrs["grid_key"])
    return keys, n


def _plan(ostudy: Any, space: dict[str, Any], search: str, n_trials: int | None) -> list | None:
    """Grid: the missing grid points (a list); random/TPE: None (count-based)."""
    if search != "grid":
        return None
    done, _ = _finished_keys(ostudy)
    todo = [p for p in spaces.expand_grid(space) if spaces.grid_key(p) not in done]
    return todo[:n_trials] if n_trials is not None else todo


def _ask(ostudy: Any, params: dict | None, space: dict[str, Any]) -> tuple[Any, dict]:
    """A new RUNNING trial with ``params`` (grid) or sampled ones (random/TPE)."""
    from optuna import distributions as od

    if params is None:
        dists = {k: spaces.optuna_distribution(v) for k, v in space.items()}
        try:
            trial = ostudy.ask(dists)
        except ValueError as exc:  # e.g. a changed list of choices under the same name
            _fail_unstarted(ostudy)
            raise ValueError(f"sweep: study {ostudy.study_name!r} stores these parameters "
                             f"differently ({exc}); give another --study name") from None
        return trial, dict(trial.params)
    fixed = {}
    for k, v in params.items():
        if spaces.is_number(v):
            fixed[k] = od.IntDistribution(v, v) if isinstance(v, int) else od.FloatDistribution(
                float(v), float(v))
        else:  # a grid may grow: store the position in an append-only list of values
            attr = f"values:{k}"
            known = list(ostudy.user_attrs.get(attr, []))
            if v not in known:
                known.append(v)
                ostudy.set_user_attr(attr, known)
            i = known.index(v)
            fixed[k] = od.IntDistribution(i, i)
    try:
        trial = ostudy.ask(fixed)
    except ValueError as exc:
        _fail_unstarted(ostudy)
        raise ValueError(f"sweep: study {ostudy.study_name!r} stores these parameters "
                         f"differently ({exc}); give another --study name") from None
    return trial, dict(params)


def _prune_snapshot(ostudy: Any, direction: str, tgt: dict) -> dict:
    import optuna

    from .pruning import MedianRule

    completed: dict[int, list[float]] = {}
    for t in ostudy.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        for step, v in t.intermediate_values.items():
            completed.setdefault(step, []).append(v)
    # recipes report losses (minimized); functions report in the study's direction
    rule_dir = "minimize" if tgt["kind"] == "recipe" else direction
    return MedianRule(completed, rule_dir).to_json()


def _drive(ostudy: Any, executor: Any, todo: list | None, n_trials: int | None, space: dict,
           search: str, tgt: dict,
           metric: str | None, direction: str, prune: bool, limit: int | None, seed: int,
           time_budget: float | None, flag: _StopFlag, say: Callable[..., None]) -> None:
    """The ask / submit / wait / tell loop."""
    t0 = time.perf_counter()
    in_flight: dict[Any, tuple[Any, dict]] = {}
    queue = list(todo) if todo is not None else None
    _, finished_before = _finished_keys(ostudy)
    n_done = 0
    total = len(queue) if queue is not None else (
        None if n_trials is None else max(n_trials - finished_before, 0))

    def more() -> bool:
        if time_budget is not None and time.perf_counter() - t0 > time_budget:
            return False
        if queue is not None:
            return bool(queue)
        if total is not None:
            return n_done + len(in_flight) < total
        return True

    while not flag.stopped:
        cap = executor.capacity()
        while not flag.stopped and len(in_flight) < cap and more():
            params = queue.pop(0) if queue is not None else None
            otrial, params = _ask(ostudy, params, space)
            job = _job(otrial, params, tgt, metric, limit, seed, search,
                       _prune_snapshot(ostudy, direction, tgt) if prune else None)
            in_flight[executor.submit(job)] = (otrial, job)
        if not in_flight:
            break
        for fut in executor.wait(list(in_flight), POLL_SECONDS):
            if fut not in in_flight:  # replaced when a broken pool was rebuilt
                continue
            otrial, job = in_flight.pop(fut)
            try:
                out = fut.result()
            except Exception as exc:  # the worker died (not the objective: that is caught)
                if flag.stopped:
                    in_flight[fut] = (otrial, job)
                    continue
                job["attempt"] = job.get("attempt", 1) + 1
                if job["attempt"] <= MAX_ATTEMPTS:
                    say(f"  trial {otrial.number}: worker lost ({type(exc).__name__}); "
                        f"running it again (attempt {job['attempt']})")
                    if hasattr(executor, "restart") and "BrokenProcessPool" in type(exc).__name__:
                        in_flight = _resubmit_all(executor, in_flight)
                    in_flight[executor.submit(job)] = (otrial, job)
                    continue
                out = {"state": "fail", "error": f"worker lost {MAX_ATTEMPTS} times: {exc}",
                       "number": otrial.number, "params": job["params"], "seed": job["seed"]}
            n_done += 1
            _record(ostudy, otrial, out, tgt)
            shown = metric or ("val_accuracy" if tgt["kind"] == "recipe" else "value")
            say(_progress_line(out, shown, n_done, total))
        if time_budget is not None and not more() and not in_flight:
            break
    if flag.stopped:
        for fut in [f for f in list(in_flight) if f.done()]:  # finished meanwhile: keep them
            otrial, job = in_flight.pop(fut)
            try:
                _record(ostudy, otrial, fut.result(), tgt)
            except Exception:
                in_flight[fut] = (otrial, job)
        executor.cancel(list(in_flight))
        for otrial, _ in in_flight.values():
            _record(ostudy, otrial, {"state": "interrupted", "error": "interrupted (Ctrl-C) "
                                     "before it finished; runs again on resume"}, tgt)
        say(f"sweep: interrupted; {n_done} trial(s) recorded, {len(in_flight)} running trial(s) "
            "marked failed (they run again on resume)")


def _resubmit_all(executor: Any, in_flight: dict) -> dict:
    """A broken local pool loses every running trial: restart it and submit them again."""
    executor.restart()
    return {executor.submit(job): (otrial, job) for otrial, job in in_flight.values()}


def _job(otrial: Any, params: dict, tgt: dict, metric: str | None, limit: int | None,
         seed: int, search: str, prune: dict | None) -> dict[str, Any]:
    number = otrial.number
    s = trial_seed(seed, number)
    otrial.set_user_attr("params", params)
    otrial.set_user_attr("seed", s)
    if search == "grid":
        otrial.set_user_attr("grid_key", spaces.grid_key(params))
    return {"number": number, "seed": s, "params": params, "target": tgt, "metric": metric,
            "limit": limit, "prune": prune}


def _record(ostudy: Any, otrial: Any, out: dict[str, Any], tgt: dict) -> None:
    """Write one outcome to the storage (the driver is the only writer)."""
    import optuna

    TS = optuna.trial.TrialState
    if out["state"] == "interrupted" and not out.get("error"):
        out = dict(out, error="interrupted (Ctrl-C) before it finished; runs again on resume")
    for key in ("metrics", "history", "diagnosis", "duration", "env", "error"):
        if out.get(key) is not None:
            otrial.set_user_attr(key, _finite(out[key]))
    if out.get("reports"):
        otrial.set_user_attr("epochs_run", len(out["reports"]))
        otrial.set_user_attr("last_step", out["reports"][-1][0])
        seen = set()
        for step, value in out["reports"]:
            if step not in seen and math.isfinite(value):
                otrial.report(value, step)
                seen.add(step)
    state = out["state"]
    if state == "complete" and out.get("value") is not None and math.isfinite(out["value"]):
        ostudy.tell(otrial, out["value"])
    elif state == "pruned":
        ostudy.tell(otrial, state=TS.PRUNED)
    else:
        if state == "fail":
            otrial.set_user_attr("objective_error", True)  # done: not run again on resume
        if state == "complete":
            otrial.set_user_attr("error", f"non-finite value {out.get('value')}")
            otrial.set_user_attr("objective_error", True)
        ostudy.tell(otrial, state=TS.FAIL)


def _finite(v: Any) -> Any:
    """JSON-safe: non-finite floats as strings."""
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_finite(x) for x in v]
    return v


def _progress_line(out: dict, metric: str | None, done: int, total: int | None) -> str:
    params = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                      for k, v in (out.get("params") or {}).items())
    value = out.get("value")
    shown = f"{metric or 'value'} {value:.4g}" if isinstance(value, float) else out["state"]
    if out["state"] == "fail":
        shown = f"FAILED: {out.get('error')}"
    elif out["state"] == "pruned":
        reports = out.get("reports") or []  # steps count from 0 (classic: iterations)
        shown = f"pruned after {reports[-1][0] + 1 if reports else 0} epoch(s)"
    count = f"[{done}/{total}]" if total else f"[{done}]"
    return (f"  trial {out.get('number')}: {params}  {shown}  {out.get('diagnosis', '')}  "
            f"{out.get('duration', 0):.1f} s  {count}")
