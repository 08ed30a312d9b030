"""Fixed convolution kernels (Sobel, blur, sharpen, Laplacian, emboss, ...) and applying them.

A kernel ``K`` of shape ``(KH, KW)`` slides over a grey-scale image ``x`` (cross-correlation, as
every deep-learning library computes "convolution")::

    y[i, j] = sum_{u, v} K[u, v] * x[i*s + u - p, j*s + v - p]

Output size along each spatial axis: ``n_out = floor((n + 2p - f) / s) + 1``.

Example:
    >>> import numpy as np
    >>> from nnmath.kernels import get_kernel, apply_kernel
    >>> x = np.zeros((5, 5)); x[:, 2:] = 1.0          # a vertical edge
    >>> apply_kernel(x, "sobel-x")[1]                  # strong response at the edge
    array([4., 4., 0.])
"""

from __future__ import annotations

import os

import numpy as np

from .geometry import check_window_fits, output_length, pair

__all__ = [
    "KERNELS", "apply_kernel", "apply_kernels", "for_display", "get_kernel", "is_edge_detector",
    "list_kernels", "load_grey", "output_size", "receptive_field",
]

_F = np.float64

KERNELS: dict[str, np.ndarray] = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=_F),
    # Sobel x responds to vertical edges (intensity changing left -> right).
    "sobel-x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=_F),
    "sobel-y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=_F),
    "prewitt-x": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=_F),
    "prewitt-y": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], dtype=_F),
    "blur": np.full((3, 3), 1.0 / 9.0, dtype=_F),
    "gaussian": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=_F) / 16.0,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=_F),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=_F),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=_F),
    "outline": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=_F),
}


def list_kernels() -> list[str]:
    """Names of the fixed kernels, sorted."""
    return sorted(KERNELS)


def get_kernel(name: str) -> np.ndarray:
    """A copy of the named fixed kernel, float64 ``(3, 3)``.

    Raises:
        KeyError: unknown name (the message lists the known ones).
    """
    key = name.lower().replace("_", "-")
    if key not in KERNELS:
        raise KeyError(
            f"kernels: unknown kernel {name!r}; expected one of {', '.join(list_kernels())}"
        )
    return KERNELS[key].copy()


def _as_kernel(kernel: str | np.ndarray) -> np.ndarray:
    k = get_kernel(kernel) if isinstance(kernel, str) else np.asarray(kernel, dtype=_F)
    if k.ndim != 2:
        raise ValueError(f"kernels: expected a 2-D kernel (KH, KW), got shape {k.shape}")
    return k


def apply_kernels(
    image: np.ndarray, kernels: list[str | np.ndarray], stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Cross-correlate a grey-scale image with several kernels at once: one output channel each.

    ``y[i, j, k] = sum_{u,v} K_k[u, v] * x_pad[i*s + u, j*s + v]`` (vectorized: one view of all
    windows, one ``tensordot``; no Python loop over pixels).

    Args:
        image: ``(H, W)`` grey-scale (or ``(H, W, 1)``) array.
        kernels: names (see :func:`list_kernels`) or ``(KH, KW)`` arrays, all the same shape.
        stride: step ``s`` between windows.
        padding: zeros added on every side, ``p``.

    Returns:
        float64 array ``(H_out, W_out, K)`` with ``H_out = (H + 2p - KH) // s + 1``.

    Raises:
        ValueError: wrong image rank, mixed kernel shapes, or a kernel larger than the image.

    Example:
        >>> apply_kernels(np.eye(4), ["identity", "blur"]).shape
        (2, 2, 2)
    """
    x = np.asarray(image, dtype=_F)
    if x.ndim == 3 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != 2:
        raise ValueError(
            f"kernels.apply_kernels: expected a grey-scale image (H, W), got shape {x.shape}; "
            "convert to grey first (nnmath.images.to_grayscale or average the channels)"
        )
    ks = np.stack([_as_kernel(k) for k in kernels], axis=-1)  # (KH, KW, K)
    where = "kernels.apply_kernels"
    stride = pair(stride, "stride", where)[0]
    padding = pair(padding, "padding", where, minimum=0)[0]
    kh, kw = ks.shape[:2]
    check_window_fits(
        where, (kh, kw), x.shape, (padding,) * 4, name="kernel",
        shape=x.shape, what="image",
    )
    if padding:
        x = np.pad(x, padding)
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw))[::stride, ::stride]
    return np.tensordot(windows, ks, axes=([2, 3], [0, 1]))  # (H_out, W_out, K)


def apply_kernel(
    image: np.ndarray, kernel: str | np.ndarray, stride: int = 1, padding: int = 0
) -> np.ndarray:
    """Cross-correlate a grey-scale image with one kernel; ``(H_out, W_out)`` float64.

    See :func:`apply_kernels` for the formula and errors.

    Example:
        >>> apply_kernel(np.ones((5, 5)), "laplacian")
        array([[0., 0., 0.],
               [0., 0., 0.],
               [0., 0., 0.]])
    """
    return apply_kernels(image, [kernel], stride=stride, padding=padding)[..., 0]


def load_grey(path: str | os.PathLike[str]) -> np.ndarray:
    """A photo file as a grey-scale ``(H, W)`` float64 array in [0, 1] (luma of R, G, B).

    Raises:
        FileNotFoundError / ValueError: see :func:`nnmath.images.load_image`.
    """
    from nnmath import images

    return images.to_grayscale(images.load_image(path, mode="RGB"))[..., 0] / 255.0


def is_edge_detector(kernel: str | np.ndarray) -> bool:
    """True when the kernel's weights sum to 0 (Sobel, Prewitt, Laplacian, outline): it
    answers a flat region with 0 and an edge with a signed value."""
    return abs(float(_as_kernel(kernel).sum())) < 1e-9


def for_display(y: np.ndarray, magnitude: bool) -> np.ndarray:
    """A kernel's response mapped to [0, 1] for a picture.

    Args:
        y: the response (any shape).
        magnitude: show ``|y|`` divided by its 99th percentile (for edge detectors, whose
            signed answers centre on 0; the percentile keeps a few extreme pixels from leaving
            the rest black); otherwise clip ``y`` to [0, 1] (smoothing kernels keep the
            photo's range).

    Example:
        >>> for_display(np.array([[-2.0, 0.0, 1.0]]), magnitude=True).round(3).tolist()
        [[1.0, 0.0, 0.505]]
    """
    if magnitude:
        mag = np.abs(y)
        return np.clip(mag / max(float(np.percentile(mag, 99)), 1e-12), 0.0, 1.0)
    return np.clip(y, 0.0, 1.0)


def output_size(n: int, f: int, stride: int = 1, padding: int = 0) -> int:
    """Output length of a convolution: ``floor((n + 2p - f) / s) + 1``.

    Example:
        >>> output_size(6, 3), output_size(7, 3, stride=2, padding=1)
        (4, 4)
    """
    return output_length(n, f, stride, 2 * padding)


def receptive_field(layers: list[tuple[int, int]]) -> list[int]:
    """Receptive field after each layer of ``(kernel_size, stride)``: ``r += (f - 1) * jump``.

    ``jump`` (distance between neighbouring outputs, in input pixels) multiplies by each stride.

    Example:
        >>> receptive_field([(3, 1), (3, 1), (2, 2), (3, 1)])
        [3, 5, 6, 10]
    """
    r, jump, out = 1, 1, []
    for f, s in layers:
        r += (f - 1) * jump
        jump *= s
        out.append(r)
    return out
