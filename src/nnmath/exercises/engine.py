"""Engine exercises: a new primitive op, a hand-written Dense layer, a training step with a
``GradientTape``, each with its reference here (the books' "from scratch" code on nnmath).

The references are also what a learner's skeleton imports to have a model to train:
``NaiveDense`` (uniform [0, 0.1) initial weights, as the book), ``NaiveSequential`` and
``one_training_step``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import functional as F  # noqa: N812 - the engine's usual alias
from ..autograd import Function
from ..gradcheck import gradcheck
from ..losses import sparse_categorical_crossentropy
from ..tape import GradientTape
from ..tensor import Tensor
from .checker import CheckResult, ExerciseTimeout, _fail, crash_line
from .diagnose import compare
from .registry import Exercise, register

__all__ = ["NaiveDense", "NaiveSequential", "Softplus", "one_training_step", "softplus"]


# ------------------------------------------------------------------------- references
class Softplus(Function):
    """softplus(x) = log(1 + e^x), a primitive op.

    Formula: forward ``y = max(x, 0) + log1p(e^-|x|)`` (the same value, no overflow);
    backward ``dL/dx = g * sigmoid(x)``, since ``d softplus / dx = e^x / (1 + e^x)``.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        e = np.exp(-np.abs(self.x))
        s = np.where(self.x >= 0, 1 / (1 + e), e / (1 + e))  # sigmoid, stable
        return (g * s,)


def softplus(x: Any) -> Tensor:
    """softplus as a Tensor function (records :class:`Softplus`)."""
    return Softplus.apply(x)


class NaiveDense:
    """The book's hand-written Dense layer: ``y = activation(x @ W + b)``.

    Args:
        input_size, output_size: ``W`` is ``(input_size, output_size)``, ``b`` ``(output_size,)``.
        activation: a function of Tensors (``nnmath.functional.relu``, ``softmax``, ...).
        seed: seed of the initial weights, uniform in [0, 0.1) as the book; ``b`` starts at 0.
        initializer: optional ``initializer(shape, rng) -> array`` instead (e.g.
            ``nnmath.init.glorot_uniform``).
    """

    def __init__(self, input_size: int, output_size: int, activation: Callable[[Tensor], Tensor],
                 seed: int | None = None, initializer: Callable[..., np.ndarray] | None = None):
        rng = np.random.default_rng(seed)
        self.activation = activation
        shape = (input_size, output_size)
        w0 = initializer(shape, rng) if initializer else rng.uniform(0, 1e-1, shape)
        self.W = Tensor(np.asarray(w0, dtype=np.float32), requires_grad=True)
        self.b = Tensor(np.zeros(output_size, dtype=np.float32), requires_grad=True)

    def __call__(self, inputs: Any) -> Tensor:
        return self.activation(inputs @ self.W + self.b)

    @property
    def weights(self) -> list[Tensor]:
        return [self.W, self.b]


class NaiveSequential:
    """The book's hand-written Sequential: calls its layers in order; ``weights`` of all."""

    def __init__(self, layers: Sequence[Any]) -> None:
        self.layers = list(layers)

    def __call__(self, inputs: Any) -> Tensor:
        x = inputs
        for layer in self.layers:
            x = layer(x)
        return x

    @property
    def weights(self) -> list[Tensor]:
        return [w for layer in self.layers for w in layer.weights]


def one_training_step(model: Any, images_batch: Any, labels_batch: Any,
                      learning_rate: float = 1e-3) -> float:
    """One step of plain SGD with a ``GradientTape``; returns the batch's mean loss.

    Formula: ``L = mean_i -log p_i,y_i``; ``w := w - learning_rate dL/dw`` for every weight.
    """
    with GradientTape() as tape:
        predictions = model(images_batch)
        loss = sparse_categorical_crossentropy(labels_batch, predictions)
    grads = tape.gradient(loss, model.weights)
    for g, w in zip(grads, model.weights, strict=True):
        w.data -= learning_rate * g  # in place: the model's own arrays change
    return float(loss.data)


