# nnmath lesson
# order: 11
# summary: 2-layer (12288, 7, 1) and 4-layer [12288, 20, 7, 5, 1] cat nets; train vs test
# headline: 2-layer: train {two_layer_train:.0%} / test {two_layer_test:.0%};
# headline: 4-layer: train {four_layer_train:.2%} / test {four_layer_test:.0%}

# %% [markdown]
# # Deep networks: the 2-layer and 4-layer cat classifiers
#
# The same cat pictures, now with hidden ReLU layers (`nnmath.classic.deep`, the course's
# initializations with seed 1, learning rate 0.0075). For $l = 1, \dots, L$:
#
# $$A^{[0]} = X, \quad Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}, \quad
# A^{[l]} = \text{relu}(Z^{[l]}) \ (l < L), \quad A^{[L]} = \sigma(Z^{[L]})$$
#
# $$dZ^{[L]} = A^{[L]} - Y, \quad dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}, \quad
# db^{[l]} = \frac{1}{m} \sum_{i} dZ^{[l](i)}$$
#
# $$dA^{[l-1]} = W^{[l]T} dZ^{[l]}, \quad dZ^{[l]} = dA^{[l]} * \text{relu}'(Z^{[l]}), \quad
# W^{[l]} := W^{[l]} - \alpha\, dW^{[l]}$$
#
# Published: the 2-layer net $(12288, 7, 1)$ reaches 100 % train / 72 % test after 3000
# iterations, the 4-layer net $[12288, 20, 7, 5, 1]$ 98.56 % / 80 % after 2500.

# %%
import numpy as np

from nnmath import lessons, plots
from nnmath.classic import deep
from nnmath.datasets import load_cat_vs_noncat

FAST = lessons.fast_mode()
(train_images, train_labels), (test_images, test_labels), classes = load_cat_vs_noncat()
train_x = train_images.reshape(len(train_images), -1).T / 255.0   # (12288, 209)
test_x = test_images.reshape(len(test_images), -1).T / 255.0      # (12288, 50)
train_y = train_labels.reshape(1, -1).astype(np.float64)
test_y = test_labels.reshape(1, -1).astype(np.float64)
learning_rate = 0.0075
iterations_2, iterations_4 = (100, 700) if FAST else (3000, 2500)


def train(params, iterations, label):
    """Gradient descent; cost, train and test accuracy every 100 iterations."""
    costs, steps, train_acc, test_acc = [], [], [], []
    for i in range(iterations + 1):
        AL, caches = deep.l_model_forward(train_x, params)
        if i % 100 == 0 or i == iterations:
            cost = deep.compute_cost(AL, train_y)
            steps.append(i)
            train_acc.append(float(np.mean((AL > 0.5) == train_y)))
            test_acc.append(float(np.mean(deep.predict(test_x, None, params) == test_y)))
            if i < iterations:
                costs.append(cost)
            if i % 500 == 0 or i == iterations:
                print(f"  [{label}] after {i:4d} steps: cost {cost:.6f}  "
                      f"train {train_acc[-1]:.4f}  test {test_acc[-1]:.4f}", flush=True)
        if i == iterations:
            return params, costs, steps, train_acc, test_acc
        grads = deep.l_model_backward(AL, train_y, caches, need_dA0=False)
        params = deep.update_parameters(params, grads, learning_rate)


# %% [markdown]
# ## Two layers, then four

# %%
print(f"2-layer (12288, 7, 1), {iterations_2} iterations, learning rate {learning_rate}:")
two = train(deep.initialize_parameters(12288, 7, 1, seed=1), iterations_2, "2-layer")
print(f"\n4-layer [12288, 20, 7, 5, 1], {iterations_4} iterations:")
four = train(deep.initialize_parameters_deep([12288, 20, 7, 5, 1], seed=1), iterations_4,
             "4-layer")
final = {}
for name, (params, *_rest) in (("2-layer", two), ("4-layer", four)):
    final[name] = (float(np.mean(deep.predict(train_x, None, params) == train_y)),
                   float(np.mean(deep.predict(test_x, None, params) == test_y)))
    print(f"{name}: train accuracy {final[name][0]:.4f}, test accuracy {final[name][1]:.4f}")
print("(published: 2-layer after 3000: 1.0 / 0.72; 4-layer after 2500: 0.9856 / 0.8)")
# Figure: The cost every 100 iterations of the 2-layer and the 4-layer network, learning
#   rate 0.0075.
fig = plots.plot_costs({"2-layer": two[1], "4-layer": four[1]}, every=100,
                       title=f"Cat networks, learning rate {learning_rate}")

# %% [markdown]
# ## Overfitting made visible
#
# Train and test accuracy every 100 iterations: the gap between the two curves is the
# network memorizing its 209 training pictures.

# %%
plt = plots.pyplot()
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, (name, (_, _, steps, tr, te)) in zip(axes, (("2-layer", two), ("4-layer", four)),
                                             strict=True):
    ax.plot(steps, tr, label="train")
    ax.plot(steps, te, label="test")
    ax.fill_between(steps, te, tr, alpha=0.15, where=np.array(tr) >= np.array(te),
                    interpolate=True, label="train - test gap (overfitting)")
    ax.set(title=f"{name}: accuracy during training", xlabel="iteration")
    ax.legend()
    ax.grid(alpha=0.3)
# Figure: Training and test accuracy during training for both networks; the shaded band
#   between them is the overfitting gap.
lessons.record(two_layer_iterations=iterations_2, two_layer_train=final["2-layer"][0],
               two_layer_test=final["2-layer"][1], two_layer_costs=two[1],
               four_layer_iterations=iterations_4, four_layer_train=final["4-layer"][0],
               four_layer_test=final["4-layer"][1], four_layer_costs=four[1])
