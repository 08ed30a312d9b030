"""A sweep's results, read from the storage alone: trials, best parameters, CSV, replay.

``load_study(storage, study)`` rebuilds a :class:`SweepResult` from the Optuna storage (an
SQLite file by default), so results can be looked at from another process or machine, and
the static HTML page of :mod:`.report` needs nothing else.

Example:
    >>> result = load_study("sqlite:///sweeps.db", "cat-logistic-grid")  # doctest: +SKIP
    >>> result.best_params, result.best_value                            # doctest: +SKIP
    ({'learning_rate': 0.005, 'epochs': 1500}, 0.7)
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ReplayResult", "SweepResult", "TrialRecord", "load_study"]


@dataclass
class TrialRecord:
    """One trial as stored: ``state`` is complete, pruned, fail or running."""

    number: int
    params: dict[str, Any]
    state: str
    value: float | None
    metrics: dict[str, float] = field(default_factory=dict)
    seed: int | None = None
    duration: float | None = None
    error: str | None = None
    diagnosis: str = "unknown"
    history: dict[str, list[float]] = field(default_factory=dict)
    reports: list[tuple[int, float]] = field(default_factory=list)
    env: dict[str, Any] = field(default_factory=dict)
    last_step: int | None = None  # the last step reported (non-finite reports included)

    @property
    def curve(self) -> list[float]:
        """The loss curve: the recipe's per-epoch loss, else the reported values."""
        return [float(v) for v in self.history.get("loss", [])] or [v for _, v in self.reports]


@dataclass
class ReplayResult:
    """A trial run again: its stored and its new metrics, and whether they are identical."""

    number: int
    stored: dict[str, float]
    replayed: dict[str, float]

    @property
    def identical(self) -> bool:
        """Same keys and same values bit for bit (a NaN equals a NaN: a diverged trial
        replays as diverged)."""
        return self.stored.keys() == self.replayed.keys() and all(
            same(self.stored[k], self.replayed[k]) for k in self.stored)


def same(a: Any, b: Any) -> bool:
    """``a == b``, where two NaNs count as the same value."""
    nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    return nan or a == b


