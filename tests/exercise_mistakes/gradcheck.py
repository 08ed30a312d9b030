# ruff: noqa  (deliberately wrong learner code, written the way learners write it)
"""Wrong versions of gradient_check (the course's given 1-D functions included)."""


def forward_propagation(x, theta):
    return theta * x


def backward_propagation(x, theta):
    return x


def gradient_check__values(x, theta, epsilon=1e-7):
    gradapprox = (forward_propagation(x, theta + epsilon)
                  - forward_propagation(x, theta - epsilon)) / epsilon  # 2 epsilon
    grad = backward_propagation(x, theta)
    return abs(grad - gradapprox) / (abs(grad) + abs(gradapprox))


def gradient_check__none(x, theta, epsilon=1e-7):
    gradapprox = (forward_propagation(x, theta + epsilon)
                  - forward_propagation(x, theta - epsilon)) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    difference = abs(grad - gradapprox) / (abs(grad) + abs(gradapprox))  # noqa: F841
