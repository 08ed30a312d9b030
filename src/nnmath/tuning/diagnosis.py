"""What a loss curve says about its learning rate: diverged, oscillating, too slow or good.

The tutorial's rules of thumb, made precise. For a loss curve ``L_0, ..., L_n`` (one value
per epoch, or per 100 iterations for full-batch training):

* **diverged**: some ``L_t`` is not finite, or the curve ends far above its start
  (``L_n > 1.5 L_0``) or climbed there (``max L > 3 L_0``): the steps overshoot.
* **oscillating**: the loss keeps changing direction: with ``d_t = L_{t+1} - L_t``, at least
  a third of consecutive steps flip sign AND the rises add up to at least a quarter of the
  total movement ``sum |d_t|``: steps too large for the valley they are in.
* **too slow**: little progress, ``(L_0 - L_n) / L_0 < 0.25`` (the loss crawls), or the curve
  is still falling as fast at the end as at the start while having removed less than half of
  the loss (it has not begun to level off: more steps or a larger rate would help).
* **good**: none of the above.

Example:
    >>> diagnose([0.69, 0.5, 0.3, 0.2, 0.15, 0.13, 0.12])
    'good'
    >>> diagnose([0.69, 0.68, 0.675, 0.67, 0.665])
    'too slow'
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["DIAGNOSES", "diagnose", "explain"]

DIAGNOSES = ("diverged", "oscillating", "too slow", "good")

_EXPLAIN = {
    "diverged": "the loss blew up: the learning rate is too large",
    "oscillating": "the loss keeps changing direction: the learning rate is on the large side",
    "too slow": "the loss crawls: the learning rate is too small (or train longer)",
    "good": "the loss falls and levels off",
    "unknown": "too few points to judge (3 epochs or more; 300 iterations for classic)",
}


def explain(diagnosis: str) -> str:
    """One sentence on what ``diagnosis`` means for the learning rate."""
    return _EXPLAIN.get(diagnosis, diagnosis)


def diagnose(losses: Sequence[float]) -> str:
    """The diagnosis of one loss curve (see the module docstring for the rules).

    Args:
        losses: the loss per epoch (or per logging step), first to last.

    Returns:
        ``"diverged"``, ``"oscillating"``, ``"too slow"``, ``"good"``, or ``"unknown"`` for
        fewer than 3 points (2 points suffice to call a blow-up ``"diverged"``).
    """
    L = np.asarray([float(v) for v in losses], dtype=np.float64)
    if L.size and not np.isfinite(L).all():
        return "diverged"
    if L.size < 2:
        return "unknown"
    start, end = L[0], L[-1]
    if np.all(L == 0):
        return "good"  # already at a zero loss
    scale = abs(start) if start != 0 else float(np.max(np.abs(L)))
    if end > start + 0.5 * scale or L.max() > start + 2.0 * scale:
        return "diverged"  # two points are enough to see a blow-up
    if L.size < 3:
        return "unknown"
    d = np.diff(L)
    moving = d[d != 0]
    if moving.size >= 3:
        flips = np.count_nonzero(np.sign(moving[1:]) != np.sign(moving[:-1])) / (moving.size - 1)
        rises = d[d > 0].sum() / np.abs(d).sum()
        if flips >= 1 / 3 and rises >= 0.25:
            return "oscillating"
    progress = (start - L.min()) / scale
    if progress < 0.25:
        return "too slow"
    k = max(1, (L.size - 1) // 4)
    early, late = start - L[k], L[-1 - k] - end
    if progress < 0.5 and early > 0 and late >= 0.5 * early:
        return "too slow"
    return "good"


def label(diagnosis: str, value: float | None = None, metric: str = "") -> str:
    """A short figure label: ``"good, val_accuracy 0.68"``."""
    if value is None or not math.isfinite(value):
        return diagnosis
    return f"{diagnosis}, {metric} {value:.4g}" if metric else f"{diagnosis}, {value:.4g}"
