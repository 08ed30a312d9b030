# nnmath lesson
# order: 10
# summary: one hidden tanh layer vs logistic regression on the flower data; hidden-size sweep
# headline: one hidden layer of 4 units: {accuracy_nh4:.2%} (published 90 %);
# headline: logistic regression: {logistic_accuracy:.0%}

# %% [markdown]
# # A shallow neural network: the planar flower
#
# The flower data (400 points, two classes in interleaved petals) is not linearly separable:
# logistic regression draws one straight line and gets about half right. A network with one
# hidden layer of 4 tanh units bends the boundary around the petals:
#
# $$Z^{[1]} = W^{[1]} X + b^{[1]}, \quad A^{[1]} = \tanh(Z^{[1]}), \quad
# Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]}, \quad A^{[2]} = \sigma(Z^{[2]})$$
#
# $$J = -\frac{1}{m} \sum_{i=1}^{m} \left[ y^{(i)} \log a^{[2](i)} + (1 - y^{(i)})
# \log(1 - a^{[2](i)}) \right]$$
#
# Backward, with $*$ the element-wise product:
#
# $$dZ^{[2]} = A^{[2]} - Y, \quad dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}, \quad
# dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - (A^{[1]})^2), \quad dW^{[1]} = \frac{1}{m} dZ^{[1]} X^T$$

# %%
import numpy as np

from nnmath import lessons, plots
from nnmath.classic import logistic, shallow
from nnmath.datasets import make_planar_flower

FAST = lessons.fast_mode()
X, Y = make_planar_flower()
Y = Y.astype(np.float64)
print(f"flower: X {X.shape}, Y {Y.shape}, {int(Y.sum())} points of class 1")
lr_res = logistic.model(X, Y, X, Y, num_iterations=2000, learning_rate=0.1)
w, b = lr_res["w"], lr_res["b"]
logistic_accuracy = float(np.mean(logistic.predict(w, b, X) == Y))
print(f"logistic regression (2000 iterations, alpha 0.1): accuracy {logistic_accuracy:.2%} "
      "(a straight line)")

# %% [markdown]
# ## One hidden layer of 4 units
#
# The course's initialization (seeded), learning rate 1.2, 10 000 iterations; published:
# 90 %.

# %%
costs = []
params = shallow.nn_model(X, Y, 4, num_iterations=10000, print_cost=True, costs=costs)
accuracy = float(np.mean(shallow.predict(params, X) == Y))
print(f"one hidden layer, n_h = 4: accuracy {accuracy:.2%}  (published: 90 %)")
# Figure: The decision regions of logistic regression (one straight line through the flower)
#   and of the network with 4 hidden units (curved regions around the petals), with the 400
#   points coloured by class.
fig = plots.plot_decision_boundary(
    {f"logistic regression ({logistic_accuracy:.0%})": lambda P: logistic.predict(w, b, P.T)[0],
     f"hidden layer n_h = 4 ({accuracy:.1%})": lambda P: shallow.predict(params, P.T)[0]},
    X.T, Y[0])

# %% [markdown]
# ## How many hidden units?
#
# Too few units underfit; many units fit the noise a little more (5000 iterations each).

# %%
sizes = (1, 4, 20) if FAST else (1, 2, 3, 4, 5, 20, 50)
sweep, panels = {}, {}
for n_h in sizes:
    p = shallow.nn_model(X, Y, n_h, num_iterations=5000)
    sweep[str(n_h)] = float(np.mean(shallow.predict(p, X) == Y))
    print(f"  n_h = {n_h:2d}: accuracy {sweep[str(n_h)]:.2%}")
    panels[f"n_h = {n_h} ({sweep[str(n_h)]:.2%})"] = lambda P, p=p: shallow.predict(p, P.T)[0]
# Figure: Decision regions for each hidden-layer size, titled with its training accuracy: one
#   unit draws a single line, a few units carve out the petals, many units add small islands.
plots.plot_decision_boundary(panels, X.T, Y[0], resolution=120)
lessons.record(logistic_accuracy=logistic_accuracy, accuracy_nh4=accuracy,
               costs_every_1000=costs, hidden_size_sweep=sweep)