class SweepResult:
    """All trials of one study (see ``load_study``)."""

    def __init__(self, storage: str, study: str, attrs: dict[str, Any], direction: str,
                 trials: list[TrialRecord]) -> None:
        self.storage, self.study, self.attrs = storage, study, attrs
        self.direction = direction
        self.metric = attrs.get("metric") or ("val_accuracy" if attrs.get("target_kind") ==
                                              "recipe" else "value")
        self.trials = trials
        self._target: Any = None

    # ------------------------------------------------------------------ summaries
    @property
    def completed(self) -> list[TrialRecord]:
        return [t for t in self.trials if t.state == "complete" and t.value is not None]

    @property
    def best_trial(self) -> TrialRecord | None:
        done = self.completed
        if not done:
            return None
        key = (lambda t: t.value) if self.direction == "minimize" else (lambda t: -t.value)
        return min(done, key=key)

    @property
    def best_params(self) -> dict[str, Any] | None:
        best = self.best_trial
        return None if best is None else dict(best.params)

    @property
    def best_value(self) -> float | None:
        best = self.best_trial
        return None if best is None else best.value

    @property
    def epochs_saved(self) -> int:
        """Epochs that pruning did not run (for the classic full-batch recipes, where
        "epochs" are iterations reported every 100: iterations): for each pruned trial, its
        planned ``epochs`` (else the longest completed trial's) minus the epochs it ran,
        ``last reported step + 1`` (steps count from 0)."""
        def ran(t: TrialRecord) -> int:
            if t.last_step is not None:
                return t.last_step + 1
            return t.reports[-1][0] + 1 if t.reports else 0

        full = max((ran(t) for t in self.completed), default=0)
        saved = 0
        for t in self.trials:
            if t.state == "pruned":
                planned = t.params.get("epochs")
                planned = planned if isinstance(planned, int) and planned > 0 else full
                saved += max(planned - ran(t), 0)
        return saved

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for t in self.trials:
            out[t.state] = out.get(t.state, 0) + 1
        return out

    def table(self) -> str:
        """The results table: one line per trial (number, params, metric, diagnosis, time)."""
        names = sorted({k for t in self.trials for k in t.params})
        # the other metrics too when there are few (a recipe's accuracy, loss, val_loss)
        others = sorted({k for t in self.trials for k in t.metrics} - {self.metric})
        others = others if len(others) <= 3 else []
        head = ["trial", *names, self.metric, *others, "state", "diagnosis", "seconds"]
        rows = [head]
        for t in self.trials:
            value = "" if t.value is None else f"{t.value:.6g}"
            extra = [f"{t.metrics[k]:.6g}" if isinstance(t.metrics.get(k), float) else ""
                     for k in others]
            rows.append([str(t.number), *[_fmt(t.params.get(n)) for n in names], value, *extra,
                         t.state, t.diagnosis, "" if t.duration is None else f"{t.duration:.1f}"])
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        for t in self.trials:
            if t.error:
                lines.append(f"  trial {t.number}: {t.error}")
        c = self.counts()
        summary = ", ".join(f"{n} {s}" for s, n in sorted(c.items()))
        lines.append(f"{len(self.trials)} trial(s): {summary}")
        if self.best_trial is not None:
            lines.append(f"best: trial {self.best_trial.number} {self.metric} "
                         f"{self.best_value:.6g} with {self.best_params}")
        if c.get("pruned"):
            lines.append(f"pruning saved {self.epochs_saved} epoch(s)")
        return "\n".join(lines)

    def to_csv(self, path: str | Path) -> Path:
        """Write one row per trial: number, state, value, params, metrics, seed, duration,
        diagnosis, error."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        pnames = sorted({k for t in self.trials for k in t.params})
        mnames = sorted({k for t in self.trials for k in t.metrics})
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["number", "state", "value", *pnames, *mnames, "seed", "duration",
                        "diagnosis", "error"])
            for t in self.trials:
                w.writerow([t.number, t.state, t.value, *[t.params.get(n) for n in pnames],
                            *[t.metrics.get(n) for n in mnames], t.seed, t.duration, t.diagnosis,
                            t.error or ""])
        return path

    # ------------------------------------------------------------------ replay
    def replay(self, number: int) -> ReplayResult:
        """Run trial ``number`` again in this process with its stored parameters and seed.

        Raises:
            KeyError: no such trial.  ValueError: the trial has no stored metrics, or the
                objective cannot be found (a function defined in an interactive session).
        """
        from .driver import describe_target
        from .trial import run_trial

        rec = next((t for t in self.trials if t.number == number), None)
        if rec is None:
            raise KeyError(f"sweep replay: study {self.study!r} has no trial {number}; trials: "
                           f"{[t.number for t in self.trials]}")
        if not rec.metrics or rec.seed is None:
            raise ValueError(f"sweep replay: trial {number} has no stored metrics (state "
                             f"{rec.state}); replay a complete trial")
        target = self._target if self._target is not None else self.attrs["target"]
        tgt = describe_target(target)
        job = {"number": number, "seed": rec.seed, "params": rec.params, "target": tgt,
               "metric": self.attrs.get("metric"), "limit": self.attrs.get("limit"),
               "prune": None}
        if rec.state == "pruned":  # stopped where pruning stopped it, not run to the end
            last = rec.last_step if rec.last_step is not None else \
                (rec.reports[-1][0] if rec.reports else None)
            job["stop_at"] = last
        out = run_trial(job)
        if out["state"] == "fail":
            raise ValueError(f"sweep replay: trial {number} failed this time: {out['error']}")
        return ReplayResult(number, rec.metrics, out["metrics"])

    # ------------------------------------------------------------------ figures, page
    def plot(self, kind: str = "params") -> Any:
        """A matplotlib figure: ``"params"`` (metric against each parameter), ``"history"``
        (metric per trial and best so far) or ``"curves"`` (every loss curve, diagnosed)."""
        from . import figures

        return {"params": figures.metric_vs_params, "history": figures.optimization_history,
                "curves": figures.learning_curves}[kind](self)

    def write_html(self, path: str | Path) -> Path:
        """The static HTML page of this sweep (table and figures embedded)."""
        from .page import write_page

        return write_page(self, path)

    def __repr__(self) -> str:
        return (f"SweepResult(study={self.study!r}, trials={len(self.trials)}, "
                f"best_value={self.best_value}, best_params={self.best_params})")


def _fmt(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _num(v: Any) -> Any:
    """Stored non-finite floats come back as strings: turn them into floats again."""
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    if isinstance(v, list):
        return [_num(x) for x in v]
    if isinstance(v, dict):
        return {k: _num(x) for k, x in v.items()}
    return v


def load_study(storage: str, study: str) -> SweepResult:
    """Every trial of ``study`` in ``storage`` (an Optuna storage URL), as a SweepResult.

    Raises:
        KeyError: no study of that name (the message lists the studies there).
    """
    import optuna

    from .storage import open_storage

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    db = open_storage(storage)
    try:
        ostudy = optuna.load_study(study_name=study, storage=db)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(db)]
        raise KeyError(f"sweep: no study {study!r} in {storage}; studies there: "
                       f"{', '.join(names) or 'none'}") from None
    states = {optuna.trial.TrialState.COMPLETE: "complete", optuna.trial.TrialState.PRUNED:
              "pruned", optuna.trial.TrialState.FAIL: "fail",
              optuna.trial.TrialState.RUNNING: "running", optuna.trial.TrialState.WAITING:
              "waiting"}
    trials = []
    for t in ostudy.get_trials(deepcopy=False):
        a = t.user_attrs
        value = t.value if t.state == optuna.trial.TrialState.COMPLETE else None
        trials.append(TrialRecord(
            number=t.number, params=dict(a.get("params", t.params)), state=states[t.state],
            value=None if value is None or not math.isfinite(value) else float(value),
            metrics=_num(a.get("metrics", {})), seed=a.get("seed"), duration=a.get("duration"),
            error=a.get("error"), diagnosis=a.get("diagnosis", "unknown"),
            history=_num(a.get("history", {})),
            reports=sorted((int(s), float(v)) for s, v in t.intermediate_values.items()),
            env=a.get("env", {}), last_step=a.get("last_step")))
    direction = "minimize" if ostudy.direction == optuna.study.StudyDirection.MINIMIZE else \
        "maximize"
    return SweepResult(storage, study, dict(ostudy.user_attrs), direction, trials)


def dumps(result: SweepResult) -> str:
    """The trials as JSON (for tools)."""
    return json.dumps([t.__dict__ for t in result.trials], default=str)