# ------------------------------------------------------------------------- checkers
def _crash(ex: Exercise, exc: BaseException, what: str) -> CheckResult:
    if isinstance(exc, NotImplementedError):
        return _fail(ex, "not_written", f"{ex.name} is not written yet ({what} raises "
                     "NotImplementedError): replace that line with your code")
    if isinstance(exc, FloatingPointError):
        return _fail(ex, "overflow", f"{what} overflows at x = +-1000 ({exc}): compute "
                     "softplus(x) as max(x, 0) + log1p(exp(-|x|)), which never overflows")
    return _fail(ex, "crash", crash_line(exc, what))


def _check_softplus(ex: Exercise, cls: Any, rng: np.random.Generator) -> CheckResult:
    if not (isinstance(cls, type) and issubclass(cls, Function)):
        return _fail(ex, "shape", "Softplus must be a class deriving from nnmath.autograd."
                     "Function: `class Softplus(Function):` with forward and backward")
    x = rng.normal(size=(3, 4)) * 3
    x0 = x.copy()
    try:
        with np.errstate(all="ignore"):
            y = cls.apply(Tensor(x))
    except ExerciseTimeout:
        raise
    except Exception as exc:
        return _crash(ex, exc, "Softplus.forward")
    if not np.array_equal(x, x0):
        return _fail(ex, "in_place", "Softplus.forward modified its input x in place: ops "
                     "must never change their inputs; compute new arrays")
    found = compare(y.data, np.logaddexp(0, x), "forward(x)", rtol=1e-7, atol=1e-10)
    if found:
        return _fail(ex, found.code, found.message)
    x32 = x.astype(np.float32)
    found = compare(cls.apply(Tensor(x32)).data, np.logaddexp(0, x32).astype(np.float32),
                    "forward(float32 x)", rtol=1e-5, atol=1e-6)
    if found:
        return _fail(ex, found.code, found.message + " (a float32 input must give float32)")
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            big = cls.apply(Tensor(np.array([-1000.0, -20.0, 0.0, 20.0, 1000.0]))).data
    except ExerciseTimeout:
        raise
    except Exception as exc:
        return _crash(ex, exc, "Softplus.forward")
    found = compare(big, np.logaddexp(0, np.array([-1000.0, -20.0, 0.0, 20.0, 1000.0])),
                    "forward at +-1000", rtol=1e-7, atol=1e-10)
    if found:
        return _fail(ex, found.code, found.message)
    # backward: the learner's vector-Jacobian product with a random upstream gradient
    u = rng.normal(size=x.shape)
    want = u / (1 + np.exp(-x))
    try:
        op = cls()
        op.forward(x.copy())
        back = op.backward(u.copy())
    except ExerciseTimeout:
        raise
    except Exception as exc:
        return _crash(ex, exc, "Softplus.backward")
    if not isinstance(back, (tuple, list)) or len(back) != 1:
        return _fail(ex, "shape", "Softplus.backward must return a tuple with one gradient per "
                     "input: `return (g * s,)`")
    found = compare(back[0], want, "backward(g)", rtol=1e-7, atol=1e-10)
    if found:
        op1 = cls()
        op1.forward(x.copy())
        if compare(op1.backward(np.ones_like(u))[0], 1 / (1 + np.exp(-x)), rtol=1e-7,
                   atol=1e-10) is None:
            return _fail(ex, "upstream_ones", "Softplus.backward is right for an all-ones "
                         "upstream gradient but wrong for a random one: multiply by the "
                         "upstream gradient g (chain rule: dL/dx = g * sigmoid(x))")
        return _fail(ex, found.code, found.message + "; dL/dx = g * sigmoid(x)")
    report = gradcheck(lambda t: cls.apply(t), x, seed=rng)
    if not report.passed:
        return _fail(ex, "values",
                     f"backward disagrees with finite differences: {report.checks[0]}")
    edge = np.array([-1000.0, -20.0, 0.0, 20.0, 1000.0])
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            op = cls()
            op.forward(edge.copy())
            back = op.backward(np.ones_like(edge))[0]
    except ExerciseTimeout:
        raise
    except FloatingPointError as exc:
        return _fail(ex, "overflow", f"Softplus.backward overflows at x = +-1000 ({exc}): "
                     "1 / (1 + np.exp(-x)) needs e^1000 at x = -1000; compute sigmoid stably "
                     "(np.exp(-np.abs(x)) and np.where on the sign of x, or 0.5 * (1 + "
                     "np.tanh(x / 2)))")
    except Exception as exc:
        return _crash(ex, exc, "Softplus.backward")
    found = compare(back, 0.5 * (1 + np.tanh(edge / 2)), "backward at +-1000", rtol=1e-7,
                    atol=1e-10)
    if found:
        return _fail(ex, found.code, found.message + "; dL/dx = g * sigmoid(x)")
    return CheckResult(ex.qualified, True, "ok", "forward matches log(1 + e^x) (float64, "
                       "float32, at +-1000); backward passes gradcheck with a random upstream "
                       "gradient")


