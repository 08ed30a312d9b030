"""classic.gradcheck: the 1-D example, the vector round trips, and the N-dimensional check
accepting a correct backward pass and catching a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from nnmath.classic import deep, gradcheck


def test_one_dimensional_check_published_value(capsys):
    difference = gradcheck.gradient_check(2.0, 4.0, print_msg=True)
    assert difference == pytest.approx(2.919335883291695e-10, rel=1e-6)
    assert "works perfectly fine" in capsys.readouterr().out


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
    grads = gradcheck.backward_propagation_n(X, Y, params)
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
    grads = gradcheck.backward_propagation_n(X, Y, params)
    assert gradcheck.gradient_check_n(params, grads, X, Y) < 1e-7
    cost, caches = gradcheck.forward_propagation_n(X, Y, params)
    assert len(caches) == 4 and cost > 0
