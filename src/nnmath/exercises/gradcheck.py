"""Exercise of gradient checking: the two-sided difference and the relative error (1-D)."""

from __future__ import annotations

import numpy as np

from ..classic import gradcheck
from .registry import Case, Exercise, register

_GIVEN = '''def forward_propagation(x, theta):
    """The 1-D example (given): J(theta) = theta x."""
    return theta * x


def backward_propagation(x, theta):
    """Its derivative (given): dJ/dtheta = x."""
    return x
'''


def _reference(x, theta, epsilon=1e-7):
    return gradcheck.gradient_check(x, theta, epsilon)


def _cases(rng: np.random.Generator) -> list[Case]:
    return [
        Case((2.0, 4.0), label="course test",
             published=(lambda d: d, 2.919335883291695e-10, 1e-8)),
        Case((3.0, 4.0), label="course test 2",
             published=(lambda d: d, 7.814075313343006e-11, 1e-8)),
        Case((float(rng.uniform(-5, 5)), float(rng.uniform(-5, 5))), label="random 1"),
        Case((float(rng.uniform(1, 5)), float(rng.uniform(1, 5)), 1e-4), label="random 2"),
    ]


register(Exercise(
    group="gradcheck", name="gradient_check",
    summary="two-sided difference (J(theta+eps) - J(theta-eps)) / (2 eps) vs the derivative",
    signature="def gradient_check(x, theta, epsilon=1e-7):",
    doc="""How far backward_propagation is from the two-sided difference, for J = theta x.

    Formula:
        gradapprox = (J(theta + epsilon) - J(theta - epsilon)) / (2 epsilon)
        grad = backward_propagation(x, theta)
        difference = |grad - gradapprox| / (|grad| + |gradapprox|)

    Returns:
        difference: a number; below 1e-7 the derivative is right
    """,
    lessons=("computation-graph",), reference=_reference, cases=_cases, preamble=_GIVEN,
    atol=1e-8, rtol=0.0,
    hints={"values": "the difference should be tiny (about 1e-10): check the 2 epsilon in the "
           "denominator of gradapprox, and the norms (absolute values) in difference"},
))
