# nnmath lesson
# order: 7
# summary: J = 3(a + bc): forward, backward, the nudge check; the single-neuron example
# headline: J = {forward[J]:g}; dJ/da = {backward[dJ/da]:g}, dJ/db = {backward[dJ/db]:g},
# headline: dJ/dc = {backward[dJ/dc]:g}

# %% [markdown]
# # The computation graph and backpropagation
#
# The lecture's graph splits $J = 3(a + bc)$ into three steps,
#
# $$u = bc, \qquad v = a + u, \qquad J = 3v.$$
#
# With $a = 5$, $b = 3$, $c = 2$ the forward pass gives $u = 6$, $v = 11$, $J = 33$. The
# backward pass applies the chain rule from $J$ back to the inputs:
#
# $$\frac{\partial J}{\partial v} = 3, \qquad
# \frac{\partial J}{\partial a} = \frac{\partial J}{\partial v}\frac{\partial v}{\partial a} = 3,
# \qquad \frac{\partial J}{\partial u} = 3$$
#
# $$\frac{\partial J}{\partial b} = \frac{\partial J}{\partial u}\frac{\partial u}{\partial b}
# = 3c = 6, \qquad
# \frac{\partial J}{\partial c} = \frac{\partial J}{\partial u}\frac{\partial u}{\partial c}
# = 3b = 9$$
#
# nnmath's autodiff computes the same numbers (`retain_grad()` keeps the intermediate ones).

# %%
import numpy as np

import nnmath as nm
from nnmath import lessons
from nnmath.classic.logistic import single_neuron
from nnmath.graph import build_graph

a, b, c = (nm.Tensor(np.float64(x), requires_grad=True) for x in (5.0, 3.0, 2.0))
u = (b * c).retain_grad()
v = (a + u).retain_grad()
J = 3.0 * v
J.backward()
forward = {"u": u.item(), "v": v.item(), "J": J.item()}
backward = {"dJ/dv": float(v.grad), "dJ/du": float(u.grad), "dJ/da": float(a.grad),
            "dJ/db": float(b.grad), "dJ/dc": float(c.grad)}
print("forward : a = 5, b = 3, c = 2 -> u = bc = {u:g}, v = a + u = {v:g}, J = 3v = {J:g}"
      .format(**forward))
print("backward (autodiff): " + ", ".join(f"{k} = {g:g}" for k, g in backward.items()))

# %% [markdown]
# ## The nudge check
#
# A derivative is how much the output moves per unit nudge of an input. Moving $v$ from
# 11 to 11.001 moves $J$ from 33 to 33.003, three times as much:
#
# $$\frac{J(v + h) - J(v)}{h} = \frac{33.003 - 33}{0.001} = 3 = \frac{\partial J}{\partial v}$$

# %%
def J_of(a=5.0, b=3.0, c=2.0, v=None):
    return 3.0 * (a + b * c if v is None else v)


h = 0.001
nudged = {"v": (11.0, J_of(v=11.0 + h)), "a": (5.0, J_of(a=5.0 + h)),
          "b": (3.0, J_of(b=3.0 + h)), "c": (2.0, J_of(c=2.0 + h))}
slopes = {}
print("nudge check (h = 0.001):")
for name, (x0, j1) in nudged.items():
    slopes[name] = (j1 - 33.0) / h
    print(f"  {name}: {x0:g} -> {x0 + h:.3f} moves J from 33 to {j1:.3f}: "
          f"(J' - J) / h = {slopes[name]:.3f}")

# %% [markdown]
# ## The same graph, node by node
#
# `nnmath.graph.build_graph` parses the expression, runs both passes and draws the graph.

# %%
graph = build_graph("3*(a+b*c)", {"a": 5.0, "b": 3.0, "c": 2.0})
print(graph.table())
# Figure: The computation graph of J = 3(a + bc): inputs a, b, c on the left, then u = bc,
#   v = a + u and J = 3v, each node with its forward value (blue) and dJ/d(node) (red), each
#   arrow with its local derivative.
fig = graph.plot()

# %% [markdown]
# ## A single sigmoid neuron
#
# The neuron of the CS231n backpropagation notes, with the bias as the last weight:
#
# $$z = w_0 x_0 + w_1 x_1 + w_2, \qquad a = \sigma(z), \qquad
# \frac{da}{dz} = a (1 - a), \qquad \frac{\partial a}{\partial w} = \frac{da}{dz} [x_0, x_1, 1]$$
#
# By hand (`nnmath.classic.logistic.single_neuron`), then by autodiff.

# %%
r = single_neuron(w=[2.0, -3.0, -3.0], x=[-1.0, -2.0], y=1.0)
print(f"single neuron, w = [2, -3, -3] (last = bias), x = [-1, -2]:\n"
      f"  z = {r['z']:g}, a = sigmoid(z) = {r['a']:.4f}, da/dz = a(1 - a) = {r['da_dz']:.4f}")
print(f"  da/dx = {np.round(r['dx_a'], 3)}, da/dw = {np.round(r['dw_a'], 3)}")
print(f"  with y = 1: cost = {r['cost']:.4f}, dz = a - y = {r['dz']:.4f}, "
      f"dw = {np.round(r['dw'], 4)}, dx = {np.round(r['dx'], 4)}")
w = nm.Tensor(np.array([2.0, -3.0, -3.0]), requires_grad=True)
x = nm.Tensor(np.array([-1.0, -2.0]), requires_grad=True)
(w[0] * x[0] + w[1] * x[1] + w[2]).sigmoid().backward()
gap = max(np.max(np.abs(w.grad - r["dw_a"])), np.max(np.abs(x.grad - r["dx_a"])))
print(f"  autodiff of a: dw = {np.round(w.grad, 3)}, dx = {np.round(x.grad, 3)} "
      f"(max difference from the hand-derived {gap:.1e})")
lessons.record(forward=forward, backward=backward,
               graph_grads={k: float(g) for k, g in graph.grads.items()},
               nudge_slopes=slopes, nudge_v=[11.0, 11.001], nudge_J=[33.0, nudged["v"][1]],
               neuron_z=r["z"], neuron_a=r["a"], neuron_dw_a=r["dw_a"], neuron_dx_a=r["dx_a"],
               neuron_cost=r["cost"], neuron_dw=r["dw"], neuron_autodiff_gap=float(gap))
