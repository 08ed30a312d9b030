"""The optional compiled (numba) kernels of the conv ops against the NumPy path, the reference.

The kernels redo only element-wise work (im2col copies, the pooling maxima and arg-max, the
col2im adds) and the GEMMs are the same calls, so the two paths agree bit for bit: outputs
and every gradient are compared with ``assert_array_equal``, on shapes other than the MNIST
convnet's. Also: finite differences on the numba path, scratch arrays going back to the
workspace, a small model trained both ways, switching, the environment variable (in fresh
interpreters) and the thread count.

numba is in the ``dev`` extra: it is imported here unconditionally, so a CI without it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numba
import numpy as np
import pytest

import nnmath
from nnmath import Tensor, layers, threads
from nnmath.ops import accel, workspace
from nnmath.ops import compiled as kernels
from nnmath.ops.conv import Conv2DOp
from nnmath.ops.conv_pool import Conv2DReluMaxPoolOp
from support import heavy_modules_loaded

_ENV = ("NNMATH_COMPILED", "OMP_WAIT_POLICY")


@pytest.fixture(autouse=True)
def numpy_afterwards(monkeypatch):
    """Every test starts and ends on the NumPy path, with the environment as it was."""
    saved = {name: os.environ.get(name) for name in _ENV}
    os.environ.pop("NNMATH_COMPILED", None)
    monkeypatch.setattr(accel, "_read_env", accel._read_env)  # restored after the test
    accel.set_compiled(None)
    yield
    accel.set_compiled(None)
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def _layout(a: np.ndarray, kind: str) -> np.ndarray:
    """``a`` as a C-contiguous array ("C"), a transposed view ("T": H and W swapped in
    memory) or a strided slice ("S": every other element along W of a wider array)."""
    if kind == "T":
        return np.ascontiguousarray(a.transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3)
    if kind == "S":
        wide = np.zeros((*a.shape[:2], 2 * a.shape[2], a.shape[3]), a.dtype)
        wide[:, :, ::2] = a
        return wide[:, :, ::2]
    return a


def _arrays(xs, ks, with_bias, dtype, layout, rng, integers=False):
    draw = (lambda s: rng.integers(0, 2, s)) if integers else rng.standard_normal
    x = _layout(draw(xs).astype(dtype), layout)
    assert layout == "C" or not x.flags.c_contiguous
    k = draw(ks).astype(dtype)
    b = draw(ks[3]).astype(dtype) if with_bias else None
    return [a for a in (x, k, b) if a is not None]


def _fwd(op, arrays, **params):
    """The forward value of ``op`` on plain arrays."""
    return op.apply(*[Tensor(a) for a in arrays], **params).data


def _run(op, mode, arrays, u, **params):
    """Forward and backward (upstream ``u``) of ``op`` with ``mode`` switched on."""
    accel.set_compiled(mode)
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    y = op.apply(*ts, **params)
    y.backward(u)
    return [y.data, *[t.grad for t in ts]]


def _assert_bits_equal(got, want, name=""):
    """Equal values, NaN at the same places, and the same sign on every zero."""
    np.testing.assert_array_equal(got, want, err_msg=name)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want), err_msg=f"{name}: signs")


def _assert_paths_equal(op, arrays, rng, layout="C", **params):
    shape = _fwd(op, arrays, **params).shape
    u = _layout(rng.standard_normal(shape).astype(arrays[0].dtype), layout)
    want = _run(op, None, arrays, u, **params)
    got = _run(op, "numba", arrays, u, **params)
    assert len(got) == len(want) == len(arrays) + 1
    for name, g, w in zip(("y", "x", "kernel", "bias"), got, want, strict=False):
        assert g.dtype == w.dtype == arrays[0].dtype, name
        _assert_bits_equal(g, w, name)
    assert np.any(want[0] > 0) and np.any(want[1] != 0)  # not a vacuous comparison


# (x shape, kernel shape, strides, padding, bias, dtype, layout): C_in <= 2 (NumPy im2col,
# compiled pooling / col2im) and C_in > 2 (compiled im2col too), C_in >= 4 (the NumPy
# col2im's per-offset GEMMs), odd and even conv outputs, non-square kernels, strides,
# padding, no bias, float32 and float64, non-contiguous inputs and upstream gradients.
POOL_CASES = [
    ((2, 9, 8, 3), (3, 2, 3, 4), 1, "valid", True, np.float32, "T"),  # conv 7x7: odd
    ((3, 10, 11, 5), (3, 3, 5, 6), (2, 1), "same", True, np.float64, "C"),
    ((1, 8, 9, 1), (3, 3, 1, 2), 1, "same", False, np.float32, "C"),
    ((2, 7, 6, 2), (2, 3, 2, 3), 2, "same", True, np.float64, "C"),  # conv 4x3
    ((2, 12, 10, 4), (4, 2, 4, 5), 2, "valid", False, np.float64, "S"),  # conv 5x5
    ((4, 6, 7, 7), (1, 1, 7, 3), 1, "valid", True, np.float32, "S"),  # conv 6x7
    ((2, 9, 9, 3), (3, 3, 3, 2), (1, 2), (1, 2), True, np.float32, "C"),
]
CONV_CASES = [
    ((2, 6, 7, 3), (3, 3, 3, 4), 1, "same", True, np.float32, "T"),
    ((3, 7, 5, 5), (3, 2, 5, 3), 2, "valid", False, np.float64, "S"),
    ((1, 8, 7, 1), (2, 3, 1, 2), (2, 1), "same", True, np.float32, "C"),
    ((2, 5, 6, 2), (3, 3, 2, 3), (2, 1), "valid", True, np.float64, "T"),
    ((2, 8, 6, 6), (4, 2, 6, 3), 3, "same", False, np.float32, "C"),
    ((2, 9, 9, 4), (3, 3, 4, 2), 2, 1, True, np.float64, "C"),
    ((2, 4, 5, 3), (1, 1, 3, 2), 1, "valid", True, np.float32, "S"),
]


def _ids(case):
    xs, ks, s, p, b, dt, lay = case
    return f"x{xs}-k{ks}-s{s}-p{p}-b{b}-{np.dtype(dt).name}-{lay}".replace(" ", "")


@pytest.mark.parametrize("case", POOL_CASES, ids=_ids)
def test_conv_relu_pool_numba_equals_numpy(case):
    xs, ks, strides, padding, with_bias, dtype, layout = case
    rng = np.random.default_rng(0)
    arrays = _arrays(xs, ks, with_bias, dtype, layout, rng)
    _assert_paths_equal(
        Conv2DReluMaxPoolOp, arrays, rng, layout, strides=strides, padding=padding
    )


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("case", CONV_CASES, ids=_ids)
def test_conv2d_numba_equals_numpy(case, relu):
    xs, ks, strides, padding, with_bias, dtype, layout = case
    rng = np.random.default_rng(1)
    arrays = _arrays(xs, ks, with_bias, dtype, layout, rng)
    _assert_paths_equal(
        Conv2DOp, arrays, rng, layout, strides=strides, padding=padding, relu=relu
    )


def test_every_kernel_runs(monkeypatch):
    """The comparisons above are not vacuous: each compiled kernel is called."""
    calls = []
    for name in ("im2col_rows", "pool_forward", "pool_backward", "col2im_gather"):
        real = getattr(kernels, name)
        monkeypatch.setattr(
            kernels, name, lambda *a, _real=real, _name=name: (calls.append(_name), _real(*a))
        )
    rng = np.random.default_rng(2)
    arrays = _arrays((2, 8, 8, 3), (3, 3, 3, 2), True, np.float32, "C", rng)
    _run(Conv2DReluMaxPoolOp, "numba", arrays, np.ones((2, 3, 3, 2), np.float32))
    assert sorted(calls) == ["col2im_gather", "im2col_rows", "pool_backward", "pool_forward"]
    calls.clear()
    _run(Conv2DOp, "numba", arrays, np.ones((2, 6, 6, 2), np.float32))
    assert sorted(calls) == ["col2im_gather", "im2col_rows"]


# --------------------------------------------------------------------------- ties and NaN


@pytest.mark.parametrize("c_in", [1, 3])  # NumPy im2col, compiled im2col
@pytest.mark.parametrize("mode", [None, "numba"])
def test_pool_ties_send_the_gradient_to_the_first_row_major_offset(mode, c_in):
    # four 2x2 windows, written out: maxima tie at (0,1)&(1,0), (1,0)&(1,1), (0,0)&(1,1), all
    x0 = np.array(
        [[1, 3, 1, 2],
         [3, 2, 3, 3],
         [5, 1, 2, 2],
         [1, 5, 2, 2]], np.float64,
    )
    x = np.zeros((1, 4, 4, c_in))
    x[0, :, :, 0] = x0
    if c_in > 1:
        x[0, :, :, 1:] = 7.0  # other channels: large values the kernel ignores
    k = np.zeros((1, 1, c_in, 1))
    k[0, 0, 0, 0] = 1.0  # conv = channel 0
    g = np.array([10.0, 20.0, 30.0, 40.0]).reshape(1, 2, 2, 1)
    y, gx, gk = _run(Conv2DReluMaxPoolOp, mode, [x, k], g)
    np.testing.assert_array_equal(y[0, :, :, 0], [[3, 3], [5, 2]])
    want = np.zeros((4, 4))
    want[0, 1], want[1, 2], want[2, 0], want[2, 2] = 10, 20, 30, 40
    np.testing.assert_array_equal(gx[0, :, :, 0], want)
    np.testing.assert_array_equal(gx[0, :, :, 1:], 0)
    assert gk[0, 0, 0, 0] == 3 * 10 + 3 * 20 + 5 * 30 + 2 * 40


@pytest.mark.parametrize("with_bias", [False, True])
def test_integer_valued_inputs_with_many_ties_agree(with_bias):
    """0/1 inputs and weights: many windows tie (and many ReLUs sit at exactly 0)."""
    rng = np.random.default_rng(3)
    for xs, ks in (((3, 9, 8, 1), (2, 2, 1, 3)), ((2, 8, 9, 4), (3, 2, 4, 5))):
        arrays = _arrays(xs, ks, with_bias, np.float32, "C", rng, integers=True)
        conv = _fwd(Conv2DOp, arrays[:2])
        h2, w2 = conv.shape[1] // 2, conv.shape[2] // 2
        windows = conv[:, : 2 * h2, : 2 * w2].reshape(-1, h2, 2, w2, 2, conv.shape[3])
        ties = (windows == windows.max(axis=(2, 4), keepdims=True)).sum(axis=(2, 4)) > 1
        assert ties.mean() > 0.1, "the case must contain ties"
        _assert_paths_equal(Conv2DReluMaxPoolOp, arrays, rng, padding="same")
        _assert_paths_equal(Conv2DReluMaxPoolOp, arrays, rng)


@pytest.mark.parametrize(
    ("op", "relu"), [(Conv2DReluMaxPoolOp, None), (Conv2DOp, False), (Conv2DOp, True)]
)
def test_nan_in_the_input_gives_nan_at_the_same_positions(op, relu):
    rng = np.random.default_rng(4)
    x, k, b = _arrays((2, 8, 8, 3), (3, 3, 3, 4), True, np.float32, "C", rng)
    x[1, 2, 5, 1] = np.nan
    params = {} if relu is None else {"relu": relu}
    outs = []
    for mode in (None, "numba"):
        accel.set_compiled(mode)
        outs.append(_fwd(op, (x, k, b), padding="same", **params))
    nan = np.isnan(outs[0])
    assert 0 < nan.sum() < nan.size // 4 and not nan[0].any()
    np.testing.assert_array_equal(np.isnan(outs[1]), nan)
    np.testing.assert_array_equal(outs[1], outs[0])  # NaN == NaN here: same positions


@pytest.mark.parametrize("mode", [None, "numba"])
def test_a_nan_at_any_window_offset_reaches_the_pooled_output(mode):
    """A 1x1 kernel keeps each NaN at one conv output: one window per offset (a, b)."""
    rng = np.random.default_rng(11)
    x, k, b = _arrays((2, 6, 6, 3), (1, 1, 3, 4), True, np.float64, "C", rng)
    offsets = {(0, 0): (0, 0), (0, 1): (0, 2), (1, 0): (2, 0), (1, 1): (2, 2)}  # -> window
    for (a, c), (i, j) in offsets.items():
        x[1, 2 * i + a, 2 * j + c, i % 3] = np.nan
    accel.set_compiled(mode)
    y = _fwd(Conv2DReluMaxPoolOp, (x, k, b))
    want = np.zeros(y.shape, bool)
    for i, j in offsets.values():
        want[1, i, j, :] = True
    np.testing.assert_array_equal(np.isnan(y), want)


def _pool_numpy_reference(conv, bias):
    """The NumPy pooling of :class:`Conv2DReluMaxPoolOp` on a copy of ``conv`` (4, M2, C):
    the output and the arg-max code ``2 * bottom + right`` the kernel writes."""
    op = Conv2DReluMaxPoolOp()
    scratch = workspace.take(conv.shape, conv.dtype)  # _pool_numpy hands it back
    scratch[...] = conv
    y = op._pool_numpy(scratch, bias, True)
    bottom, right_top, right_bottom = op.codes
    code = 2 * bottom + np.where(bottom, right_bottom, right_top)
    return y, code.astype(np.uint8)


@pytest.mark.parametrize(("conv_dtype", "bias_dtype"), [
    (np.float32, np.float32), (np.float64, np.float64),
    (np.float32, np.float64), (np.float64, np.float32), (np.float32, None),
])
def test_pool_kernel_equals_numpy_on_edge_values(conv_dtype, bias_dtype):
    """Signed zeros, infinities, NaN, ties and a bias of another dtype (whose sum NumPy
    rounds once, to the output dtype), value for value and sign for sign."""
    rng = np.random.default_rng(13)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 1e-45, -1e-45])
    conv = rng.choice(special, size=(4, 400, 6)).astype(conv_dtype)
    conv[:, :100] = rng.standard_normal((4, 100, 6))  # ordinary values too
    accel.set_compiled("numba")
    for bias in (
        None if bias_dtype is None else (1 + rng.random(6) * 2.0**-20).astype(bias_dtype),
        None if bias_dtype is None else np.array([-0.0, 0.0, -0.0, 1.0, -1.0, 3e-8], bias_dtype),
    ):
        want_y, want_code = _pool_numpy_reference(conv, bias)
        y, code = np.empty(want_y.shape, conv_dtype), np.empty(want_y.shape, np.uint8)
        b = np.zeros(6, conv_dtype) if bias is None else bias
        kernels.pool_forward(conv, b, y, code)
        _assert_bits_equal(y, want_y)
        np.testing.assert_array_equal(code, want_code)
    workspace.clear()


@pytest.mark.parametrize("op", [Conv2DReluMaxPoolOp, Conv2DOp])
def test_mixed_dtypes_agree(op):
    """float32 input with a float64 kernel or bias (the op's dtype rules are NumPy's)."""
    rng = np.random.default_rng(14)
    x, k, b = _arrays((2, 9, 8, 3), (3, 3, 3, 4), True, np.float64, "C", rng)
    b = 1 + b * 2.0**-20  # bits a float32 does not hold: rounding order shows
    for arrays in ([x.astype(np.float32), k.astype(np.float32), b],
                   [x.astype(np.float32), k, b.astype(np.float32)]):
        u = rng.standard_normal(_fwd(op, arrays).shape)
        want, got = _run(op, None, arrays, u), _run(op, "numba", arrays, u)
        for name, g, w in zip(("y", "x", "kernel", "bias"), got, want, strict=True):
            assert g.dtype == w.dtype, name
            _assert_bits_equal(g, w, name)


@pytest.mark.parametrize("dtype", [np.float16, ">f8", ">f4", np.int64])
@pytest.mark.parametrize("op", [Conv2DReluMaxPoolOp, Conv2DOp])
def test_other_dtypes_run_the_numpy_reference(op, dtype, monkeypatch):
    """The kernels take native float32/float64 only; float16, big-endian and integer
    arrays must run NumPy (numba raised NotImplementedError / TypingError on them)."""
    rng = np.random.default_rng(15)
    arrays = [a.astype(dtype) for a in _arrays((2, 8, 8, 3), (3, 3, 3, 4), True,
                                               np.float64, "C", rng, integers=True)]
    outs = []
    for mode in (None, "numba"):
        accel.set_compiled(mode)
        fn = op()  # the op on plain arrays: Tensor would convert the dtype
        y = fn.forward(*arrays)
        outs.append([y, *fn.backward(np.ones(y.shape, y.dtype))])
    for got, want in zip(outs[1], outs[0], strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert accel.compiled() is kernels and accel.compiled(*arrays) is None
    assert accel.compiled(arrays[0].astype(np.float32), None) is kernels


def test_a_forked_child_runs_numpy_instead_of_being_terminated():
    """GNU OpenMP terminates a child forked after numba's threads started, at its first
    kernel: the child must switch to NumPy (same values)."""
    code = (
        "import os, numpy as np, nnmath\nfrom nnmath.ops import accel\n"
        "x, k = np.ones((2, 8, 8, 3), np.float32), np.ones((3, 3, 3, 4), np.float32)\n"
        "nnmath.set_num_threads(2); accel.set_compiled('numba')\n"
        "y = nnmath.functional.conv2d_relu_maxpool(x, k).data\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    z = nnmath.functional.conv2d_relu_maxpool(x, k).data\n"
        "    print(accel.active(), np.array_equal(y, z), flush=True); os._exit(0)\n"
        "print(os.waitpid(pid, 0)[1], accel.active())"
    )
    assert _python(code) == ["numpy", "True", "0", "numba"]


# --------------------------------------------------------------------------- finite differences


GRADCHECK_CASES = [
    ((2, 7, 6, 3), (3, 2, 3, 3), 1, "valid"),  # conv 5x5: odd, a dropped row and column
    ((2, 8, 7, 5), (2, 3, 5, 2), (2, 1), "same"),
    ((1, 9, 8, 2), (3, 3, 2, 2), 2, 1),
]


@pytest.mark.parametrize("case", GRADCHECK_CASES, ids=lambda c: f"x{c[0]}-s{c[2]}-p{c[3]}")
def test_numba_gradients_match_finite_differences(case):
    xs, ks, strides, padding = case
    rng = np.random.default_rng(5)
    x, k, b = rng.standard_normal(xs), rng.standard_normal(ks), rng.standard_normal(ks[3])
    accel.set_compiled("numba")

    def fused(x, k, b):
        return Conv2DReluMaxPoolOp.apply(x, k, b, strides=strides, padding=padding)

    def conv_relu(x, k, b):
        return Conv2DOp.apply(x, k, b, strides=strides, padding=padding, relu=True)

    def conv_no_bias(x, k):
        return Conv2DOp.apply(x, k, strides=strides, padding=padding)

    for fn, inputs in ((fused, (x, k, b)), (conv_relu, (x, k, b)), (conv_no_bias, (x, k))):
        report = nnmath.gradcheck(fn, *inputs, seed=6)
        assert report.passed, f"{fn.__name__}: {report}"
    assert accel.active() == "numba"


# --------------------------------------------------------------------------- scratch arrays


def test_no_grad_forward_equals_and_returns_its_scratch():
    rng = np.random.default_rng(7)
    x, k, b = _arrays((3, 10, 9, 3), (3, 3, 3, 4), True, np.float32, "C", rng)
    code_key = ((3 * 4 * 3, 4), np.dtype(np.uint8).str)  # (N * H2 * W2, C_out)
    with nnmath.no_grad():
        want = _fwd(Conv2DReluMaxPoolOp, (x, k, b))
        want_conv = _fwd(Conv2DOp, (x, k, b), relu=True)
        accel.set_compiled("numba")
        workspace.clear()
        y = _fwd(Conv2DReluMaxPoolOp, (x, k, b))
        assert len(workspace._free.get(code_key, [])) == 1  # the arg-max code went back
        _fwd(Conv2DOp, (x, k, b), relu=True)
        held = workspace._bytes
        for _ in range(5):
            np.testing.assert_array_equal(_fwd(Conv2DReluMaxPoolOp, (x, k, b)), want)
            np.testing.assert_array_equal(_fwd(Conv2DOp, (x, k, b), relu=True), want_conv)
        assert workspace._bytes == held  # reused, not grown
    np.testing.assert_array_equal(y, want)
    assert not np.shares_memory(y, _fwd(Conv2DReluMaxPoolOp, (x, k, b)))


def test_training_steps_return_their_scratch():
    rng = np.random.default_rng(8)
    x, k, b = _arrays((2, 9, 9, 5), (2, 2, 5, 3), True, np.float64, "C", rng)
    accel.set_compiled("numba")
    workspace.clear()
    sizes = []
    for _ in range(4):
        ts = [Tensor(a, requires_grad=True) for a in (x, k, b)]
        y = Conv2DReluMaxPoolOp.apply(*ts)
        Conv2DOp.apply(y, Tensor(k[:, :, :3, :3]), padding="same").sum().backward()
        sizes.append(workspace._bytes)
    assert sizes[1] == sizes[2] == sizes[3]
    pooled = workspace._free
    assert len(pooled.get(((2 * 4 * 4, 3), np.dtype(np.uint8).str), [])) == 1  # the code
    # im2col columns and col2im's GEMM output (same shape): both back, for both ops
    assert len(pooled.get(((4 * 2 * 4 * 4, 2 * 2 * 5), "<f8"), [])) == 2
    assert len(pooled.get(((2 * 4 * 4, 2 * 2 * 3), "<f8"), [])) == 2


# --------------------------------------------------------------------------- a small model


def _model(seed):
    model = nnmath.Sequential(
        [
            layers.Conv2D(4, (3, 2), activation="relu"),  # fused with the pooling, C_in 3
            layers.MaxPool2D(2),
            layers.Conv2D(5, 3, activation="relu", padding="same"),  # Conv2DOp, relu, C_in 4
            layers.Conv2D(3, 2, strides=(2, 1)),  # Conv2DOp, C_in 5
            layers.Flatten(),
            layers.Dense(3, activation="softmax"),
        ],
        seed=seed,
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_small_convnet_trains_identically_with_and_without_numba():
    rng = np.random.default_rng(9)
    x, y = rng.random((36, 11, 10, 3)).astype(np.float32), rng.integers(0, 3, 36)
    runs = []
    for mode in (None, "numba"):
        accel.set_compiled(mode)
        model = _model(seed=3)
        history = model.fit(x, y, epochs=2, batch_size=16, verbose=0).history
        runs.append((history, model.predict(x[:7], verbose=0)))
    assert accel.active() == "numba"
    assert runs[0][0] == runs[1][0]  # bit-identical losses and accuracies, every epoch
    assert len(runs[0][0]["loss"]) == 2
    np.testing.assert_array_equal(runs[1][1], runs[0][1])


# --------------------------------------------------------------------------- switching


def test_switching_on_and_off():
    assert accel.active() == "numpy" and accel.compiled() is None
    nnmath.set_compiled("numba")
    assert accel.active() == "numba" and accel.compiled() is kernels
    with pytest.raises(ValueError, match=r"expected one of \('numba',\).*got 'cuda'"):
        nnmath.set_compiled("cuda")
    assert accel.active() == "numba"  # a refused name changes nothing
    nnmath.set_compiled("numpy")
    assert accel.active() == "numpy"
    nnmath.set_compiled("numba")
    nnmath.set_compiled(None)
    assert accel.active() == "numpy" and accel.compiled() is None
    nnmath.set_compiled(" Numba ")  # spelled as the environment variable may spell it
    assert accel.active() == "numba"
    nnmath.set_compiled("NumPy")
    assert accel.active() == "numpy"


def test_switching_sets_a_passive_omp_wait_policy_unless_set():
    os.environ.pop("OMP_WAIT_POLICY", None)
    accel.set_compiled("numba")
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    os.environ["OMP_WAIT_POLICY"] = "ACTIVE"
    accel.set_compiled(None)  # off first: switching on again while on returns at once
    accel.set_compiled("numba")
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"  # the user's choice stays


@pytest.mark.parametrize("first", [None, "numba"])
@pytest.mark.parametrize("op", [Conv2DReluMaxPoolOp, Conv2DOp])
def test_switching_between_forward_and_backward(op, first):
    """The op's backward matches the forward it ran, whatever is switched on meanwhile."""
    rng = np.random.default_rng(10)
    arrays = _arrays((2, 9, 8, 3), (3, 3, 3, 4), True, np.float32, "C", rng)
    u = rng.standard_normal((2, 3, 3, 4) if op is Conv2DReluMaxPoolOp else (2, 7, 6, 4))
    u = u.astype(np.float32)
    want = _run(op, None, arrays, u)
    accel.set_compiled(first)
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    y = op.apply(*ts)
    accel.set_compiled(None if first else "numba")
    y.backward(u)
    for g, w in zip([y.data, *[t.grad for t in ts]], want, strict=True):
        np.testing.assert_array_equal(g, w)


