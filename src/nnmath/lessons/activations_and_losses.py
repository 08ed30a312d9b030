"""Lesson: activations (relu, sigmoid, tanh, softmax) and their derivatives; the basic losses."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import nnmath as nm
from nnmath import functional as F  # noqa: N812
from nnmath.classic import basics

if TYPE_CHECKING:
    from . import Context

TITLE = "Activation functions and loss functions"
SUMMARY = "relu, sigmoid, tanh, softmax and their derivatives; L1 vs L2 loss; cross-entropy"
EXPLANATION = (
    "An activation g bends the linear output z = w^T x + b. Backpropagation needs g'(z): the "
    "closed forms below (nnmath.classic.basics) are compared with the derivative nnmath's "
    "autodiff computes from the same function. Losses measure the error: the absolute (L1) "
    "loss grows linearly with the error, the squared (L2) loss quadratically, so one outlier "
    "dominates L2; binary cross-entropy punishes confident wrong probabilities without bound."
)
FORMULAS = [
    "relu(z) = max(0, z),  relu'(z) = 1 if z > 0 else 0",
    "sigmoid(z) = 1 / (1 + e^-z),  sigmoid'(z) = s(z) (1 - s(z))",
    "tanh'(z) = 1 - tanh(z)^2",
    "softmax(z)_i = s_i = e^{z_i} / sum_j e^{z_j},  ds_i/dz_j = s_i (delta_ij - s_j)",
    "L1(yhat, y) = sum |y - yhat|;  L2(yhat, y) = sum (y - yhat)^2",
    "BCE(p, y) = -[y log p + (1 - y) log(1 - p)]",
]
LONG = False


def _autodiff_derivative(fn, z: np.ndarray) -> np.ndarray:
    t = nm.Tensor(z.copy(), requires_grad=True)
    fn(t).sum().backward()
    return np.asarray(t.grad)


def run(ctx: Context) -> None:
    from nnmath import plots

    z = np.linspace(-5, 5, 401)
    pairs = {
        "relu": (basics.relu, basics.relu_derivative, F.relu),
        "sigmoid": (basics.sigmoid, basics.sigmoid_derivative, F.sigmoid),
        "tanh": (np.tanh, basics.tanh_derivative, F.tanh),
    }
    gaps = {}
    zz = z[np.abs(z) > 1e-9]  # relu' is undefined at exactly 0
    for name, (_, dg, fn) in pairs.items():
        gaps[name] = float(np.max(np.abs(dg(zz) - _autodiff_derivative(fn, zz))))
        print(f"{name:8s}: max |closed-form g'(z) - autodiff g'(z)| over 400 points = "
              f"{gaps[name]:.2e}")
    print(f"sigmoid(0) = {basics.sigmoid(0.0):.4f}, sigmoid'(0) = {basics.sigmoid_derivative(0.0)}"
          f", tanh'(0) = {basics.tanh_derivative(0.0)}, max sigmoid' = 0.25 (why deep sigmoid "
          "nets learn slowly)")
    logits = np.array([[3.0, 1.0, 0.2], [9.0, 2.0, 5.0]])
    sm = basics.softmax(logits)
    print("\nsoftmax([3, 1, 0.2]) =", np.round(sm[0], 4), " row sums", sm.sum(1))
    jac = np.diag(sm[0]) - np.outer(sm[0], sm[0])  # ds_i/dz_j = s_i (delta_ij - s_j)
    jac_autodiff = np.stack([_autodiff_derivative(lambda t, k=k: F.softmax(t, axis=-1)[k],
                                                  logits[0]) for k in range(3)])
    gaps["softmax"] = float(np.max(np.abs(jac - jac_autodiff)))
    print("its Jacobian diag(s) - s s^T (rows i, columns j):\n", np.round(jac, 4),
          f"\n  max |closed form - autodiff| = {gaps['softmax']:.2e}; rows and columns sum to 0 "
          "(the probabilities always sum to 1)")

    def soft1(v: np.ndarray) -> np.ndarray:  # s_1 of softmax((v, 0, 0))
        return np.exp(v) / (np.exp(v) + 2.0)

    curves = {n: (g, dg) for n, (g, dg, _) in pairs.items()}
    curves["softmax(z, 0, 0)_1"] = (soft1, lambda v: soft1(v) * (1 - soft1(v)))
    plots.plot_activations(curves, path=ctx.figure("activations"))

    yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    l1, l2 = basics.l1_loss(yhat, y), basics.l2_loss(yhat, y)
    print(f"\nyhat = {yhat}, y = {y}:  L1 = {l1:.2f}  L2 = {l2:.2f}  (the course's 1.1 and 0.43)")
    p = nm.Tensor(np.array([0.9, 0.6, 0.1, 0.01]), requires_grad=True)
    t = np.array([1.0, 1.0, 1.0, 1.0])
    bce = -(t * p.log() + (1.0 - t) * (1.0 - p).log())
    bce.sum().backward()
    print("BCE for y = 1 and p = 0.9, 0.6, 0.1, 0.01:", np.round(bce.numpy(), 4),
          "\n  dBCE/dp = -1/p:", np.round(p.grad, 2))
    e = np.linspace(-3, 3, 201)
    pp = np.linspace(0.005, 0.995, 199)
    plt = plots.pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    axes[0].plot(e, np.abs(e), label="absolute |e|")
    axes[0].plot(e, e**2, label="squared e^2")
    axes[0].set_xlabel("error e = y - yhat")
    axes[0].legend()
    axes[0].set_title("L1 against L2")
    axes[1].plot(pp, -np.log(pp), label="y = 1: -log p")
    axes[1].plot(pp, -np.log(1 - pp), label="y = 0: -log(1 - p)")
    axes[1].set_xlabel("predicted probability p")
    axes[1].legend()
    axes[1].set_title("Binary cross-entropy")
    plots.save(fig, ctx.figure("losses"))
    ctx.record(autodiff_gap=gaps, softmax_row0=sm[0], softmax_jacobian=jac, l1=l1, l2=l2,
               bce=bce.numpy(),
               dbce_dp=np.asarray(p.grad))
