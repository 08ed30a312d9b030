"""classic.deep: the cat networks' published cost traces and accuracies (each model trained
once per session), the textbook loop and the sample-space one computing the same iterations,
and the hand-derived backward pass against autodiff and finite differences."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from nnmath import Tensor
from nnmath.classic import deep
from nnmath.datasets import load_cat_vs_noncat

# Published cost traces, every 100 iterations (2500 iterations at 0.0075), as the notebook prints
# them (16 digits), and the line it prints at the last iteration, 2499. Published copies differ
# from each other after the 12th digit (BLAS rounding), so they are compared to 1e-10 relative.
TWO_LAYER_TRACE = [
    0.6930497356599888, 0.6464320953428849, 0.6325140647912677, 0.6015024920354665,
    0.5601966311605747, 0.5158304772764729, 0.47549013139433255, 0.43391631512257495,
    0.400797753620389, 0.3580705011323798, 0.3394281538366411, 0.3052753636196264,
    0.2749137728213018, 0.24681768210614854, 0.19850735037466094, 0.17448318112556666,
    0.17080762978096128, 0.11306524562164724, 0.09629426845937152, 0.08342617959726856,
    0.07439078704319078, 0.06630748132267927, 0.05919329501038164, 0.05336140348560553,
    0.048554785628770115,
]
TWO_LAYER_LAST = 0.04421498215868956
FOUR_LAYER_TRACE = [
    0.7717493284237686, 0.6720534400822914, 0.6482632048575212, 0.6115068816101354,
    0.5670473268366111, 0.54013766345478, 0.5279299569455267, 0.4654773771766851,
    0.3691258524959279, 0.39174697434805344, 0.3151869888600617, 0.2726998441789385,
    0.23741853400268137, 0.19960120532208647, 0.18926300388463305, 0.1611885466582775,
    0.14821389662363316, 0.13777487812972944, 0.1297401754919012, 0.12122535068005211,
    0.1138206066863371, 0.10783928526254133, 0.10285466069352679, 0.10089745445261787,
    0.09287821526472397,
]
FOUR_LAYER_LAST = 0.088439943441702
MODELS = {  # name: (function, layer sizes, published trace, published cost at iteration 2499)
    "two": (deep.two_layer_model, (12288, 7, 1), TWO_LAYER_TRACE, TWO_LAYER_LAST),
    "four": (deep.l_layer_model, [12288, 20, 7, 5, 1], FOUR_LAYER_TRACE, FOUR_LAYER_LAST),
}


@pytest.fixture(scope="module")
def cat_data():
    (x_train, y_train), (x_test, y_test), _ = load_cat_vs_noncat()
    return (
        x_train.reshape(x_train.shape[0], -1).T / 255.0,
        y_train.reshape(1, -1),
        x_test.reshape(x_test.shape[0], -1).T / 255.0,
        y_test.reshape(1, -1),
    )


def _train_printing(cat_data, which: str, num_iterations: int, method: str):
    """Train a published model with print_cost=True: ``(parameters, costs, printed lines)``."""
    fn, dims, *_ = MODELS[which]
    X, Y, *_ = cat_data
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        parameters, costs = fn(X, Y, dims, learning_rate=0.0075, num_iterations=num_iterations,
                               print_cost=True, method=method)
    return parameters, costs, out.getvalue().splitlines()


@pytest.fixture(scope="module")
def trained(cat_data):
    """Both published runs (2500 iterations), each trained once per session.

    They run with method="gram", the textbook iterations with layer 1 in sample space (50x
    faster here); test_direct_loop_is_the_same_computation proves on the cat data that the
    textbook loop computes the same iterations, and reproduces the published checkpoints it
    reaches.
    """
    return {which: _train_printing(cat_data, which, 2500, "gram") for which in MODELS}


def _accuracies(cat_data, parameters):
    X, Y, X_test, Y_test = cat_data
    return (
        deep.accuracy(deep.predict(X, Y, parameters), Y),
        deep.accuracy(deep.predict(X_test, Y_test, parameters), Y_test),
    )


@pytest.mark.slow
@pytest.mark.parametrize("which", list(MODELS))
def test_published_cost_trace(trained, which):
    _, _, trace, last = MODELS[which]
    _, costs, lines = trained[which]
    assert len(costs) == 25
    np.testing.assert_allclose(costs, trace, rtol=1e-10)
    assert [round(c, 6) for c in costs] == [round(c, 6) for c in trace]  # the 6-digit prints
    assert len(lines) == 26  # iterations 0, 100, ..., 2400 and the last one, 2499
    printed = dict(line.split(": ") for line in lines)
    assert float(printed["Cost after iteration 0"]) == costs[0]
    assert float(printed["Cost after iteration 2499"]) == pytest.approx(last, rel=1e-10)


@pytest.mark.slow
def test_two_layer_cat_model_accuracies(cat_data, trained):
    parameters = trained["two"][0]
    assert parameters["W1"].shape == (7, 12288)
    assert _accuracies(cat_data, parameters) == (1.0, 0.72)


@pytest.mark.slow
def test_four_layer_cat_model_accuracies(cat_data, trained, capsys):
    parameters = trained["four"][0]
    assert [parameters[f"W{l}"].shape for l in (1, 2, 3, 4)] == [(20, 12288), (7, 20), (5, 7),
                                                                  (1, 5)]
    train, test = _accuracies(cat_data, parameters)
    assert round(train * 100, 2) == 98.56 and train == pytest.approx(0.9856459330143541)
    assert test == 0.8
    deep.predict(cat_data[2], cat_data[3], parameters, print_accuracy=True)
    assert capsys.readouterr().out == "Accuracy: 0.8\n"


@pytest.mark.slow
@pytest.mark.parametrize("which", list(MODELS))
def test_direct_loop_is_the_same_computation(cat_data, which):
    """The textbook loop (method="direct") and the sample-space one run the same iterations:
    201 of them on the cat data agree to 1e-11 in every cost and 1e-8 in every parameter,
    and the direct loop prints the published costs at iterations 0, 100 and 200."""
    _, _, trace, _ = MODELS[which]
    direct, direct_costs, lines = _train_printing(cat_data, which, 201, "direct")
    gram, gram_costs, _ = _train_printing(cat_data, which, 201, "gram")
    np.testing.assert_allclose(direct_costs, trace[:3], rtol=1e-10)
    assert lines[-1].startswith("Cost after iteration 200: ") and len(lines) == 3
    np.testing.assert_allclose(gram_costs, direct_costs, rtol=1e-11)
    assert sorted(gram) == sorted(direct)
    for k, v in direct.items():
        np.testing.assert_allclose(gram[k], v, rtol=1e-8, atol=1e-12)


def test_gram_method_errors(rng):
    X, Y = rng.standard_normal((3, 5)), np.ones((1, 5))
    with pytest.raises(ValueError, match="method must be 'direct' or 'gram'"):
        deep.l_layer_model(X, Y, [3, 2, 1], num_iterations=1, method="fast")
    with pytest.raises(ValueError, match="needs at least one hidden layer"):
        deep.l_layer_model(X, Y, [3, 1], num_iterations=1, method="gram")


def test_initialization_is_the_courses():
    p = deep.initialize_parameters_deep([5, 4, 3])
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(p["W1"], rs.randn(4, 5) / np.sqrt(5))
    np.testing.assert_array_equal(p["W2"], rs.randn(3, 4) / np.sqrt(4))
    p = deep.initialize_parameters_deep([5, 4, 3], seed=3, scale=0.01)
    np.testing.assert_array_equal(p["W1"], np.random.RandomState(3).randn(4, 5) * 0.01)
    p = deep.initialize_parameters(3, 2, 1)
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(p["W1"], rs.randn(2, 3) * 0.01)
    np.testing.assert_array_equal(p["W2"], rs.randn(1, 2) * 0.01)


def _engine_cost(tensors: dict[str, Tensor], X: Tensor, Y: np.ndarray) -> Tensor:
    L = len(tensors) // 2
    A = X
    for l in range(1, L + 1):
        Z = tensors[f"W{l}"] @ A + tensors[f"b{l}"]
        A = Z.sigmoid() if l == L else Z.relu()
    Yt = Tensor(Y)
    return -((Yt * A.log() + (1 - Yt) * (1 - A).log()).sum()) * (1.0 / Y.shape[1])


def test_l_model_backward_matches_autodiff_and_finite_differences(rng):
    dims = [4, 5, 3, 1]
    X = rng.standard_normal((4, 10))
    Y = (rng.random((1, 10)) > 0.5).astype(float)
    params = {}
    for l in range(1, len(dims)):
        params[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1]))
        params[f"b{l}"] = rng.standard_normal((dims[l], 1)) * 0.1
    AL, caches = deep.l_model_forward(X, params)
    grads = deep.l_model_backward(AL, Y, caches)
    assert sorted(grads) == sorted(
        ["dA0", "dA1", "dA2", "dW1", "dW2", "dW3", "db1", "db2", "db3"]
    )

    tensors = {k: Tensor(v, requires_grad=True) for k, v in params.items()}
    Xt = Tensor(X, requires_grad=True)
    J = _engine_cost(tensors, Xt, Y)
    assert J.item() == pytest.approx(deep.compute_cost(AL, Y), rel=1e-12)
    J.backward()
    for k, t in tensors.items():
        np.testing.assert_allclose(grads["d" + k], t.grad, rtol=1e-10, atol=1e-12)
    # the course's dA0 is the gradient of the SUMMED loss (no 1/m): m * dJ/dX
    np.testing.assert_allclose(grads["dA0"], Xt.grad * X.shape[1], rtol=1e-10, atol=1e-12)

    eps = 1e-6
    for k, v in params.items():
        fd = np.zeros_like(v)
        for idx in np.ndindex(v.shape):
            plus, minus = {**params, k: v.copy()}, {**params, k: v.copy()}
            plus[k][idx] += eps
            minus[k][idx] -= eps
            fd[idx] = (
                deep.compute_cost(deep.l_model_forward(X, plus)[0], Y)
                - deep.compute_cost(deep.l_model_forward(X, minus)[0], Y)
            ) / (2 * eps)
        np.testing.assert_allclose(grads["d" + k], fd, rtol=1e-5, atol=1e-8)


def test_layer_backward_with_random_upstream_gradient(rng):
    A_prev = rng.standard_normal((4, 6))
    W, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    g = rng.standard_normal((3, 6))  # random upstream dA
    for activation, method in (("relu", "relu"), ("sigmoid", "sigmoid")):
        A, cache = deep.linear_activation_forward(A_prev, W, b, activation)
        dA_prev, dW, db = deep.linear_activation_backward(g, cache, activation)
        tA, tW, tb = (Tensor(v, requires_grad=True) for v in (A_prev, W, b))
        out = getattr(tW @ tA + tb, method)()
        np.testing.assert_allclose(out.data, A, rtol=1e-14)
        out.backward(g)
        m = A_prev.shape[1]  # the course's dW, db carry 1/m; dA_prev does not
        np.testing.assert_allclose(dA_prev, tA.grad, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dW, tW.grad / m, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, tb.grad / m, rtol=1e-10, atol=1e-12)


def test_errors_and_skip_of_dA0(rng):
    with pytest.raises(ValueError, match="activation must be 'relu' or 'sigmoid'"):
        deep.linear_activation_forward(np.zeros((2, 3)), np.zeros((1, 2)), np.zeros((1, 1)), "tanh")
    with pytest.raises(ValueError, match=r"needs A of shape \(2, m\)"):
        deep.linear_forward(np.zeros((3, 3)), np.zeros((1, 2)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="at least two positive sizes"):
        deep.initialize_parameters_deep([5])
    params = deep.initialize_parameters_deep([3, 2, 1])
    AL, caches = deep.l_model_forward(rng.standard_normal((3, 4)), params)
    grads = deep.l_model_backward(AL, np.ones((1, 4)), caches, need_dA0=False)
    assert "dA0" not in grads and "dW1" in grads
    with pytest.raises(ValueError, match=r"l_model_backward: expected Y with one label per column "
                                         r"of AL \(1, 4\), got shape \(1, 3\)"):
        deep.l_model_backward(AL, np.ones((1, 3)), caches)
    with pytest.raises(ValueError, match=r"deep model: .*got X \(4, 3\) and Y \(1, 4\); X seems "
                                         r"to hold the samples as rows; pass X.T"):
        deep.l_layer_model(np.zeros((4, 3)), np.ones((1, 4)), [3, 2, 1], num_iterations=1)
