"""One trial, as it runs on a worker: the ``Trial`` an objective sees and ``run_trial``.

``run_trial(job)`` is the ONE function every backend executes (in-process, a local process
pool, a Dask worker). It receives a plain dict (the job) and returns a plain dict (the
outcome); it never touches the storage: only the driver writes. An exception in the
objective becomes ``state="fail"`` with its error text, so the sweep goes on.

Seeds: ``trial_seed(study_seed, number)`` mixes the study seed and the trial number through
``np.random.SeedSequence`` (independent, reproducible streams); the seed is stored with the
trial, so a replay reruns the trial bit for bit.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

from .diagnosis import diagnose
from .pruning import MedianRule

__all__ = ["Trial", "TrialPruned", "environment", "run_trial", "trial_seed"]


class TrialPruned(Exception):  # noqa: N818 - the name users know from Optuna
    """Raise from an objective (after ``trial.should_prune()``) to stop a trial as pruned."""


class TrialInterrupted(BaseException):
    """Raised by ``trial.report`` in an in-process trial once Ctrl-C was pressed: the trial
    stops at a point of its own choosing (a report), never inside library code."""


def trial_seed(study_seed: int, number: int) -> int:
    """The seed of trial ``number`` of a study seeded ``study_seed`` (a 31-bit integer)."""
    state = np.random.SeedSequence([int(study_seed), int(number)]).generate_state(1)[0]
    return int(state) & 0x7FFFFFFF


class Trial:
    """What an objective function receives with its parameters.

    Attributes:
        number: the trial number in the study; seed: its seed; params: its parameters.

    Example:
        >>> def objective(params, trial):
        ...     for epoch in range(10):
        ...         loss = train_one_epoch(params["learning_rate"], seed=trial.seed)
        ...         trial.report(epoch, loss)
        ...         if trial.should_prune():
        ...             raise TrialPruned()
        ...     return loss
    """

    def __init__(self, number: int, seed: int, params: dict[str, Any],
                 rule: MedianRule | None = None, stop: Callable[[], bool] | None = None) -> None:
        self.number, self.seed, self.params = number, seed, dict(params)
        self.reports: list[tuple[int, float]] = []
        self._rule = rule
        self._stop = stop or (lambda: False)
        self.pruned = False

    def report(self, step: int, value: float) -> None:
        """Record the intermediate ``value`` (e.g. a validation loss) at ``step`` (an epoch).

        Raises:
            TrialInterrupted: in-process, after Ctrl-C (the driver records the trial as
                interrupted; it runs again on resume).
        """
        self.reports.append((int(step), float(value)))
        if self._stop():
            raise TrialInterrupted

    def should_prune(self) -> bool:
        """True when the median rule says this trial is worse than the completed ones at its
        latest reported step (always False without ``prune=True``)."""
        if self._rule is not None and self._rule.should_prune(self.reports):
            self.pruned = True
        return self.pruned

    @property
    def interrupted(self) -> bool:
        """True once the driver was asked to stop (in-process trials only)."""
        return self._stop()


def environment() -> dict[str, Any]:
    """Library versions, BLAS thread count, host and process: stored with every trial."""
    import nnmath

    env = {"nnmath": nnmath.__version__, "numpy": np.__version__,
           "python": platform.python_version(), "host": platform.node(), "pid": os.getpid()}
    try:
        env["blas_threads"] = nnmath.get_num_threads()
    except Exception:  # pragma: no cover - no threadpoolctl
        env["blas_threads"] = os.environ.get("OPENBLAS_NUM_THREADS")
    return env


def limit_threads() -> None:
    """One BLAS/OpenMP thread in this process (every worker calls it before a trial)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        import nnmath

        if nnmath.get_num_threads() != 1:
            nnmath.set_num_threads(1)
    except ImportError:  # pragma: no cover - no threadpoolctl: the environment is all we have
        pass


