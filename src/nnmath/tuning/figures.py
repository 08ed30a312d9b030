"""Figures of a sweep (matplotlib, imported here only): metric against each parameter, the
optimization history, and every trial's learning curve labelled with its diagnosis."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["learning_curves", "metric_vs_params", "optimization_history"]

_COLORS = {"good": "tab:green", "too slow": "tab:orange", "oscillating": "tab:purple",
           "diverged": "tab:red", "unknown": "tab:gray"}


def _log_axis(name: str, values: list[Any]) -> bool:
    nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not nums or min(nums) <= 0:
        return False
    return "learning_rate" in name or max(nums) / min(nums) >= 50


def metric_vs_params(result: Any) -> Any:
    """One panel per parameter: the metric of every complete trial (log axis for rates)."""
    import matplotlib.pyplot as plt

    names = sorted({k for t in result.trials for k in t.params})
    fig, axes = plt.subplots(1, max(len(names), 1), figsize=(4 * max(len(names), 1), 3.2),
                             squeeze=False)
    for ax, name in zip(axes[0], names, strict=False):
        pts = [(t.params.get(name), t.value, t.diagnosis) for t in result.completed]
        numeric = all(isinstance(p, (int, float)) and not isinstance(p, bool) for p, _, _ in pts)
        xs = [p if numeric else str(p) for p, _, _ in pts]
        ax.scatter(xs, [v for _, v, _ in pts], c=[_COLORS.get(d, "k") for _, _, d in pts])
        if numeric and _log_axis(name, xs):
            ax.set_xscale("log")
        ax.set_xlabel(name)
        ax.set_ylabel(result.metric)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{result.study}: {result.metric} against each parameter")
    fig.tight_layout()
    return fig


def optimization_history(result: Any) -> Any:
    """The metric of each trial in order, and the best so far."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    done = sorted(result.completed, key=lambda t: t.number)
    xs, ys = [t.number for t in done], [t.value for t in done]
    ax.plot(xs, ys, "o", label=result.metric)
    best, run = [], None
    for y in ys:
        run = y if run is None else (min(run, y) if result.direction == "minimize" else
                                     max(run, y))
        best.append(run)
    ax.step(xs, best, where="post", label="best so far")
    ax.set_xlabel("trial")
    ax.set_ylabel(result.metric)
    ax.legend()
    ax.grid(alpha=0.3)
    ax.set_title(f"{result.study}: optimization history")
    fig.tight_layout()
    return fig


def learning_curves(result: Any, max_panels: int = 24) -> Any:
    """The loss curve of every trial side by side, titled with its parameters and diagnosis."""
    import matplotlib.pyplot as plt

    trials = [t for t in result.trials if t.curve][:max_panels]
    n = max(len(trials), 1)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.6 * rows), squeeze=False)
    for ax in axes.flat[len(trials):]:
        ax.axis("off")
    for ax, t in zip(axes.flat, trials, strict=False):
        curve = [c if math.isfinite(c) else float("nan") for c in t.curve]
        ax.plot(range(len(curve)), curve, color=_COLORS.get(t.diagnosis, "k"))
        params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in t.params.items() if k != "epochs")
        value = "" if t.value is None else f"\n{result.metric} {t.value:.4g}"
        ax.set_title(f"#{t.number} {params}\n{t.diagnosis}{value}", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{result.study}: learning curves (loss per epoch)")
    fig.tight_layout()
    return fig
