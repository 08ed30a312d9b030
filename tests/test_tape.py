"""GradientTape, grad, value_and_grad: the same gradients as Tensor.backward on the engine's op
test cases, TensorFlow's tape rules (watch, persistent, unconnected sources) and JAX-style
argnums, all against finite differences on a composite."""

from __future__ import annotations

import numpy as np
import pytest

import nnmath as nm
import test_ops_conv
import test_ops_elementwise
import test_ops_matmul
import test_ops_pool
import test_ops_reduce
from nnmath import Tensor, gradcheck
from nnmath import functional as F


def _all_four(fn, arrays, rng):
    """Gradients of phi = sum(u * fn(*xs)) by backward, the tape, grad and value_and_grad."""
    u = rng.standard_normal(fn(*[Tensor(a) for a in arrays]).shape)
    argnums = tuple(range(len(arrays)))

    leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    (fn(*leaves) * u).sum().backward()
    by_backward = [t.grad for t in leaves]

    variables = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    with nm.GradientTape() as tape:
        y = fn(*variables)
    by_tape = tape.gradient(y, variables, output_gradients=u)
    assert all(v.grad is None for v in variables)  # the tape never touches .grad

    phi = lambda *xs: (fn(*xs) * u).sum()  # noqa: E731
    by_grad = nm.grad(phi, argnums=argnums)(*arrays)
    value, by_vg = nm.value_and_grad(phi, argnums=argnums)(*arrays)
    assert float(value) == pytest.approx(float(phi(*[Tensor(a) for a in arrays]).data))
    for b, t, g, v in zip(by_backward, by_tape, by_grad, by_vg, strict=True):
        np.testing.assert_array_equal(t, b)
        np.testing.assert_array_equal(g, b)
        np.testing.assert_array_equal(v, b)
    return by_backward


OP_CASES = (
    [(f"binary-{name}-{sa}-{sb}", op, lambda r, d=draw, sa=sa, sb=sb: d(r, sa, sb))
     for name, op, _, draw in test_ops_elementwise.BINARY
     for sa, sb in test_ops_elementwise.SHAPE_PAIRS]
    + [(f"unary-{name}", op, lambda r, d=draw: (d(r, (2, 3, 4)),))
       for name, op, _, draw in test_ops_elementwise.UNARY]
    + [(f"matmul-{sa}-{sb}", lambda a, b: a @ b,
        lambda r, sa=sa, sb=sb: (r.normal(size=sa), r.normal(size=sb)))
       for sa, sb in test_ops_matmul.SHAPES]
    + [(f"reduce-{name}", lambda t, o=op: o(t, axis=(0, 2)), lambda r: (r.normal(size=(2, 3, 4)),))
       for name, op, _ in test_ops_reduce.REDUCTIONS]
    + [(f"conv-{c[0]}-{c[1]}", lambda x, k, c=c: F.conv2d(x, k, strides=c[2], padding=c[3]),
        lambda r, c=c: (r.normal(size=c[0]), r.normal(size=c[1])))
       for c in test_ops_conv.CASES]
    + [(f"maxpool-{c[0]}", lambda x, c=c: F.max_pool2d(x, c[1], c[2]),
        lambda r, c=c: (r.normal(size=c[0]),)) for c in test_ops_pool.CASES]
    + [("softmax", lambda x: F.softmax(x), lambda r: (r.normal(size=(3, 5)),)),
       ("logsumexp", lambda x: F.logsumexp(x, axis=1), lambda r: (r.normal(size=(3, 5)),))]
)


@pytest.mark.parametrize(("name", "fn", "draw"), OP_CASES, ids=[c[0] for c in OP_CASES])
def test_four_interfaces_identical_on_op_cases(name, fn, draw, rng):
    arrays = [np.asarray(a, dtype=np.float64) for a in draw(rng)]
    grads = _all_four(fn, arrays, rng)
    assert all(g is not None and g.shape == a.shape for g, a in zip(grads, arrays, strict=True))


def test_tape_matches_finite_differences_on_a_composite(rng):
    x, W, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
    fn = lambda x, W, b: F.softmax((x @ W + b).tanh())  # noqa: E731
    assert gradcheck(fn, x, W, b).passed
    # gradcheck's analytic side is Tensor.backward; the tape gives the same arrays
    _all_four(fn, [x, W, b], rng)


def test_watch_constants_and_list_and_dict_sources():
    x = Tensor(np.array([1.0, 2.0]))
    c = Tensor(np.array([5.0, 5.0]))
    with nm.GradientTape() as tape:
        tape.watch(x)
        y = (x * x * c).sum()
    assert x.requires_grad is False  # a watched constant stays a constant after the block
    grads = tape.gradient(y, {"x": x, "c": c})
    np.testing.assert_array_equal(grads["x"], [10.0, 20.0])
    assert grads["c"] is None  # never watched, not a variable: no gradient, as TensorFlow


def test_non_persistent_tape_is_single_use_persistent_is_not():
    w = Tensor(np.array([3.0]), requires_grad=True)
    with nm.GradientTape() as tape:
        y = (w * w).sum()
    np.testing.assert_array_equal(tape.gradient(y, w), [6.0])
    with pytest.raises(RuntimeError, match="persistent=True"):
        tape.gradient(y, w)
    with nm.GradientTape(persistent=True) as tape:
        y = (w * w).sum()
        z = (w * w * w).sum()
    np.testing.assert_array_equal(tape.gradient(y, w), [6.0])
    np.testing.assert_array_equal(tape.gradient(z, [w])[0], [27.0])
    np.testing.assert_array_equal(tape.gradient([y, z], w), [33.0])  # list target: summed


