"""gradcheck: correct backward passes pass, wrong ones are caught, the report is readable."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath import Tensor, gradcheck
from nnmath.autograd import Function
from nnmath.gradcheck import GradcheckReport


class _MatSquareWrongTranspose(Function):
    """y = A @ A with the classic bug: backward forgets the transposes."""

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.a = a
        return a @ a

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g @ self.a + self.a @ g,)  # right: g @ a.T + a.T @ g


class _ScaleWrongFactor(Function):
    """y = 3x whose backward says 3.001: a tiny error the check must still catch."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        return 3 * x

    def backward(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (3.001 * g,)


class _SumNoGrad(Function):
    """y = a + b whose backward forgets b entirely."""

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b

    def backward(self, g: np.ndarray) -> tuple[np.ndarray, None]:
        return g, None


def test_correct_functions_pass(rng):
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2))
    report = gradcheck(lambda x, y: (x @ y).tanh(), a, b)
    assert report.passed and bool(report)
    assert len(report) == 2
    assert report[0].shape == (3, 4) and report[1].shape == (4, 2)
    assert report.max_rel_error < 1e-8


def test_wrong_transpose_is_caught(rng):
    report = gradcheck(lambda a: _MatSquareWrongTranspose.apply(a), rng.normal(size=(3, 3)))
    assert not report.passed and not report
    assert report[0].rel_error > 0.1
    check = report[0]
    # The report points at the worst element with the two values there.
    assert abs(check.analytic - check.numeric) == pytest.approx(check.max_abs_error)
    i = check.worst_index
    assert check.grad[i] == check.analytic and check.grad_numeric[i] == check.numeric


def test_small_error_is_caught(rng):
    report = gradcheck(lambda x: _ScaleWrongFactor.apply(x), rng.normal(size=(5,)))
    assert not report.passed
    assert report[0].rel_error == pytest.approx(0.001 / 6.001, rel=1e-3)


def test_missing_gradient_is_caught(rng):
    report = gradcheck(lambda a, b: _SumNoGrad.apply(a, b), rng.normal(size=3), rng.normal(size=3))
    assert report[0].passed and not report[1].passed
    assert np.all(report[1].grad == 0)


def test_upstream_gradient_is_random_not_ones(rng):
    # With an all-ones upstream gradient this wrong backward of x.T would look right.
    class WrongT(Function):
        def forward(self, x):
            return x.T

        def backward(self, g):
            return (g,)  # right: g.T; identical only when g is symmetric

    x = rng.normal(size=(4, 4))
    assert not gradcheck(lambda t: WrongT.apply(t), x)


def test_report_str_names_inputs_and_status(rng):
    report = gradcheck(lambda a, b: a * b, rng.normal(size=2), rng.normal(size=(3, 2)))
    text = str(report)
    assert text.startswith("gradcheck PASSED")
    assert "input 0 (2,)" in text and "input 1 (3, 2)" in text
    bad = gradcheck(lambda x: _ScaleWrongFactor.apply(x), rng.normal(size=2))
    assert str(bad).startswith("gradcheck FAILED") and "FAIL input 0" in str(bad)
    assert repr(bad) == str(bad)


def test_float32_inputs_are_checked_in_float64(rng):
    x32 = rng.normal(size=(3, 3)).astype(np.float32)
    seen = []

    def fn(x):
        seen.append(x.dtype)
        return (x * x).sum(axis=1)

    report = gradcheck(fn, x32)
    assert report.passed and report.max_rel_error < 1e-8
    assert set(seen) == {np.dtype(np.float64)}
    assert x32.dtype == np.float32  # the caller's array is untouched


def test_inputs_are_not_modified(rng):
    x = rng.normal(size=(2, 3))
    keep = x.copy()
    t = Tensor(x.copy(), requires_grad=True)
    gradcheck(lambda a, b: a * b, x, t)
    np.testing.assert_array_equal(x, keep)
    np.testing.assert_array_equal(t.data, keep)
    assert t.grad is None


def test_wrt_checks_only_some_inputs(rng):
    calls = []

    def fn(a, b):
        calls.append(1)
        return _SumNoGrad.apply(a, b)

    report = gradcheck(fn, rng.normal(size=3), rng.normal(size=4).reshape(4, 1), wrt=0)
    assert report.passed and len(report) == 1 and report[0].name == "input 0"
    assert len(calls) == 1 + 2 * 3  # one analytic pass, two evaluations per element of a
    assert not gradcheck(lambda a, b: _SumNoGrad.apply(a, b), np.ones(2), np.ones(2), wrt=[1])


def test_integer_inputs_pass_through_unchecked(rng):
    logits = rng.normal(size=(4, 3))
    labels = np.array([0, 2, 1, 2])

    def pick(z, y):
        assert y.dtype.kind == "i"
        return z[np.arange(4), y.data]

    report = gradcheck(pick, logits, labels)
    assert len(report) == 1 and report.passed
    with pytest.raises(TypeError, match="wrt=1 names a non-floating input"):
        gradcheck(pick, logits, labels, wrt=1)


def test_params_from_a_closure(rng):
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    W.grad = np.full((3, 2), 7.0)
    report = gradcheck(lambda x: (x @ W).sigmoid(), rng.normal(size=(5, 3)), params=[W])
    assert report.passed and [c.name for c in report] == ["input 0", "param 0"]
    np.testing.assert_array_equal(W.grad, 7.0)  # the caller's gradient is left as it was
    W32 = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    with pytest.raises(ValueError, match=r"params\[0\] must be a float64 Tensor"):
        gradcheck(lambda x: x @ W32, np.ones((1, 3)), params=[W32])


def test_sampling_big_inputs(rng):
    calls = []

    def fn(x):
        calls.append(1)
        return x * x

    report = gradcheck(fn, rng.normal(size=(50, 40)), samples=7)
    assert report.passed and report[0].checked == 7
    assert len(calls) == 1 + 14
    assert np.isnan(report[0].grad_numeric).sum() == 2000 - 7


def test_errors_at_the_boundary(rng):
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda x: x.data, np.ones(2))
    with pytest.raises(ValueError, match=r"float32 tensor of shape \(2,\).*float64"):
        gradcheck(lambda x: x.astype(np.float32), np.ones(2))
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda y: y, np.array([1, 2]))
    with pytest.raises(ValueError, match="wrt=3 is out of range"):
        gradcheck(lambda x: x, np.ones(2), wrt=3)


def test_scalars_and_zero_d(rng):
    report = gradcheck(lambda a, b: (a * b).exp(), 0.3, np.array(-1.2))
    assert isinstance(report, GradcheckReport) and report.passed
    assert report[0].shape == () and report[0].worst_index == ()


def test_kink_is_reported_not_hidden():
    # |x| at exactly 0: the analytic rule says 0, the numeric slope is 0 too (symmetric);
    # at 1e-7 from the kink (inside eps) the two disagree and the report must say so.
    assert gradcheck(lambda x: x.abs(), np.array([0.0, 1.0])).passed
    assert not gradcheck(lambda x: x.abs(), np.array([1e-7]), eps=1e-6).passed


def test_outputs_that_view_the_input(rng):
    # reshape/transpose/slices return views of the perturbed input: still correct
    report = gradcheck(lambda x: x.reshape(6)[::2], rng.normal(size=(2, 3)))
    assert report.passed and report.max_rel_error < 1e-8
