# nnmath lesson
# order: 6
# summary: cat vs non-cat with logistic regression: cost curve, 99.04 % / 70 %, learning rates
# headline: train accuracy {train_accuracy:.2%}, test accuracy {test_accuracy:.0%}
# headline: (published: 99.04 % / 70 %)

# %% [markdown]
# # Logistic regression: the cat classifier
#
# Each $64 \times 64 \times 3$ picture is flattened to a column of 12288 numbers and divided
# by 255, so the 209 training pictures form $X$ of shape $(12288, 209)$. A single sigmoid
# unit, initialized at zero, is trained by batch gradient descent:
#
# $$A = \sigma(w^T X + b), \qquad
# J = -\frac{1}{m} \sum_{i=1}^{m} \left[ y^{(i)} \log a^{(i)}
# + (1 - y^{(i)}) \log(1 - a^{(i)}) \right]$$
#
# $$\frac{\partial J}{\partial w} = \frac{1}{m} X (A - Y)^T, \qquad
# \frac{\partial J}{\partial b} = \frac{1}{m} \sum_{i=1}^{m} (a^{(i)} - y^{(i)})$$
#
# $$w := w - \alpha \frac{\partial J}{\partial w}, \qquad
# b := b - \alpha \frac{\partial J}{\partial b},
# \qquad \hat y = 1 \text{ when } a > 0.5$$

# %%
import numpy as np

from nnmath import lessons, plots
from nnmath.classic import logistic
from nnmath.classic.basics import sigmoid
from nnmath.datasets import load_cat_vs_noncat

FAST = lessons.fast_mode()
(train_images, train_labels), (test_images, test_labels), classes = load_cat_vs_noncat()
train_x = train_images.reshape(len(train_images), -1).T / 255.0   # (12288, 209)
test_x = test_images.reshape(len(test_images), -1).T / 255.0      # (12288, 50)
train_y = train_labels.reshape(1, -1).astype(np.float64)          # (1, 209)
test_y = test_labels.reshape(1, -1).astype(np.float64)
print(f"train X {train_x.shape}, test X {test_x.shape} (flattened, / 255)")

# %% [markdown]
# ## 2000 iterations with learning rate 0.005
#
# The course publishes 99.04 % train and 70 % test accuracy: the model memorizes the
# training set.

# %%
res = logistic.model(train_x, train_y, test_x, test_y, num_iterations=2000,
                     learning_rate=0.005, print_cost=True)
costs = [float(c) for c in res["costs"]]
train_accuracy = float(np.mean(res["Y_prediction_train"] == train_y))
test_accuracy = float(np.mean(res["Y_prediction_test"] == test_y))
print(f"train accuracy {train_accuracy:.2%}, test accuracy {test_accuracy:.2%}")
# Figure: The cost J every 100 iterations of gradient descent with learning rate 0.005: it
#   falls from 0.693 (a coin toss) to 0.14.
plots.plot_costs(costs, every=100, title="Cat logistic regression, learning rate 0.005")

wrong = np.flatnonzero(res["Y_prediction_test"][0] != test_y[0])
print(f"{len(wrong)} of {test_y.shape[1]} test pictures misclassified")
# Figure: The test pictures the classifier gets wrong, each titled with its true class and
#   the class the model said.
fig = plots.plot_image_grid(test_images[wrong], titles=[
    f"true {classes[int(test_y[0, i])]}, said {classes[int(res['Y_prediction_test'][0, i])]}"
    for i in wrong], ncols=5, title="Misclassified test pictures")

# %% [markdown]
# ## Learning rates
#
# Three learning rates trained at once: the weights of the three models are the columns of
# one matrix $W$ of shape $(12288, 3)$, so each step is two matrix products for all three
# (the data is kept as $X^T$, one picture per row, where both products are fast).

# %%
rates = np.array([0.01, 0.001, 0.0001])
iterations = 500 if FAST else 1500
XT = np.ascontiguousarray(train_x.T)                      # (m, n_x)
m, K = XT.shape[0], len(rates)
W, b = np.zeros((XT.shape[1], K)), np.zeros((K, 1))
rate_costs = []
for i in range(iterations):
    A = sigmoid((XT @ W).T + b)                            # (K, m): one row per model
    if i % 100 == 0:
        rate_costs.append(-(np.log(A) @ train_y.T + np.log(1 - A) @ (1 - train_y).T).ravel() / m)
    dZ = A - train_y
    W -= rates * (dZ @ XT).T / m                           # (n_x, K)
    b -= rates[:, None] * dZ.sum(axis=1, keepdims=True) / m
rate_costs = np.array(rate_costs)
comparison = {}
for k, lr in enumerate(rates):
    acc_train = 1 - float(np.mean(np.abs((sigmoid(W.T @ train_x + b)[k] > 0.5) - train_y[0])))
    acc_test = 1 - float(np.mean(np.abs((sigmoid(W.T @ test_x + b)[k] > 0.5) - test_y[0])))
    comparison[str(lr)] = [acc_train, acc_test]
    print(f"  alpha = {lr:<7}: train {acc_train:.2%}  test {acc_test:.2%}  "
          f"final cost {rate_costs[-1, k]:.4f}")
# Figure: The cost every 100 iterations for learning rates 0.01, 0.001 and 0.0001: the
#   largest falls fastest, the smallest has barely started.
plots.plot_costs({f"alpha={lr}": rate_costs[:, k] for k, lr in enumerate(rates)}, every=100,
                 title="Learning rates")
lessons.record(cost_0=costs[0], cost_1900=costs[19], costs=costs,
               train_accuracy=train_accuracy, test_accuracy=test_accuracy,
               misclassified=len(wrong), learning_rate_comparison=comparison,
               learning_rate_iterations=iterations)