def test_unconnected_sources_none_or_zero():
    a = Tensor(np.ones((2, 2), dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with nm.GradientTape(persistent=True) as tape:
        y = (a * 2.0).sum()
    assert tape.gradient(y, [a, b])[1] is None
    zero = tape.gradient(y, [a, b], unconnected="zero")[1]
    assert zero.shape == (3,) and zero.dtype == np.float32 and not zero.any()
    with pytest.raises(ValueError, match="unconnected must be 'none' or 'zero'"):
        tape.gradient(y, a, unconnected="zeros")


def test_non_scalar_target_is_summed_and_intermediate_sources(rng):
    x = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    with nm.GradientTape(persistent=True) as tape:
        h = x.tanh()
        y = h * 3.0
    np.testing.assert_allclose(tape.gradient(y, h), np.full((3, 4), 3.0))
    np.testing.assert_allclose(tape.gradient(y, x), 3.0 * (1 - np.tanh(x.data) ** 2))
    assert tape.watched_variables() == []


def test_tape_errors():
    x = Tensor(np.arange(3))
    with nm.GradientTape() as tape, pytest.raises(TypeError, match="only floating tensors"):
        tape.watch(x)
    with pytest.raises(RuntimeError, match="inside the `with GradientTape"):
        tape.watch(Tensor(np.ones(2)))
    with nm.GradientTape() as tape:
        y = Tensor(np.ones(2), requires_grad=True).sum()
    with pytest.raises(TypeError, match=r"wrap arrays as nm\.Tensor"):
        tape.gradient(y, np.ones(2))
    x = Tensor(np.array(3.0))
    with nm.GradientTape() as outer:  # nested tapes (second derivatives): a clear refusal
        outer.watch(x)
        with nm.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        dy = inner.gradient(y, x)
    with pytest.raises(TypeError, match="cannot be differentiated again"):
        outer.gradient(dy, x)


def test_grad_argnums_has_aux_and_errors():
    f = lambda x, y: (x * x * y).sum()  # noqa: E731
    gx, gy = nm.grad(f, argnums=(0, 1))(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    np.testing.assert_array_equal(gx, [6.0, 16.0])
    np.testing.assert_array_equal(gy, [1.0, 4.0])
    np.testing.assert_array_equal(nm.grad(f, argnums=-1)(np.ones(2), np.ones(2)), [1.0, 1.0])
    g, aux = nm.grad(lambda x: ((x * x).sum(), "aux"), has_aux=True)(np.array([2.0]))
    assert aux == "aux" and g.tolist() == [4.0]
    t = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    np.testing.assert_array_equal(nm.grad(lambda x: (x * 3.0).sum())(t), [3.0, 3.0])
    assert t.grad is None  # a Tensor argument is not modified
    np.testing.assert_array_equal(nm.grad(lambda x, y: y.sum())(np.ones(2), Tensor(np.ones(2))),
                                  [0.0, 0.0])  # unconnected: zeros, as JAX
    with pytest.raises(ValueError, match="must return one number"):
        nm.grad(lambda x: x * 2.0)(np.ones(3))
    with pytest.raises(TypeError, match="must return a Tensor"):
        nm.grad(lambda x: 3.0)(np.ones(3))
    with pytest.raises(TypeError, match="pass floats"):
        nm.grad(lambda x: x * 2.0)(3)
    with pytest.raises(ValueError, match="argnums=2 is out of range"):
        nm.grad(f, argnums=2)(np.ones(2), np.ones(2))


def test_gradients_several_outputs_and_retained_graph(rng):
    from nnmath.autograd import gradients

    x = Tensor(rng.normal(size=(3,)), requires_grad=True)
    h = x.tanh()
    y1, y2 = h * 2.0, (h * h).sum()
    u = rng.normal(size=3)
    g1 = gradients([y1, y2], [x, h], [u, None], retain_graph=True)
    dh = 2.0 * u + 2.0 * h.data
    np.testing.assert_allclose(g1[1], dh)
    np.testing.assert_allclose(g1[0], dh * (1 - np.tanh(x.data) ** 2))
    g2 = gradients([y1, y2], [x], [u, None])  # the retained graph, walked again
    np.testing.assert_array_equal(g2[0], g1[0])
    with pytest.raises(RuntimeError, match="already freed"):
        gradients(y2, [x])
    with pytest.raises(ValueError, match="upstream gradient has shape"):
        gradients(Tensor(np.ones(2), requires_grad=True) * 1.0, [x], np.ones(3))


def test_float32_stays_float32(rng):
    x = rng.normal(size=(4,)).astype(np.float32)
    assert nm.grad(lambda t: t.sigmoid().sum())(x).dtype == np.float32


def test_tape_loop_with_a_keras_model_is_train_on_batch(rng):
    """The Keras custom loop: tape over model(x), gradients of model.trainable_weights,
    optimizer.apply_gradients: the same step as train_on_batch."""
    x = rng.normal(size=(32, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=32)

    def model():
        m = nm.Sequential([nm.layers.Dense(8, activation="relu"),
                           nm.layers.Dense(3, activation="softmax")], seed=3)
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
        m.build((None, 6))
        return m

    keras, mine = model(), model()
    optimizer = nm.optimizers.RMSprop()
    for _ in range(3):
        logs = keras.train_on_batch(x, y)
        with nm.GradientTape() as tape:
            loss = nm.losses.sparse_categorical_crossentropy(y, mine(x, training=True))
        grads = tape.gradient(loss, mine.trainable_weights)
        optimizer.apply_gradients(zip(grads, mine.trainable_weights, strict=True))
        assert float(loss.data) == pytest.approx(logs["loss"], rel=1e-5)
    for a, b in zip(mine.trainable_weights, keras.trainable_weights, strict=True):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-4, atol=1e-6)
