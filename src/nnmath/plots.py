"""Matplotlib figures for the lessons: curves, regressions, boundaries, images, landscapes, graphs.

matplotlib is imported lazily (inside :func:`pyplot`) with the headless ``Agg`` backend, so
``import nnmath.plots`` costs nothing. Every function returns a ``matplotlib.figure.Figure`` and
saves it when ``path`` is given (PNG, 100 dpi, then the figure is closed so memory stays flat).

Example:
    >>> from nnmath import plots
    >>> fig = plots.plot_costs([0.69, 0.58, 0.47], every=100, path="cost.png")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "plot_activations",
    "plot_channels",
    "plot_computation_graph",
    "plot_costs",
    "plot_curves",
    "plot_decision_boundary",
    "plot_feature_maps",
    "plot_history",
    "plot_image_grid",
    "plot_loss_landscape",
    "plot_matrices",
    "plot_optimizer_paths",
    "plot_regression_line",
    "plot_regression_plane",
    "pyplot",
    "save",
]

Figure = Any  # matplotlib.figure.Figure, not imported at module level


def pyplot() -> Any:
    """``matplotlib.pyplot``, imported on first call: the headless Agg backend, except in
    Jupyter, where the notebook's inline backend is kept so the figures show in the cells."""
    import matplotlib

    get = getattr(matplotlib.rcParams, "_get_backend_or_none", None)  # None: not chosen yet
    backend = str((get() if get else matplotlib.get_backend()) or "")
    if not backend.startswith("module://") and backend.lower() != "agg":
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def save(fig: Figure, path: str | Path | None, dpi: int = 100) -> Figure:
    """Save ``fig`` to ``path`` (parent folders created) and close it; no-op when path is None."""
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
        pyplot().close(fig)
    return fig