# --------------------------------------------------------------------------- environment


def test_environment_variable_is_read_on_first_use(monkeypatch):
    monkeypatch.setattr(accel, "_read_env", False)
    monkeypatch.setenv("NNMATH_COMPILED", " Numba ")
    assert accel.active() == "numba"
    accel.set_compiled(None)  # an explicit choice wins over the environment
    assert accel.active() == "numpy"
    monkeypatch.setattr(accel, "_read_env", False)
    monkeypatch.setenv("NNMATH_COMPILED", "numpy")
    assert accel.active() == "numpy"
    monkeypatch.setattr(accel, "_read_env", False)
    monkeypatch.setenv("NNMATH_COMPILED", "bogus")
    x, k = np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1))
    for _ in range(2):  # not only the first op: no silent fallback to NumPy afterwards
        with pytest.raises(ValueError, match=r"NNMATH_COMPILED='bogus'.*'numba'"):
            nnmath.functional.conv2d(x, k)
    accel.set_compiled(None)  # an explicit choice ends it
    assert nnmath.functional.conv2d(x, k).shape == (1, 3, 3, 1)


def _python(code: str, **env: str) -> list[str]:
    """Run ``code`` in a fresh interpreter with ``env`` on top of a clean environment."""
    clean = {
        k: v for k, v in os.environ.items()
        if k not in ("NNMATH_COMPILED", "OPENBLAS_THREAD_TIMEOUT", "OMP_WAIT_POLICY")
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


PROBE = (
    "import os, sys; import nnmath; from nnmath.ops import accel;"
    "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT')); print('numba' in sys.modules);"
    "print(accel.active()); print('numba' in sys.modules)"
)


def test_environment_in_a_fresh_interpreter():
    # asked for: BLAS workers may sleep, numba loads on first use, not on import nnmath
    assert _python(PROBE, NNMATH_COMPILED="numba") == ["4", "False", "numba", "True"]
    # the user's own timeout stays
    assert _python(PROBE, NNMATH_COMPILED="numba", OPENBLAS_THREAD_TIMEOUT="7")[0] == "7"
    # NumPy loaded before nnmath: too late for BLAS, so nothing is set
    late = _python("import numpy;" + PROBE, NNMATH_COMPILED="numba")
    assert late == ["None", "False", "numba", "True"]
    # not asked for: nothing set, nothing loaded
    assert _python(PROBE, NNMATH_COMPILED="numpy") == ["None", "False", "numpy", "False"]
    bogus = _python(
        "import nnmath, numpy as np\n"
        "try:\n    nnmath.functional.conv2d(np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)))\n"
        "except ValueError as e:\n    print(repr(str(e)).replace(' ', '_'))",
        NNMATH_COMPILED="bogus",
    )
    assert len(bogus) == 1 and "NNMATH_COMPILED='bogus'" in bogus[0], bogus


def test_import_nnmath_never_imports_numba():
    assert "NNMATH_COMPILED" not in os.environ
    heavy = ["numba", "nnmath.ops.compiled", "llvmlite"]
    assert heavy_modules_loaded("import nnmath, nnmath.functional, nnmath.layers", heavy) == []


# --------------------------------------------------------------------------- threads


def test_kernels_follow_set_num_threads(monkeypatch):
    monkeypatch.setattr(threads, "_configured", threads._configured)
    before, before_numba = nnmath.get_num_threads(), numba.get_num_threads()
    try:
        accel.set_compiled("numba")
        nnmath.set_num_threads(1)
        assert numba.get_num_threads() == 1
        nnmath.set_num_threads(2)
        assert numba.get_num_threads() == min(2, numba.config.NUMBA_NUM_THREADS)
        accel.set_compiled(None)
        nnmath.set_num_threads(1)  # kernels off: their threads are left alone
        assert numba.get_num_threads() == min(2, numba.config.NUMBA_NUM_THREADS)
        accel.set_compiled("numba")  # switching on takes nnmath's current count
        assert numba.get_num_threads() == 1
    finally:
        nnmath.set_num_threads(before)
        numba.set_num_threads(before_numba)


def test_kernels_follow_the_thread_count_in_other_python_threads(monkeypatch):
    """numba's count is per Python thread: a conv op run in a worker thread (Dask's task
    threads, say) must not fall back to all cores."""
    monkeypatch.setattr(threads, "_configured", threads._configured)
    before = nnmath.get_num_threads()
    rng = np.random.default_rng(12)
    arrays = _arrays((2, 8, 8, 3), (3, 3, 3, 2), True, np.float32, "C", rng)
    seen = []

    def work():  # switches nothing itself: set_compiled ran in the main thread
        seen.append(numba.get_num_threads())  # this thread's own count: numba's default
        ts = [Tensor(a, requires_grad=True) for a in arrays]
        Conv2DReluMaxPoolOp.apply(*ts).sum().backward()
        seen.append(numba.get_num_threads())

    try:
        accel.set_compiled("numba")
        nnmath.set_num_threads(1)
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
    finally:
        nnmath.set_num_threads(before)
    assert seen == [numba.config.NUMBA_NUM_THREADS, 1]


def test_switching_on_keeps_nnmaths_thread_count_in_a_fresh_interpreter():
    """Importing numba loads SciPy and its own two-thread OpenBLAS: the count must be read
    before that, or one-thread runs got two-thread kernels (a bug the benchmark showed)."""
    code = (
        "import os\n"
        "for v in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):\n"
        "    os.environ.pop(v, None)\n"
        "import nnmath\nfrom nnmath.ops import accel\n"
        "nnmath.threads.configure()\n"  # first use (a Tensor, fit) before switching on
        "accel.set_compiled('numba')\nimport numba, numpy as np\n"
        "nnmath.functional.conv2d_relu_maxpool(np.ones((2, 6, 6, 3), np.float32),\n"
        "    np.ones((3, 3, 3, 2), np.float32))\n"  # compiling loads SciPy's BLAS
        "accel.set_compiled(None)\naccel.set_compiled('numba')\n"  # as a benchmark toggles
        "print(numba.get_num_threads(), nnmath.get_num_threads())"
    )
    assert _python(code, NNMATH_NUM_THREADS="1") == ["1", "1"]
