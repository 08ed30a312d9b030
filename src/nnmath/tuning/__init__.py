"""Choosing hyper-parameters by computer: the learning-rate range test and sweeps.

* :func:`lr_find`: the learning-rate range test (loss against an exponentially growing rate,
  suggestions, reliability) and, with ``curvature=True``, the largest stable rate of plain
  gradient descent ``2 / lambda_max`` from Hessian-vector products;
* :func:`sweep`: grid, random or TPE search through Optuna's ask/tell interface, trials run
  in this process, a local process pool or a Dask cluster; every trial in an Optuna storage
  (SQLite by default), diagnosed (diverged / oscillating / too slow / good), replayable;
* :func:`load_study`: a stored sweep's results, figures and HTML page.

Optuna and Dask are imported only when a sweep runs (extra ``nnmath[tune]``).

Example:
    >>> from nnmath import tuning
    >>> result = tuning.sweep("cat-logistic", {"learning_rate": [0.01, 0.001, 0.0001]},
    ...                       epochs=1500)                                    # doctest: +SKIP
    >>> result.best_params                                                    # doctest: +SKIP
    {'learning_rate': 0.01, 'epochs': 1500}
"""

from __future__ import annotations

from .diagnosis import diagnose
from .driver import SweepInterrupted, sweep
from .lrfind import LRFinderResult, lr_find
from .results import SweepResult, TrialRecord, load_study
from .spaces import choice, intrange, loguniform, uniform
from .trial import Trial, TrialPruned, trial_seed

__all__ = [
    "LRFinderResult",
    "SweepInterrupted",
    "SweepResult",
    "Trial",
    "TrialPruned",
    "TrialRecord",
    "choice",
    "diagnose",
    "intrange",
    "load_study",
    "loguniform",
    "lr_find",
    "sweep",
    "trial_seed",
    "uniform",
]