def _check_dense(ex: Exercise, cls: Any, rng: np.random.Generator) -> CheckResult:
    try:
        layer = cls(5, 3, F.relu)
        weights = list(layer.weights)
    except ExerciseTimeout:
        raise
    except Exception as exc:
        return _crash(ex, exc, "NaiveDense(5, 3, relu)")
    if len(weights) != 2 or not all(isinstance(w, Tensor) for w in weights):
        return _fail(ex, "shape", f"weights should be the list [W, b] of two Tensors, got "
                     f"{[type(w).__name__ for w in weights]}")
    W, b = weights
    if W.shape == (3, 5):
        return _fail(ex, "transposed", "W has shape (3, 5) for NaiveDense(5, 3): the engine is "
                     "batch-first, y = x @ W + b, so W is (input_size, output_size)")
    for t, shape, label in ((W, (5, 3), "W"), (b, (3,), "b")):
        if t.shape != shape:
            return _fail(ex, "shape", f"{label} has shape {t.shape}, expected {shape}")
        if t.dtype != np.float32:
            return _fail(ex, "dtype", f"{label} has dtype {t.dtype}, expected float32 (the "
                         "engine trains in float32): .astype('float32')")
        if not t.requires_grad:
            return _fail(ex, "values", f"{label} has requires_grad=False: create it with "
                         "Tensor(..., requires_grad=True) so that the tape differentiates it")
    w = W.data
    if w.min() < 0 or w.max() >= 0.1 or np.ptp(w) == 0:
        return _fail(ex, "values", f"W's initial values span [{w.min():.3g}, {w.max():.3g}]; "
                     "the book draws them uniformly in [0, 0.1): rng.uniform(0, 0.1, shape)")
    if np.any(b.data):
        return _fail(ex, "values", "b should start at zeros")
    x = rng.normal(size=(4, 5)).astype(np.float32)
    u = rng.normal(size=(4, 3)).astype(np.float32)
    z = x @ w + b.data
    try:
        with GradientTape() as tape:
            out = layer(Tensor(x))
            loss = (out * Tensor(u)).sum()
        grads = tape.gradient(loss, [W, b])
    except ExerciseTimeout:
        raise
    except Exception as exc:
        return _crash(ex, exc, "NaiveDense.__call__")
    found = compare(out.data, np.maximum(z, 0), "layer(x)", rtol=1e-5, atol=1e-6)
    if found:
        return _fail(ex, found.code, found.message + "; layer(x) = activation(x @ W + b)")
    if grads[0] is None or grads[1] is None:
        return _fail(ex, "values", "the output does not depend on W or b for the tape: compute "
                     "it with nnmath operations on the Tensors (inputs @ self.W + self.b), not "
                     "on their NumPy arrays (.data)")
    gz = u * (z > 0)
    found = compare((grads[0], grads[1]), (x.T @ gz, gz.sum(axis=0)), "(dW, db)", rtol=1e-4,
                    atol=1e-5)
    if found:
        return _fail(ex, found.code, found.message)
    return CheckResult(ex.qualified, True, "ok", "shapes, dtypes, the uniform [0, 0.1) "
                       "initialization, the output and its gradients agree with the reference")


def _small_model(seed: int) -> NaiveSequential:
    return NaiveSequential([NaiveDense(6, 8, F.relu, seed=seed),
                            NaiveDense(8, 3, F.softmax, seed=seed + 1)])


