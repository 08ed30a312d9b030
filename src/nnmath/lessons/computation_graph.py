"""Lesson: the computation graph J = 3(a + bc): forward values, backward derivatives, nudges."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

import nnmath as nm

if TYPE_CHECKING:
    from . import Context

TITLE = "The computation graph and backpropagation"
SUMMARY = "J = 3(a + bc): forward, backward, the nudge check; the single-neuron example"
EXPLANATION = (
    "The lecture's graph splits J = 3(a + bc) into u = bc, v = a + u, J = 3v. With a = 5, "
    "b = 3, c = 2 the forward pass gives u = 6, v = 11, J = 33. The backward pass applies the "
    "chain rule from J back to the inputs: dJ/dv = 3, dJ/da = dJ/du = 3, dJ/db = 3c = 6, "
    "dJ/dc = 3b = 9. The nudge check makes a derivative concrete: moving v from 11 to 11.001 "
    "moves J from 33 to 33.003 (three times as much), so dJ/dv = 3, exactly the lecture's "
    "numbers (with these inputs v = 11, so the nudge starts at 11). nnmath's autodiff computes "
    "the same numbers. Then the single sigmoid neuron of the CS231n backpropagation notes: "
    "forward and backward by hand (nnmath.classic.logistic.single_neuron), checked against "
    "autodiff."
)
FORMULAS = [
    "u = b c;  v = a + u;  J = 3 v",
    "dJ/dv = 3;  dJ/da = dJ/dv dv/da = 3;  dJ/du = 3",
    "dJ/db = dJ/du du/db = 3 c = 6;  dJ/dc = dJ/du du/dc = 3 b = 9",
    "nudge: (J(v + h) - J(v)) / h = (33.003 - 33) / 0.001 = 3",
    "neuron: z = w0 x0 + w1 x1 + w2;  a = sigmoid(z);  da/dz = a (1 - a);  dw = da/dz [x, 1]",
]
LONG = False


def run(ctx: Context) -> None:
    from nnmath.classic.logistic import single_neuron

    f64 = np.float64
    a, b, c = (nm.Tensor(np.array(v, dtype=f64), requires_grad=True) for v in (5.0, 3.0, 2.0))
    u = (b * c).retain_grad()
    v = (a + u).retain_grad()
    J = 3.0 * v
    J.backward()
    vals = {"u": u.item(), "v": v.item(), "J": J.item()}
    grads = {"dJ/dv": float(v.grad), "dJ/du": float(u.grad), "dJ/da": float(a.grad),
             "dJ/db": float(b.grad), "dJ/dc": float(c.grad)}
    print("forward : a = 5, b = 3, c = 2 -> u = bc = {u:g}, v = a + u = {v:g}, J = 3v = {J:g}"
          .format(**vals))
    print("backward (autodiff): " + ", ".join(f"{k} = {g:g}" for k, g in grads.items()))

    def J_of(a_=5.0, b_=3.0, c_=2.0, v_=None):
        vv = a_ + b_ * c_ if v_ is None else v_
        return 3.0 * vv

    h = 0.001
    nudges = {
        "v": (11.0, 11.0 + h, J_of(v_=11.0 + h)),
        "a": (5.0, 5.0 + h, J_of(a_=5.0 + h)),
        "b": (3.0, 3.0 + h, J_of(b_=3.0 + h)),
        "c": (2.0, 2.0 + h, J_of(c_=2.0 + h)),
    }
    print("\nnudge check (h = 0.001):")
    slopes = {}
    for name, (x0, x1, j1) in nudges.items():
        slopes[name] = (j1 - 33.0) / h
        print(f"  {name}: {x0:g} -> {x1:.3f} moves J from 33 to {j1:.3f}: "
              f"(J' - J) / h = {slopes[name]:.3f}")
    from nnmath.graph import build_graph

    graph = build_graph("3*(a+b*c)", {"a": 5.0, "b": 3.0, "c": 2.0})
    print("\nnnmath.graph, node by node:\n" + graph.table())
    graph.save(ctx.figure("graph"))
    graph_grads = {k: float(v) for k, v in graph.grads.items()}

    r = single_neuron(w=[2.0, -3.0, -3.0], x=[-1.0, -2.0], y=1.0)
    print(f"\nsingle neuron, w = [2, -3, -3] (last = bias), x = [-1, -2]:\n"
          f"  z = {r['z']:g}, a = sigmoid(z) = {r['a']:.4f}, da/dz = a(1 - a) = {r['da_dz']:.4f}")
    print(f"  da/dx = {np.round(r['dx_a'], 3)}, da/dw = {np.round(r['dw_a'], 3)}")
    print(f"  with y = 1: cost = {r['cost']:.4f}, dz = a - y = {r['dz']:.4f}, "
          f"dw = {np.round(r['dw'], 4)}, dx = {np.round(r['dx'], 4)}")
    w = nm.Tensor(np.array([2.0, -3.0, -3.0]), requires_grad=True)
    x = nm.Tensor(np.array([-1.0, -2.0]), requires_grad=True)
    a_out = (w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid()
    a_out.backward()
    gap = max(np.max(np.abs(w.grad - r["dw_a"])), np.max(np.abs(x.grad - r["dx_a"])))
    print(f"  autodiff of a: dw = {np.round(w.grad, 3)}, dx = {np.round(x.grad, 3)} "
          f"(max difference from the hand-derived {gap:.1e})")
    ctx.record(forward=vals, backward=grads, graph_grads=graph_grads, nudge_slopes=slopes,
               nudge_v=[11.0, 11.001],
               nudge_J=[33.0, nudges["v"][2]], neuron_z=r["z"], neuron_a=r["a"],
               neuron_dw_a=r["dw_a"], neuron_dx_a=r["dx_a"], neuron_cost=r["cost"],
               neuron_dw=r["dw"], neuron_autodiff_gap=float(gap))
