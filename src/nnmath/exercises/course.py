"""The course's helper functions under the course's names, for skeletons to import.

A skeleton of ``L_model_forward`` may call ``linear_activation_forward`` before the learner
has written it: these are the reference versions (``nnmath.classic``). A learner's own
definition later in the file takes their place.
"""

from __future__ import annotations

from ..classic.basics import relu, sigmoid, softmax
from ..classic.conv import conv_single_step, create_mask_from_window, distribute_value, zero_pad
from ..classic.deep import l_model_backward as L_model_backward  # noqa: N812 - course name
from ..classic.deep import l_model_forward as L_model_forward  # noqa: N812 - course name
from ..classic.deep import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    relu_backward,
    sigmoid_backward,
)
from ..classic.logistic import initialize_with_zeros, propagate

__all__ = [
    "L_model_backward", "L_model_forward", "conv_single_step", "create_mask_from_window",
    "distribute_value", "initialize_with_zeros", "linear_activation_backward",
    "linear_activation_forward", "linear_backward", "linear_forward", "propagate", "relu",
    "relu_backward", "sigmoid", "sigmoid_backward", "softmax", "zero_pad",
]