def _check_step(ex: Exercise, fn: Any, rng: np.random.Generator) -> CheckResult:
    images = rng.normal(size=(16, 6)).astype(np.float32)
    labels = rng.integers(0, 3, size=16)
    lr = 0.5
    mine, ref = _small_model(1), _small_model(1)
    before = [w.data.copy() for w in mine.weights]
    try:
        loss = fn(mine, images.copy(), labels.copy(), lr)
    except ExerciseTimeout:
        raise
    except Exception as exc:
        return _crash(ex, exc, "one_training_step")
    want_loss = one_training_step(ref, images, labels, lr)
    if isinstance(loss, Tensor):
        loss = loss.data
    found = compare(loss, want_loss, "the returned loss", rtol=1e-5, atol=1e-6)
    if found:
        return _fail(ex, found.code, found.message + "; return the batch's mean loss")
    deltas = [w.data - b0 for w, b0 in zip(mine.weights, before, strict=True)]
    if not any(np.any(d) for d in deltas):
        return _fail(ex, "not_updated", "the weights did not change: update each weight in "
                     "place, w.data -= learning_rate * g (rebinding a name, w = w - ..., "
                     "leaves the model's tensors as they were)")
    want = [w.data - b0 for w, b0 in zip(ref.weights, before, strict=True)]
    found = compare(deltas, want, "the weight updates", rtol=1e-4, atol=1e-6)
    if found:
        hint = {"sign": "step downhill: w.data -= learning_rate * g",
                "constant_factor": "the update is learning_rate * g: once, no other factor"
                }.get(found.code, "the update is w := w - learning_rate * dL/dw")
        return _fail(ex, found.code, f"{found.message}. {hint}")
    again = copy.deepcopy(mine)
    try:
        fn(again, images.copy(), labels.copy(), lr)  # a second step must work too
    except ExerciseTimeout:
        raise
    except Exception as exc:
        return _crash(ex, exc, "one_training_step (a second step)")
    return CheckResult(ex.qualified, True, "ok", "the loss and every weight update agree with "
                       "the reference step")


# ------------------------------------------------------------------------- registration
LESSONS_OP = ("computation-graph",)
LESSONS_MODEL = ("mnist-mlp",)

register(Exercise(
    group="engine", name="Softplus",
    summary="a new primitive op: softplus forward and backward as a Function subclass",
    signature="class Softplus(Function):",
    doc="""softplus(x) = log(1 + e^x) as a primitive op of the engine.

    forward(self, x): x is a NumPy array; return log(1 + e^x), stable at x = +-1000
        (max(x, 0) + np.log1p(np.exp(-np.abs(x))) is the same value); keep what backward
        needs on self (self.x = x); keep the dtype of x.
    backward(self, g): g is the upstream gradient dL/dy (the shape of y); return a tuple
        with one gradient per input: (g * sigmoid(x),), since d softplus/dx = sigmoid(x).

    Use it as Softplus.apply(tensor); nnmath.gradcheck(lambda t: Softplus.apply(t), x)
    compares your backward with finite differences.
    """,
    lessons=LESSONS_OP, custom=_check_softplus,
    helpers=("from nnmath.autograd import Function",),
))

register(Exercise(
    group="engine", name="NaiveDense",
    summary="a hand-written Dense layer: W uniform in [0, 0.1), b zeros, activation(x @ W + b)",
    signature="class NaiveDense:",
    doc="""A Dense layer written by hand (the books' NaiveDense), batch-first.

    __init__(self, input_size, output_size, activation):
        self.W: Tensor (input_size, output_size), float32, uniform in [0, 0.1),
                requires_grad=True
        self.b: Tensor (output_size,), float32, zeros, requires_grad=True
    __call__(self, inputs): activation(inputs @ self.W + self.b)
    weights (a property): [self.W, self.b]
    """,
    lessons=LESSONS_MODEL, custom=_check_dense,
    helpers=("from nnmath import Tensor",),
))

register(Exercise(
    group="engine", name="one_training_step",
    summary="one SGD step with GradientTape: loss, tape.gradient, w -= lr g",
    signature="def one_training_step(model, images_batch, labels_batch, learning_rate=1e-3):",
    doc="""One training step, the books' way.

        with GradientTape() as tape:
            predictions = model(images_batch)
            loss = sparse_categorical_crossentropy(labels_batch, predictions)  (the mean)
        gradients = tape.gradient(loss, model.weights)
        then w := w - learning_rate g for every weight, in place (w.data -= ...)

    Returns:
        the loss, a number
    """,
    lessons=LESSONS_MODEL, custom=_check_step,
    helpers=("from nnmath import GradientTape",
             "from nnmath.losses import sparse_categorical_crossentropy",
             "from nnmath.exercises.engine import NaiveDense, NaiveSequential  # a model to train"),
))
