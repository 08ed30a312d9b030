# nnmath lesson
# order: 9
# summary: relu, sigmoid, tanh, softmax and their derivatives; L1 vs L2 loss; cross-entropy
# headline: L1 = {l1:.2f}, L2 = {l2:.2f} (the course's 1.1 and 0.43)

# %% [markdown]
# # Activation functions and loss functions
#
# An activation $g$ bends the linear output $z = w^T x + b$. Backpropagation needs $g'(z)$:
#
# $$\text{relu}(z) = \max(0, z), \qquad \text{relu}'(z) = \begin{cases} 1 & z > 0 \\
# 0 & z < 0 \end{cases}$$
#
# $$\sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,(1 - \sigma(z)), \qquad
# \tanh'(z) = 1 - \tanh^2(z)$$
#
# The closed forms (`nnmath.classic.basics`) are compared with the derivative nnmath's
# autodiff computes from the same function.

# %%
import numpy as np

import nnmath as nm
from nnmath import functional as F
from nnmath import lessons, plots
from nnmath.classic import basics


def autodiff_derivative(fn, z):
    t = nm.Tensor(z.copy(), requires_grad=True)
    fn(t).sum().backward()
    return np.asarray(t.grad)


z = np.linspace(-5, 5, 401)
z = z[np.abs(z) > 1e-9]  # relu' is undefined at exactly 0
pairs = {"relu": (basics.relu_derivative, F.relu),
         "sigmoid": (basics.sigmoid_derivative, F.sigmoid),
         "tanh": (basics.tanh_derivative, F.tanh)}
gaps = {}
for name, (closed_form, fn) in pairs.items():
    gaps[name] = float(np.max(np.abs(closed_form(z) - autodiff_derivative(fn, z))))
    print(f"{name:8s}: max |closed-form g'(z) - autodiff g'(z)| over 400 points = "
          f"{gaps[name]:.2e}")
print(f"sigmoid(0) = {basics.sigmoid(0.0):.4f}, sigmoid'(0) = {basics.sigmoid_derivative(0.0)}"
      f", tanh'(0) = {basics.tanh_derivative(0.0)}, max sigmoid' = 0.25 (why deep sigmoid "
      "nets learn slowly)")

# %% [markdown]
# ## Softmax and its Jacobian
#
# $$s_i = \operatorname{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}, \qquad
# \frac{\partial s_i}{\partial z_j} = s_i (\delta_{ij} - s_j)$$
#
# In matrix form the Jacobian is $\operatorname{diag}(s) - s s^T$. Its rows and columns sum
# to 0, because the probabilities always sum to 1.

# %%
logits = np.array([[3.0, 1.0, 0.2], [9.0, 2.0, 5.0]])
sm = basics.softmax(logits)
print("softmax([3, 1, 0.2]) =", np.round(sm[0], 4), " row sums", sm.sum(1))
jac = np.diag(sm[0]) - np.outer(sm[0], sm[0])
jac_autodiff = np.stack([autodiff_derivative(lambda t, k=k: F.softmax(t, axis=-1)[k], logits[0])
                         for k in range(3)])
gaps["softmax"] = float(np.max(np.abs(jac - jac_autodiff)))
print("its Jacobian diag(s) - s s^T (rows i, columns j):\n", np.round(jac, 4),
      f"\n  max |closed form - autodiff| = {gaps['softmax']:.2e}")


def s1(v):  # the first output of softmax((v, 0, 0)) as v varies
    return np.exp(v) / (np.exp(v) + 2.0)


# Figure: Each activation (solid) with its derivative (dashed) for z from -5 to 5: relu,
#   sigmoid, tanh, and the first softmax output s_1 when the logits are (z, 0, 0).
fig = plots.plot_activations({
    "relu": (basics.relu, basics.relu_derivative),
    "sigmoid": (basics.sigmoid, basics.sigmoid_derivative),
    "tanh": (np.tanh, basics.tanh_derivative),
    r"softmax $s_1$ of logits $(z, 0, 0)$": (s1, lambda v: s1(v) * (1 - s1(v))),
})

# %% [markdown]
# ## Losses
#
# The absolute (L1) loss grows linearly with the error, the squared (L2) loss quadratically,
# so one outlier dominates L2. Binary cross-entropy punishes confident wrong probabilities
# without bound:
#
# $$L_1(\hat y, y) = \sum_i |y_i - \hat y_i|, \qquad L_2(\hat y, y) = \sum_i (y_i - \hat y_i)^2,
# \qquad \text{BCE}(p, y) = -\left[y \log p + (1 - y) \log(1 - p)\right]$$

# %%
yhat = np.array([0.9, 0.2, 0.1, 0.4, 0.9])
y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
l1, l2 = basics.l1_loss(yhat, y), basics.l2_loss(yhat, y)
print(f"yhat = {yhat}, y = {y}:  L1 = {l1:.2f}  L2 = {l2:.2f}  (the course's 1.1 and 0.43)")
p = nm.Tensor(np.array([0.9, 0.6, 0.1, 0.01]), requires_grad=True)
t = np.ones(4)
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
axes[0].set(xlabel="error e = y - yhat", title="L1 against L2")
axes[0].legend()
axes[1].plot(pp, -np.log(pp), label="y = 1: -log p")
axes[1].plot(pp, -np.log(1 - pp), label="y = 0: -log(1 - p)")
axes[1].set(xlabel="predicted probability p", title="Binary cross-entropy")
axes[1].legend()
# Figure: Left: the absolute and the squared loss against the error. Right: binary
#   cross-entropy against the predicted probability, for a true label of 1 and of 0.
lessons.record(autodiff_gap=gaps, softmax_row0=sm[0], softmax_jacobian=jac, l1=l1, l2=l2,
               bce=bce.numpy(), dbce_dp=p.grad)
