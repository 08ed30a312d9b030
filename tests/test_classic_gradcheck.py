"""classic.gradcheck: the 1-D example, the vector round trips, and the N-dimensional check
accepting a correct backward pass and catching a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath.classic import deep, gradcheck


def test_one_dimensional_check_published_value(capsys):
    # published: 2.919335883291695e-10 (x, theta = 2, 4) and 7.814075313343006e-11 (3, 4)
    difference = gradcheck.gradient_check(2.0, 4.0, print_msg=True)
    assert difference == pytest.approx(2.919335883291695e-10, rel=1e-6)
    assert "works perfectly fine" in capsys.readouterr().out
    assert gradcheck.gradient_check(3, 4) == pytest.approx(7.814075313343006e-11, rel=1e-6)


def _course_test_case():
    """The course's gradient_check_n test case: np.random.seed(1), then x, W1, b1, .., b3."""
    rs = np.random.RandomState(1)
    x = rs.randn(4, 3)
    parameters = {k: rs.randn(*s) for k, s in gradcheck.COURSE_SHAPES.items()}
    return x, np.array([1, 1, 0]), parameters


def test_course_test_case_published_differences(capsys):
    x, y, parameters = _course_test_case()
    _, cache = gradcheck.forward_propagation_n(x, y, parameters)
    gradients = gradcheck.backward_propagation_n(x, y, cache)
    # published for the corrected backward pass: 1.1890913024229996e-07. A difference this
    # small is the rounding noise of the finite differences (eps = 1e-7), so only its size is
    # reproducible: it depends on how the cost's sum is rounded (1.19e-07 here)
    difference = gradcheck.gradient_check_n(parameters, gradients, x, y, print_msg=True)
    assert difference < 2e-7 and difference == pytest.approx(1.1890913024229996e-07, rel=0.1)
    assert "works perfectly fine" in capsys.readouterr().out
    # the course's planted bugs: dW2 doubled, db1 four times too big; published 0.2850931567761624
    wrong = {**gradients, "dW2": gradients["dW2"] * 2, "db1": gradients["db1"] * 4}
    difference = gradcheck.gradient_check_n(parameters, wrong, x, y, print_msg=True)
    assert difference == pytest.approx(0.2850931567761624, rel=1e-8)  # noise: ~1e-9
    assert "There is a mistake in the backward propagation!" in capsys.readouterr().out
    with pytest.raises(ValueError, match=r"one label per sample \(3, the columns of X\)"):
        gradcheck.gradient_check_n(parameters, gradients, x, np.array([1, 0]))


def _course_network(rng):
    shapes = gradcheck.COURSE_SHAPES
    return {k: rng.standard_normal(s) for k, s in shapes.items()}


def test_vector_round_trips(rng):
    params = _course_network(rng)
    theta, keys = gradcheck.dictionary_to_vector(params)
    assert theta.shape == (47, 1) and len(keys) == 47
    assert keys[:21] == ["W1"] * 20 + ["b1"] and keys[-1] == "b3"
    back = gradcheck.vector_to_dictionary(theta)
    for k, v in params.items():
        np.testing.assert_array_equal(back[k], v)
    grads = {"d" + k: v * 2 for k, v in params.items()} | {"dA0": np.zeros((4, 3))}
    np.testing.assert_array_equal(gradcheck.gradients_to_vector(grads), theta * 2)
    with pytest.raises(ValueError, match="theta has 46 entries"):
        gradcheck.vector_to_dictionary(theta[:-1])


def test_n_dimensional_check_accepts_correct_and_catches_wrong_gradients(rng, capsys):
    X = rng.standard_normal((4, 3))
    Y = np.array([[1.0, 1.0, 0.0]])
    params = _course_network(rng)
    grads = gradcheck.backward_propagation_n(X, Y, gradcheck.forward_propagation_n(X, Y, params)[1])
    difference = gradcheck.gradient_check_n(params, grads, X, Y, print_msg=True)
    assert difference < 1e-7
    assert "works perfectly fine" in capsys.readouterr().out

    # the course's planted bugs: dW2 doubled, db1 scaled by 4 -> the check must fail loudly
    wrong = dict(grads)
    wrong["dW2"] = grads["dW2"] * 2
    wrong["db1"] = grads["db1"] * 4
    assert gradcheck.gradient_check_n(params, wrong, X, Y, print_msg=True) > 1e-3
    assert "There is a mistake" in capsys.readouterr().out


def test_n_dimensional_check_works_for_any_depth(rng):
    params = deep.initialize_parameters_deep([3, 4, 4, 2, 1], seed=0)
    params = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in params.items()}
    X = rng.standard_normal((3, 7))
    Y = (rng.random((1, 7)) > 0.5).astype(float)
    grads = gradcheck.backward_propagation_n(X, Y, gradcheck.forward_propagation_n(X, Y, params)[1])
    assert gradcheck.gradient_check_n(params, grads, X, Y) < 1e-7
    cost, caches = gradcheck.forward_propagation_n(X, Y, params)
    assert len(caches) == 4 and cost > 0