def fix_malloc() -> bool:
    """Undo the Dask Nanny's ``MALLOC_TRIM_THRESHOLD_`` in a running worker (glibc only).

    Setting that variable switches off glibc's adaptive mmap threshold: every NumPy array
    above 128 KiB is then mapped and unmapped again, page faults each time (measured: NumPy
    trials 2.3x slower). Workers started with the documented override
    (``distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_: null``) do not have it;
    for the others this raises the mmap threshold to 32 MiB at run time. Returns whether it
    had to.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_mmap_threshold, m_trim_threshold = -3, -1
        libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)
        libc.mallopt(m_trim_threshold, 64 * 1024 * 1024)
        return True
    except OSError:  # pragma: no cover - not glibc
        return False


def resolve_function(ref: str) -> Callable[..., Any]:
    """The function named ``"package.module:function"``.

    Raises:
        ValueError: not of that form, or nothing of that name.
    """
    import importlib

    module, _, name = ref.partition(":")
    if not module or not name:
        raise ValueError(f"sweep: expected a function as 'module:function', got {ref!r}")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise ValueError(f"sweep: module {module!r} has no {name!r}")
    return obj


def _objective(job: dict[str, Any]) -> Callable[[dict, Trial], Any]:
    target = job["target"]
    if target["kind"] == "recipe":
        return lambda params, trial: _recipe_objective(job, params, trial)
    if target.get("pickled") is not None:
        import cloudpickle

        return cloudpickle.loads(target["pickled"])
    return resolve_function(target["ref"])


def _recipe_objective(job: dict[str, Any], params: dict, trial: Trial) -> dict[str, Any]:
    """Train recipe ``job['target']['name']`` with ``params``; report the epoch losses."""
    if job["target"].get("pickled") is not None:  # a recipe object, not a registered name
        import cloudpickle

        recipe = cloudpickle.loads(job["target"]["pickled"])
    else:
        from nnmath import recipes

        recipe = recipes.get(job["target"]["name"])

    def on_epoch(epoch: int, logs: dict) -> bool:
        key = "val_loss" if "val_loss" in logs else "loss"
        trial.reports.append((int(epoch), float(logs[key])))  # no raise: stop by returning
        return bool(trial.should_prune() or trial.interrupted)

    res = recipe.fit(params, limit=job.get("limit"), seed=trial.seed, on_epoch=on_epoch,
                     verbose=0)
    return {"metrics": {k: float(v) for k, v in res.metrics.items()},
            "history": {k: [float(x) for x in v] for k, v in res.history.items()}}


class StopAt:
    """A pruning rule that stops a trial once it reported ``step``: replays a pruned trial."""

    def __init__(self, step: int) -> None:
        self.step = step

    def should_prune(self, reports: list[tuple[int, float]]) -> bool:
        return bool(reports) and reports[-1][0] >= self.step


def run_trial(job: dict[str, Any], stop: Callable[[], bool] | None = None) -> dict[str, Any]:
    """Run one trial and describe its outcome (never raises for the objective's errors).

    Args:
        job: ``number``, ``seed``, ``params``, ``target`` (``{"kind": "recipe", "name": ...}``
            or ``{"kind": "function", "pickled": bytes | None, "ref": "module:function"}``),
            ``metric`` (a key of a dict result, or None), ``prune`` (a ``MedianRule`` as JSON
            or None), ``limit``, ``dask`` (True on a Dask worker).
        stop: in-process only: a function that says when the driver was interrupted.

    Returns:
        ``number``, ``state`` ("complete" | "pruned" | "fail" | "interrupted"), ``value``,
        ``metrics``, ``history``, ``reports``, ``error``, ``duration``, ``env``, ``diagnosis``.
    """
    t0 = time.perf_counter()
    limit_threads()
    malloc_fixed = fix_malloc() if job.get("dask") else False
    rule: Any = MedianRule.from_json(job["prune"]) if job.get("prune") else None
    if job.get("stop_at") is not None:  # replaying a pruned trial: stop where it stopped
        rule = StopAt(int(job["stop_at"]))
    trial = Trial(job["number"], job["seed"], job["params"], rule, stop)
    out: dict[str, Any] = {"number": job["number"], "params": job["params"],
                           "seed": job["seed"], "metrics": {}, "history": {}, "error": None,
                           "value": None}
    try:
        result = _objective(job)(dict(job["params"]), trial)
        if isinstance(result, dict) and "metrics" in result and job["target"]["kind"] == "recipe":
            out["metrics"], out["history"] = result["metrics"], result["history"]
        elif isinstance(result, dict):
            out["metrics"] = {k: float(v) for k, v in result.items()}
        else:
            out["metrics"] = {"value": float(result)}
        out["value"] = _pick(out["metrics"], job.get("metric"), job["target"]["kind"])
        out["state"] = "pruned" if trial.pruned else "complete"
        if trial.interrupted and not trial.pruned and job["target"]["kind"] == "recipe":
            out["state"] = "interrupted"
    except TrialPruned:
        out["state"] = "pruned"
    except TrialInterrupted:
        out["state"] = "interrupted"
    except Exception as exc:
        out["state"] = "fail"
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["traceback"] = traceback.format_exc(limit=8)
    out["reports"] = trial.reports
    curve = out["history"].get("loss") or [v for _, v in trial.reports]
    out["diagnosis"] = diagnose(curve) if curve else "unknown"
    out["duration"] = time.perf_counter() - t0
    out["env"] = environment() | {"malloc_fixed": malloc_fixed}
    json.dumps(out["metrics"])  # plain values only (fails loudly on a bad objective result)
    return out


def _pick(metrics: dict[str, float], metric: str | None, kind: str) -> float:
    """The value the study optimizes, from a trial's metrics."""
    if metric is None:
        if kind == "recipe":
            metric = "val_accuracy" if "val_accuracy" in metrics else "accuracy"
        elif len(metrics) == 1:
            return next(iter(metrics.values()))
        else:
            raise ValueError(f"the objective returned several values {sorted(metrics)}; name "
                             "the one to optimize with metric=")
    if metric not in metrics:
        raise ValueError(f"metric {metric!r} is not among the trial's results {sorted(metrics)}")
    return float(metrics[metric])