def plot_costs(
    costs: Sequence[float] | Mapping[str, Sequence[float]],
    every: int = 1,
    title: str = "Cost",
    ylabel: str = "cost J",
    logy: bool = False,
    path: str | Path | None = None,
) -> Figure:
    """Cost curve(s) against iterations; one line per entry when ``costs`` is a dict.

    Args:
        costs: a list of costs, or ``{label: costs}`` for several runs.
        every: iterations between two recorded costs (the course records every 100).

    Example:
        >>> plot_costs({"lr=0.01": [0.7, 0.5], "lr=0.001": [0.7, 0.6]})  # doctest: +SKIP
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    series = costs if isinstance(costs, Mapping) else {"": costs}
    for label, ys in series.items():
        ys = np.asarray(ys, dtype=float)
        ax.plot(np.arange(len(ys)) * every, ys, label=label or None)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    if isinstance(costs, Mapping):
        ax.legend()
    ax.grid(alpha=0.3)
    return save(fig, path)


def plot_history(
    history: Mapping[str, Sequence[float]], title: str = "Training history",
    path: str | Path | None = None,
) -> Figure:
    """Keras-style ``history.history``: losses on the left, other metrics on the right, per epoch.

    Example:
        >>> plot_history({"loss": [0.3, 0.1], "val_loss": [0.2, 0.15]})  # doctest: +SKIP
    """
    plt = pyplot()
    metrics = sorted({k.removeprefix("val_") for k in history} - {"loss"})
    fig, axes = plt.subplots(1, 1 + bool(metrics), figsize=(5 + 5 * bool(metrics), 4))
    axes = np.atleast_1d(axes)
    for ax, names in zip(axes, (["loss"], metrics), strict=False):
        for name in names:
            for key in (name, f"val_{name}"):
                if key in history:
                    ys = np.asarray(history[key], dtype=float)
                    ax.plot(np.arange(1, len(ys) + 1), ys, marker="o", label=key)
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend()
        ax.grid(alpha=0.3)
    axes[0].set_title(title)
    return save(fig, path)


def plot_regression_line(
    x: np.ndarray, y: np.ndarray, w: float, b: float, x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None, title: str = "y = w x + b", path: str | Path | None = None,
) -> Figure:
    """Scatter of ``(x, y)`` (and held-out points) with the fitted line ``y = w x + b``."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    x = np.ravel(x)
    ax.scatter(x, np.ravel(y), s=10, alpha=0.6, label="train")
    if x_test is not None and y_test is not None:
        ax.scatter(np.ravel(x_test), np.ravel(y_test), s=18, color="black", label="test")
    grid = np.linspace(x.min(), x.max(), 2)
    ax.plot(grid, w * grid + b, color="tab:red", lw=2, label=f"w={w:.2f}, b={b:.2f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    ax.legend()
    return save(fig, path)


def plot_regression_plane(
    X: np.ndarray, y: np.ndarray, w: Sequence[float], b: float,
    labels: tuple[str, str] = ("x1", "x2"), title: str = "y = w1 x1 + w2 x2 + b",
    path: str | Path | None = None,
) -> Figure:
    """3-D scatter of two features ``X (m, 2)`` against ``y`` with the fitted plane."""
    plt = pyplot()
    fig = plt.figure(figsize=(6, 5))
    ax = fig.add_subplot(projection="3d")
    X = np.asarray(X, dtype=float)
    ax.scatter(X[:, 0], X[:, 1], np.ravel(y), s=8, alpha=0.6)
    g1, g2 = np.meshgrid(np.linspace(X[:, 0].min(), X[:, 0].max(), 10),
                         np.linspace(X[:, 1].min(), X[:, 1].max(), 10))
    ax.plot_surface(g1, g2, w[0] * g1 + w[1] * g2 + b, alpha=0.3, color="tab:red")
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    ax.set_zlabel("y")
    ax.set_title(title)
    return save(fig, path)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray] | Mapping[str, Callable[[np.ndarray], np.ndarray]],
    X: np.ndarray, y: np.ndarray, resolution: int = 200, title: str = "Decision boundary",
    ncols: int = 4, path: str | Path | None = None,
) -> Figure:
    """Regions a classifier assigns to each class, with the data on top.

    Args:
        predict: maps points ``(n, 2)`` (batch-first) to labels ``(n,)``; a dict draws one
            panel per classifier, ``ncols`` panels per row.
        X: ``(m, 2)`` points; y: ``(m,)`` labels.
    """
    X = np.asarray(X, dtype=float)
    y = np.ravel(y)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) != len(y):
        hint = "; pass X.T for course-layout (2, m) data" if X.ndim == 2 and X.shape[0] == 2 else ""
        raise ValueError(
            f"plot_decision_boundary: expected points X of shape (m, 2) and labels y of m "
            f"values, got X {X.shape} and y of {len(y)} values{hint}"
        )
    plt = pyplot()
    fns = predict if isinstance(predict, Mapping) else {title: predict}
    ncols = min(ncols, len(fns))
    nrows = -(-len(fns) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.5 * ncols, 4 * nrows), squeeze=False)
    for ax in axes.flat[len(fns):]:
        ax.axis("off")
    pad = 0.5
    xx, yy = np.meshgrid(
        np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution),
        np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution),
    )
    grid = np.c_[xx.ravel(), yy.ravel()]
    for ax, (name, fn) in zip(axes.flat, fns.items(), strict=False):
        zz = np.asarray(fn(grid), dtype=float).reshape(xx.shape)
        k = int(max(np.max(y), np.max(zz))) + 1  # classes 0 .. k-1, same colours in every panel
        ax.contourf(xx, yy, zz, levels=np.arange(k + 1) - 0.5, alpha=0.35, cmap="Spectral",
                    vmin=0, vmax=max(k - 1, 1))
        ax.scatter(X[:, 0], X[:, 1], c=y, s=12, cmap="Spectral", vmin=0, vmax=max(k - 1, 1),
                   edgecolors="k", linewidths=0.3)
        ax.set_title(name)
    return save(fig, path)


