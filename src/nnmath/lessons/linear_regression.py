# nnmath lesson
# order: 3
# summary: diabetes feature 2: w, b, MSE, R2 (normal equation and gradient descent); 2-D plane
# headline: w = {w:.2f}, b = {b:.2f}, test MSE {test_mse:.2f}, R² {r2:.2f}

# %% [markdown]
# # Linear regression: a line, then a plane
#
# The scikit-learn diabetes example fits $\hat y = w x + b$ to feature 2 (body-mass index)
# with the last 20 patients held out, and publishes $w = 938.24$, $b = 152.92$, test MSE
# 2548.07 and $R^2 = 0.47$. The normal equation solves for the best line in one step:
#
# $$\begin{bmatrix} w \\ b \end{bmatrix} = (A^T A)^{-1} A^T y, \qquad A = [X, \mathbf{1}]$$
#
# $$\text{MSE} = \frac{1}{m} \sum_i (y_i - \hat y_i)^2, \qquad
# R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}$$

# %%
from nnmath import lessons, plots
from nnmath.classic import linear
from nnmath.datasets import load_diabetes

X, y = load_diabetes()
x = X[:, 2:3]
x_train, x_test, y_train, y_test = x[:-20], x[-20:], y[:-20], y[-20:]
w, b = linear.fit_normal_equation(x_train, y_train)
pred = linear.predict(x_test, w, b)
mse, r2 = linear.mean_squared_error(y_test, pred), linear.r2_score(y_test, pred)
print(f"diabetes: X {X.shape}, feature 2 (bmi), train {len(y_train)}, test {len(y_test)}")
print(f"normal equation : w = {w[0]:.8f}  b = {b:.8f}")
print(f"test MSE = {mse:.2f}   R2 = {r2:.2f}   (published: 938.24, 152.92, 2548.07, 0.47)")
# Figure: The diabetes patients' disease progression against their body-mass index, with the
#   fitted line w x + b; training patients and the 20 held-out test patients.
fig = plots.plot_regression_line(x_train, y_train, float(w[0]), b, x_test, y_test,
                                 title="diabetes: feature 2 (bmi) against progression")

# %% [markdown]
# ## The same line by gradient descent
#
# Gradient descent lowers the cost step by step instead:
#
# $$J(w, b) = \frac{1}{2m} \sum_i (\hat y_i - y_i)^2, \quad
# \frac{\partial J}{\partial w} = \frac{1}{m} X^T (\hat y - y), \quad
# \frac{\partial J}{\partial b} = \frac{1}{m} \sum_i (\hat y_i - y_i)$$
#
# On the standardized feature $(x - \mu)/\sigma$ a large learning rate works; the fitted
# $w', b'$ map back to the original units as $w = w'/\sigma$, $b = b' - w' \mu / \sigma$.

# %%
mu, sd = x_train.mean(), x_train.std()
ws, bs, costs = linear.fit_gradient_descent((x_train - mu) / sd, y_train, 0.5, 100)
w_gd, b_gd = ws[0] / sd, bs - ws[0] * mu / sd
print(f"gradient descent on the standardized feature, learning rate 0.5, 100 iterations:\n"
      f"  cost {costs[0]:.2f} -> {costs[-1]:.4f};  mapped back: w = {w_gd:.6f}  "
      f"b = {b_gd:.6f}  (|dw| = {abs(w_gd - w[0]):.1e})")
# Figure: The cost J falling over 100 gradient-descent iterations on the standardized body-mass
#   index, levelling off at the normal equation's minimum.
fig = plots.plot_costs(costs, title="Gradient descent cost J (standardized bmi)")

# %% [markdown]
# ## Two features: a plane
#
# With two features (bmi and s5) the model $\hat y = w_1 x_1 + w_2 x_2 + b$ is a plane.

# %%
X2 = X[:, [2, 8]]
w2, b2 = linear.fit_normal_equation(X2[:-20], y_train)
pred2 = linear.predict(X2[-20:], w2, b2)
mse2, r22 = linear.mean_squared_error(y_test, pred2), linear.r2_score(y_test, pred2)
print(f"two features (bmi, s5): w = [{w2[0]:.2f}, {w2[1]:.2f}]  b = {b2:.2f}  "
      f"test MSE = {mse2:.2f}  R2 = {r22:.2f}")
# Figure: The fitted plane over body-mass index and s5 in 3-D, with the training patients as
#   points above and below it.
plots.plot_regression_plane(X2[:-20], y_train, w2, b2, labels=("bmi", "s5"))
lessons.record(w=float(w[0]), b=b, test_mse=mse, r2=r2, gd_learning_rate=0.5,
               gd_iterations=100, gd_w=w_gd, gd_b=b_gd, gd_cost_last=costs[-1],
               plane_w=w2, plane_b=b2, plane_test_mse=mse2, plane_r2=r22)
