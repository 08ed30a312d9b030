"""The classic lessons as a library: textbook formulas in the textbook's notation, float64.

Samples are columns (``X`` is ``(n_x, m)``, ``Y`` is ``(1, m)``, ``W[l]`` is
``(n_l, n_{l-1})``, ``b[l]`` is ``(n_l, 1)``); gradients are derived by hand; names,
arguments and return values follow the well-known course code so that a learner can put
their own code beside ours. Every hand-derived gradient is checked in the tests against the
engine's autodiff and against finite differences.

Modules: ``basics`` (activations, softmax, losses), ``linear`` (normal equation, gradient
descent, ridge), ``logistic`` (logistic regression, the single neuron), ``shallow`` (one
hidden layer), ``deep`` (L layers), ``conv`` (convolution and pooling step by step),
``gradcheck`` (gradient checking), ``optim`` (mini-batches, momentum, Adam, decay).
"""

from __future__ import annotations

from . import basics, conv, deep, gradcheck, linear, logistic, optim, shallow

__all__ = ["basics", "conv", "deep", "gradcheck", "linear", "logistic", "optim", "shallow"]