def plot_image_grid(
    images: np.ndarray | Sequence[np.ndarray], titles: Sequence[str] | None = None,
    ncols: int = 5, cmap: str | None = None, title: str | None = None,
    path: str | Path | None = None, vmin: float | None = None, vmax: float | None = None,
) -> Figure:
    """Images ``(N, H, W[, C])`` in a grid, each with an optional title (grey when 2-D).

    One-channel images are scaled to their own range unless ``vmin``/``vmax`` fix a common
    one. Float colour images are shown as given in [0, 1] (or divided by 255 when larger).

    Example:
        >>> plot_image_grid(x_test[:10], titles=[str(t) for t in y_test[:10]])  # doctest: +SKIP
    """
    plt = pyplot()
    images = list(images)
    n = max(len(images), 1)
    # panels follow the pictures' shape: a wide photo gets wide panels (and fewer columns, at
    # most ~16 inches in all) instead of a thin strip in a square panel
    aspect = float(np.median([np.shape(x)[0] / max(np.shape(x)[1], 1) for x in images])
                   ) if images else 1.0
    panel_w = float(np.clip(2.1 / np.sqrt(max(aspect, 1e-3)), 2.1, 8.0))
    ncols = max(1, min(ncols, n, int(16.5 // panel_w)))
    nrows = -(-n // ncols)
    panel_h = min(panel_w * aspect, 4.5) + (0.35 if titles is not None else 0.1)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel_w * ncols, panel_h * nrows + 0.3),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= len(images):
            continue
        img = np.asarray(images[i])
        if img.ndim == 3 and img.shape[-1] == 1:
            img = img[..., 0]
        if img.dtype.kind == "f" and img.ndim == 3:
            img = np.clip(img, 0, 1 if img.max() <= 1 else 255)
            img = img / 255 if img.max() > 1 else img
        ax.imshow(img, cmap=cmap or ("gray" if img.ndim == 2 else None), vmin=vmin, vmax=vmax)
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    return save(fig, path)


def plot_channels(image: np.ndarray, path: str | Path | None = None) -> Figure:
    """A colour image ``(H, W, 3)`` and its R, G and B channels as grey-scale pictures."""
    img = np.asarray(image)
    return plot_image_grid(
        [img, img[..., 0], img[..., 1], img[..., 2]],
        titles=[f"RGB {img.shape}", "R channel", "G channel", "B channel"], ncols=4, path=path,
    )


def plot_feature_maps(
    maps: np.ndarray, titles: Sequence[str] | None = None, ncols: int = 8,
    title: str | None = None, path: str | Path | None = None, signed: bool = False,
) -> Figure:
    """Channels of one feature map ``(H, W, C)`` as C pictures.

    Args:
        signed: for weights (e.g. a conv kernel ``W[:, :, 0, :]``): one shared symmetric
            scale ``[-max|x|, max|x|]`` in red (positive) and blue (negative), so filters can be
            compared; otherwise each map is scaled to its own range (viridis).

    Example:
        >>> plot_feature_maps(W[:, :, 0, :], signed=True)  # doctest: +SKIP
    """
    maps = np.asarray(maps)
    chans = [maps[..., c] for c in range(maps.shape[-1])]
    lim = float(np.max(np.abs(maps))) if signed and maps.size else None
    return plot_image_grid(
        chans, titles=titles, ncols=ncols, cmap="RdBu_r" if signed else "viridis", title=title,
        path=path, vmin=None if lim is None else -lim, vmax=lim,
    )


def plot_activations(
    functions: Mapping[str, tuple[Callable[[np.ndarray], np.ndarray],
                                   Callable[[np.ndarray], np.ndarray]]],
    lo: float = -5.0, hi: float = 5.0, path: str | Path | None = None,
) -> Figure:
    """Each activation ``g(z)`` (solid) with its derivative ``g'(z)`` (dashed), one panel each.

    Args:
        functions: ``{name: (g, g')}``, both vectorized over a 1-D array ``z``; a name without
            parentheses is shown as ``name(z)`` in the legend.

    Example:
        >>> plot_activations({"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)})  # doctest: +SKIP
    """
    plt = pyplot()
    z = np.linspace(lo, hi, 401)
    fig, axes = plt.subplots(1, len(functions), figsize=(3.6 * len(functions), 3.2), squeeze=False)
    for ax, (name, (g, dg)) in zip(axes[0], functions.items(), strict=True):
        ax.plot(z, g(z), label=name if "(" in name else f"{name}(z)")
        ax.plot(z, dg(z), "--", label="derivative")
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        ax.set_title(name)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    return save(fig, path)


def plot_matrices(
    matrices: Mapping[str, np.ndarray], title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Small matrices side by side as heat maps with their numbers written in the cells.

    A 1-D array is drawn as one row.

    Example:
        >>> plot_matrices({"a": np.eye(2), "a + 1": np.eye(2) + 1})  # doctest: +SKIP
    """
    plt = pyplot()
    fig, axes = plt.subplots(1, len(matrices), figsize=(2.3 * len(matrices), 2.6),
                             squeeze=False)
    for ax, (name, m) in zip(axes[0], matrices.items(), strict=True):
        m = np.atleast_2d(np.asarray(m, dtype=float))
        ax.imshow(m, cmap="Blues")
        mid = (m.min() + m.max()) / 2
        for (i, j), v in np.ndenumerate(m):
            ax.text(j, i, f"{v:g}", ha="center", va="center", fontsize=9,
                    color="white" if v > mid else "black")
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title, y=1.08)
    return save(fig, path)


def plot_curves(
    x: np.ndarray, curves: Mapping[str, np.ndarray], title: str = "", xlabel: str = "x",
    ylabel: str = "y", path: str | Path | None = None,
) -> Figure:
    """Several named curves over the same ``x`` (e.g. loss functions against the error)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, ys in curves.items():
        ax.plot(x, ys, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return save(fig, path)


def plot_loss_landscape(
    alphas: np.ndarray, betas: np.ndarray, losses: np.ndarray,
    title: str = "Loss landscape", path: str | Path | None = None,
) -> Figure:
    """``L(theta + a d1 + b d2)`` on a grid ``losses[j, i]`` (beta_j, alpha_i): contour + 3-D."""
    plt = pyplot()
    fig = plt.figure(figsize=(11, 4.5))
    A, B = np.meshgrid(alphas, betas)
    ax = fig.add_subplot(1, 2, 1)
    cs = ax.contour(A, B, losses, levels=20, cmap="viridis")
    ax.clabel(cs, fontsize=7)
    ax.plot(0, 0, "r*", ms=12, label="trained weights (a = b = 0)")
    ax.set_xlabel("alpha (direction 1)")
    ax.set_ylabel("beta (direction 2)")
    # the legend sits below the axes, where no contour label can run into it
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, frameon=False)
    ax.set_title(title)
    ax3 = fig.add_subplot(1, 2, 2, projection="3d")
    ax3.plot_surface(A, B, losses, cmap="viridis", rstride=1, cstride=1, linewidth=0.2,
                     edgecolor="k", shade=False, vmin=float(np.min(losses)),
                     vmax=float(np.max(losses)))
    ax3.set_xlabel("alpha")
    ax3.set_ylabel("beta")
    ax3.set_zlabel("loss")
    return save(fig, path)


def plot_optimizer_paths(
    f: Callable[[np.ndarray, np.ndarray], np.ndarray], paths: Mapping[str, np.ndarray],
    xlim: tuple[float, float], ylim: tuple[float, float], title: str = "Optimizer paths",
    path: str | Path | None = None,
) -> Figure:
    """Contours of ``f(x, y)`` with each optimizer's path ``(steps, 2)`` drawn on top.

    The first path's start is a black dot and every path's end a cross in its colour.

    Example:
        >>> plot_optimizer_paths(lambda x, y: x**2 + 10 * y**2,
        ...                      {"gd": np.array([[-4.0, 2.0], [-3.4, -1.2]])},
        ...                      xlim=(-5, 5), ylim=(-3, 3))  # doctest: +SKIP
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.5, 5))
    xx, yy = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
    zz = f(xx, yy)
    ax.contour(xx, yy, zz, levels=np.logspace(-2, np.log10(max(zz.max(), 1.0)), 25),
               cmap="Greys", linewidths=0.6)
    for name, p in paths.items():
        p = np.asarray(p)
        (line,) = ax.plot(p[:, 0], p[:, 1], ".-", ms=3, lw=1, label=f"{name} ({len(p) - 1} steps)")
        ax.plot(*p[-1], "X", ms=10, color=line.get_color(), markeredgecolor="k")  # where it ends
    ax.plot(*np.asarray(next(iter(paths.values())))[0], "ko", ms=6)  # the common start
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.legend()
    ax.set_title(title)
    return save(fig, path)


def plot_computation_graph(
    nodes: Mapping[str, tuple[float, float, str]],
    edges: Sequence[tuple[str, str, str]],
    title: str = "Computation graph", path: str | Path | None = None,
) -> Figure:
    """Draw a small computation graph: boxes with labels, arrows labelled with derivatives.

    Args:
        nodes: ``{name: (x, y, label)}``; the label shows the forward value.
        edges: ``(src, dst, label)`` arrows, the label e.g. ``"dJ/dv = 3"``.

    Example:
        >>> plot_computation_graph({"a": (0, 0, "a = 5"), "v": (1, 0, "v = 11")},
        ...                        [("a", "v", "dJ/da = 3")])  # doctest: +SKIP
    """
    plt = pyplot()
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    fig, ax = plt.subplots(figsize=(2.6 * (max(xs) - min(xs) + 1.5), 1.4 * (max(ys) - min(ys) + 2)))
    for src, dst, label in edges:
        (x0, y0, _), (x1, y1, _) = nodes[src], nodes[dst]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "->", "lw": 1.4, "shrinkA": 28, "shrinkB": 28})
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.12, label, ha="center", fontsize=9,
                color="tab:red")
    for x, y, label in nodes.values():
        ax.text(x, y, label, ha="center", va="center", fontsize=10,
                bbox={"boxstyle": "round", "fc": "#e8f0fe", "ec": "#3367d6"})
    ax.set_xlim(min(xs) - 0.7, max(xs) + 0.7)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axis("off")
    ax.set_title(title)
    return save(fig, path)
