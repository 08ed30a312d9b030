"""Pruning bad trials early with the median rule, computed the same way on every backend.

Median rule: at step ``s`` (an epoch) a running trial whose reported value ``v_s`` is worse
than the median of the values that COMPLETED trials reported at the same step is stopped:

    prune  if  v_s > median{ u_s : u a completed trial }    (minimizing; "<" when maximizing)

only after ``warmup_steps`` steps and once at least ``min_trials`` completed trials reported
step ``s``. The rule is evaluated inside the trial (on a worker) against a snapshot of the
completed trials' reports that the driver sends with the job: the same code and the same
inputs on the in-process, local-pool and Dask backends, and no round trip per epoch.

Example:
    >>> rule = MedianRule({1: [0.5, 0.4, 0.6]}, direction="minimize")
    >>> rule.should_prune([(0, 0.9), (1, 0.7)]), rule.should_prune([(0, 0.9), (1, 0.45)])
    (True, False)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["MedianRule"]


class MedianRule:
    """The median stopping rule against a snapshot ``{step: [values of completed trials]}``."""

    def __init__(self, completed: dict[int, list[float]], direction: str = "minimize",
                 warmup_steps: int = 1, min_trials: int = 2) -> None:
        self.completed = {int(s): [float(v) for v in vs if math.isfinite(v)]
                          for s, vs in completed.items()}
        self.direction = direction
        self.warmup_steps = warmup_steps
        self.min_trials = min_trials

    def should_prune(self, reports: Sequence[tuple[int, float]]) -> bool:
        """Whether a trial whose reports so far are ``[(step, value), ...]`` should stop."""
        if not reports:
            return False
        step, value = reports[-1]
        if step < self.warmup_steps:
            return False
        if not math.isfinite(value):
            return True
        others = self.completed.get(int(step), [])
        if len(others) < self.min_trials:
            return False
        median = float(np.median(others))
        return value > median if self.direction == "minimize" else value < median

    def to_json(self) -> dict:
        return {"completed": {str(k): v for k, v in self.completed.items()},
                "direction": self.direction, "warmup_steps": self.warmup_steps,
                "min_trials": self.min_trials}

    @classmethod
    def from_json(cls, d: dict) -> MedianRule:
        return cls({int(k): v for k, v in d["completed"].items()}, d["direction"],
                   d["warmup_steps"], d["min_trials"])
