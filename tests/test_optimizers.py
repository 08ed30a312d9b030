"""Optimizers: one step checked by hand for each rule, convergence on a quadratic, in-place
float32 updates, state save/restore, names and errors."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor, optimizers
from nnmath.optimizers import SGD, Adam, AdamW, RMSprop


def _param(values, grad):
    p = Tensor(np.array(values, dtype=np.float64), requires_grad=True)
    p.grad = np.array(grad, dtype=np.float64)
    return p


W0 = [1.0, -2.0, 0.5]
G = [0.3, -0.1, 2.0]


def test_sgd_plain_step():
    p = _param(W0, G)
    SGD(learning_rate=0.1).step([p])
    assert np.allclose(p.data, np.array(W0) - 0.1 * np.array(G), rtol=0, atol=1e-15)


def test_sgd_momentum_two_steps():
    w, g = np.array(W0), np.array(G)
    p = _param(W0, G)
    opt = SGD(learning_rate=0.1, momentum=0.9)
    opt.step([p])
    g2 = np.array([-0.5, 0.2, 0.1])
    p.grad = g2.copy()
    opt.step([p])
    v1 = -0.1 * g
    v2 = 0.9 * v1 - 0.1 * g2
    assert np.allclose(p.data, w + v1 + v2, rtol=0, atol=1e-15)


def test_sgd_nesterov_two_steps():
    w, g = np.array(W0), np.array(G)
    p = _param(W0, G)
    opt = SGD(learning_rate=0.1, momentum=0.9, nesterov=True)
    opt.step([p])
    g2 = np.array([-0.5, 0.2, 0.1])
    p.grad = g2.copy()
    opt.step([p])
    v1 = -0.1 * g
    w1 = w + 0.9 * v1 - 0.1 * g
    v2 = 0.9 * v1 - 0.1 * g2
    assert np.allclose(p.data, w1 + 0.9 * v2 - 0.1 * g2, rtol=0, atol=1e-15)


def test_rmsprop_step_epsilon_outside_sqrt():
    w, g = np.array(W0), np.array(G)
    p = _param(W0, G)
    opt = RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-3)
    opt.step([p])
    v = 0.1 * g**2
    assert np.allclose(p.data, w - 0.01 * g / (np.sqrt(v) + 1e-3), rtol=0, atol=1e-15)
    # and not the sqrt(v + eps) form
    assert not np.allclose(p.data, w - 0.01 * g / np.sqrt(v + 1e-3), rtol=0, atol=1e-9)


def test_rmsprop_momentum_step():
    w, g = np.array(W0), np.array(G)
    p = _param(W0, G)
    opt = RMSprop(learning_rate=0.01, momentum=0.5)
    opt.step([p])
    p.grad = g.copy()
    opt.step([p])
    v1 = 0.1 * g**2
    m1 = 0.01 * g / (np.sqrt(v1) + 1e-7)
    v2 = 0.9 * v1 + 0.1 * g**2
    m2 = 0.5 * m1 + 0.01 * g / (np.sqrt(v2) + 1e-7)
    assert np.allclose(p.data, w - m1 - m2, rtol=0, atol=1e-14)


def test_adam_two_steps_epsilon_hat():
    w, g = np.array(W0), np.array(G)
    g2 = np.array([0.1, 0.4, -1.0])
    p = _param(W0, G)
    opt = Adam(learning_rate=0.01, epsilon=1e-3)
    opt.step([p])
    p.grad = g2.copy()
    opt.step([p])
    b1, b2, eps, lr = 0.9, 0.999, 1e-3, 0.01
    m, v = np.zeros(3), np.zeros(3)
    for t, gt in ((1, g), (2, g2)):
        m = b1 * m + (1 - b1) * gt
        v = b2 * v + (1 - b2) * gt**2
        w = w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
    assert np.allclose(p.data, w, rtol=0, atol=1e-14)
    assert opt.iterations == 2


def test_adamw_decoupled_decay():
    w, g = np.array(W0), np.array(G)
    p = _param(W0, G)
    AdamW(learning_rate=0.01, weight_decay=0.1).step([p])
    w = w * (1 - 0.01 * 0.1)
    m, v = 0.1 * g, 0.001 * g**2
    w = w - 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9) * m / (np.sqrt(v) + 1e-7)
    assert np.allclose(p.data, w, rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    "opt",
    [
        SGD(0.1),
        SGD(0.05, momentum=0.9),
        SGD(0.05, momentum=0.9, nesterov=True),
        RMSprop(0.01),
        Adam(0.05),
        AdamW(0.05, weight_decay=1e-4),
    ],
    ids=["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"],
)
def test_converges_on_quadratic(opt):
    """f(w) = 1/2 sum a_i (w_i - c_i)^2, minimum at c; gradient a * (w - c)."""
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2.0, size=10).astype(np.float32)
    c = rng.normal(size=10).astype(np.float32)
    p = Tensor(np.zeros(10, np.float32), requires_grad=True)
    for _ in range(2000):
        p.grad = a * (p.data - c)
        opt.step([p])
    assert np.abs(p.data - c).max() < 2e-2


@pytest.mark.parametrize("opt", [SGD(0.1, momentum=0.9), RMSprop(), Adam(), AdamW()])
def test_updates_in_place_float32(opt):
    p = Tensor(np.ones((4, 3), np.float32), requires_grad=True)
    buffer = p.data
    p.grad = np.full((4, 3), 0.5, np.float32)
    opt.step([p])
    opt.step([p])
    assert p.data is buffer and p.data.dtype == np.float32
    assert np.all(p.data < 1)
    assert all(a.dtype == np.float32 for k, a in opt.state_dict().items() if k != "iterations")


def test_skips_params_without_grad():
    a, b = _param(W0, G), _param(W0, G)
    b.grad = None
    SGD(0.1).step([a, b])
    assert np.array_equal(b.data, W0) and not np.array_equal(a.data, W0)


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=5) for _ in range(4)]
    p1, p2 = _param(np.zeros(5), grads[0]), None
    opt1 = Adam(0.1)
    for g in grads[:2]:
        p1.grad = g
        opt1.step([p1])
    p2 = _param(p1.data.copy(), grads[0])
    opt2 = Adam(0.1)
    opt2.load_state_dict({k: v.copy() for k, v in opt1.state_dict().items()}, [p2])
    for g in grads[2:]:
        p1.grad, p2.grad = g, g.copy()
        opt1.step([p1])
        opt2.step([p2])
    assert np.array_equal(p1.data, p2.data)


def test_names_resolve():
    assert isinstance(optimizers.get("sgd"), SGD)
    assert isinstance(optimizers.get("RMSprop"), RMSprop)
    assert isinstance(optimizers.get("adam"), Adam)
    opt = Adam(0.5)
    assert optimizers.get(opt) is opt
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamax'.*'adam'"):
        optimizers.get("adamax")


def test_defaults_are_keras():
    assert SGD().learning_rate == 0.01 and SGD().momentum == 0.0
    r = RMSprop()
    assert (r.learning_rate, r.rho, r.epsilon) == (0.001, 0.9, 1e-7)
    a = Adam()
    assert (a.learning_rate, a.beta_1, a.beta_2, a.epsilon) == (0.001, 0.9, 0.999, 1e-7)


def test_bad_arguments():
    with pytest.raises(ValueError, match="positive learning_rate"):
        SGD(learning_rate=0)
    with pytest.raises(ValueError, match="momentum in"):
        SGD(momentum=1.5)
    with pytest.raises(ValueError, match="beta_1"):
        Adam(beta_1=1.0)
    opt = SGD(0.1)
    opt.step([_param(W0, G)])
    with pytest.raises(ValueError, match="holds state for parameters of shapes"):
        opt.step([_param([1.0], [1.0])])


@pytest.mark.parametrize(
    "make",
    [lambda: RMSprop(0.01), lambda: Adam(0.01), lambda: SGD(0.1, momentum=0.9, nesterov=True)],
)
def test_blocked_update_of_large_params_equals_whole_array_update(make):
    """Parameters above optimizers.base.CHUNK elements are updated block by block."""
    from nnmath.optimizers.base import CHUNK

    rng = np.random.default_rng(0)
    shape = (3 * CHUNK // 100 + 7, 100)  # not a multiple of CHUNK
    big = Tensor(rng.normal(size=shape).astype(np.float32), requires_grad=True)
    opt_big = make()
    rows = [Tensor(r.copy(), requires_grad=True) for r in big.data]  # each row < CHUNK
    opt_rows = make()
    for _ in range(3):
        g = rng.normal(size=shape).astype(np.float32)
        big.grad = g
        opt_big.step([big])
        for r, gr in zip(rows, g, strict=True):
            r.grad = gr.copy()
        opt_rows.step(rows)
    assert big.size > CHUNK
    assert np.array_equal(big.data, np.stack([r.data for r in rows]))


# ---------------------------------------------------------------- subnormal state
SLOTTED = [
    lambda: SGD(0.01, momentum=0.9),
    lambda: SGD(0.01, momentum=0.9, nesterov=True),
    lambda: RMSprop(),
    lambda: RMSprop(momentum=0.5),
    lambda: Adam(),
    lambda: AdamW(weight_decay=1e-4),
]
SLOTTED_IDS = ["momentum", "nesterov", "rmsprop", "rmsprop-momentum", "adam", "adamw"]


def _decaying_run(make, dtype, steps, flush_every, monkeypatch):
    """A few real gradients, then none (as for a rarely inked pixel's weights): the state
    decays geometrically. Returns the weights, the optimizer's state and the step count."""
    from nnmath.optimizers import base

    monkeypatch.setattr(base, "FLUSH_EVERY", flush_every)
    rng = np.random.default_rng(3)
    small = Tensor(rng.normal(size=(7, 5)).astype(dtype), requires_grad=True)
    large = Tensor(rng.normal(size=(base.CHUNK + 333,)).astype(dtype), requires_grad=True)
    opt = make()
    for t in range(steps):
        for p in (small, large):
            g = rng.normal(size=p.shape).astype(dtype) * 1e-3 if t < 5 else np.zeros(p.shape, dtype)
            p.grad = g
        opt.step([small, large])
    return [small.data, large.data], opt.state_dict()


@pytest.mark.parametrize("make", SLOTTED, ids=SLOTTED_IDS)
def test_state_never_becomes_subnormal(make, monkeypatch):
    """Decayed state below 2**26 x the smallest normal float is flushed to zero (subnormal
    numbers make every ufunc pass over them 10-100x slower on x86)."""
    from nnmath.optimizers import base

    _, state = _decaying_run(make, np.float32, 1500, base.FLUSH_EVERY, monkeypatch)
    tiny = np.finfo(np.float32).tiny
    arrays = [a for k, a in state.items() if k != "iterations"]
    subnormal = sum(int(np.count_nonzero((a != 0) & (np.abs(a) < tiny))) for a in arrays)
    assert subnormal == 0
    # without the flush, the same run does leave subnormal state (so the test can fail)
    if not isinstance(make(), Adam):  # Adam's v decays too slowly to get there in 1500 steps
        _, raw = _decaying_run(make, np.float32, 1500, 10**9, monkeypatch)
        raw_arrays = [a for k, a in raw.items() if k != "iterations"]
        assert sum(int(np.count_nonzero((a != 0) & (np.abs(a) < tiny))) for a in raw_arrays)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", SLOTTED, ids=SLOTTED_IDS)
def test_flushing_changes_no_weight(make, dtype, monkeypatch):
    """The flush only moves the state's underflow point: the weights come out bit for bit
    the same as without it (float32 and float64 thresholds differ)."""
    flushed, _ = _decaying_run(make, dtype, 1500, 16, monkeypatch)
    plain, _ = _decaying_run(make, dtype, 1500, 10**9, monkeypatch)
    for a, b in zip(flushed, plain, strict=True):
        assert np.array_equal(a, b)


def test_rmsprop_loads_the_velocity_state_of_earlier_versions():
    """Earlier versions saved v ("<i>/velocity"); it is converted to sq_sum = v / (1 - rho)."""
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=5) for _ in range(4)]
    p1 = _param(np.zeros(5), grads[0])
    opt1 = RMSprop(0.01, rho=0.8)
    for g in grads[:2]:
        p1.grad = g
        opt1.step([p1])
    old_style = {"iterations": opt1.state_dict()["iterations"],
                 "0/velocity": opt1.state_dict()["0/sq_sum"] * (1 - 0.8)}
    p2 = _param(p1.data.copy(), grads[0])
    opt2 = RMSprop(0.01, rho=0.8)
    opt2.load_state_dict(old_style, [p2])
    for g in grads[2:]:
        p1.grad, p2.grad = g, g.copy()
        opt1.step([p1])
        opt2.step([p2])
    assert np.allclose(p1.data, p2.data, rtol=1e-13, atol=0)
    v = 0.2 * sum(0.8 ** (3 - i) * g**2 for i, g in enumerate(grads))
    assert np.allclose(opt2.state_dict()["0/sq_sum"] * 0.2, v, rtol=1e-12)
