"""nnmath.plots: every figure function returns a Figure and writes a valid PNG."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from nnmath import plots


def _check_png(path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    with Image.open(path) as img:
        img.load()
        assert img.size[0] > 50 and img.size[1] > 50
        arr = np.asarray(img.convert("L"))
    assert arr.std() > 1.0, f"{path} is a blank picture"


def _cases(rng):
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    a = np.linspace(-1, 1, 7)
    return {
        "costs": lambda p: plots.plot_costs([0.7, 0.5, 0.3, 0.2], every=100, path=p),
        "costs-dict": lambda p: plots.plot_costs({"a": [1, 0.5], "b": [1, 0.9]}, logy=True,
                                                 path=p),
        "history": lambda p: plots.plot_history(
            {"loss": [0.5, 0.3], "val_loss": [0.6, 0.4], "accuracy": [0.8, 0.9]}, path=p),
        "line": lambda p: plots.plot_regression_line(X[:, 0], 2 * X[:, 0] + 1, 2.0, 1.0,
                                                     X[:5, 0], X[:5, 1], path=p),
        "plane": lambda p: plots.plot_regression_plane(X, X @ [1.0, 2.0], [1.0, 2.0], 0.0,
                                                       path=p),
        "boundary": lambda p: plots.plot_decision_boundary(
            {"xor": lambda P: (P[:, 0] * P[:, 1] > 0).astype(int),
             "line": lambda P: (P[:, 0] > 0).astype(int)}, X, y, resolution=50, path=p),
        "grid": lambda p: plots.plot_image_grid(rng.random((7, 8, 8, 3)),
                                                titles=[str(i) for i in range(7)], path=p),
        "channels": lambda p: plots.plot_channels(
            (rng.random((16, 16, 3)) * 255).astype(np.uint8), path=p),
        "feature-maps": lambda p: plots.plot_feature_maps(rng.random((10, 10, 6)), path=p),
        "activations": lambda p: plots.plot_activations(
            {"tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2)}, path=p),
        "curves": lambda p: plots.plot_curves(a, {"abs": np.abs(a), "sq": a**2}, path=p),
        "landscape": lambda p: plots.plot_loss_landscape(
            a, a, np.add.outer(a**2, a**2), path=p),
        "paths": lambda p: plots.plot_optimizer_paths(
            lambda u, v: u**2 + v**2, {"gd": np.array([[1.0, 1.0], [0.5, 0.5], [0.1, 0.1]])},
            xlim=(-2, 2), ylim=(-2, 2), path=p),
        "graph": lambda p: plots.plot_computation_graph(
            {"a": (0, 0, "a = 5"), "J": (1, 0, "J = 15")}, [("a", "J", "dJ/da = 3")], path=p),
    }


@pytest.mark.parametrize("name", list(_cases(np.random.default_rng(0))))
def test_plot_returns_figure_and_writes_png(name, tmp_path, rng):
    path = tmp_path / "sub" / f"{name}.png"
    fig = _cases(rng)[name](path)
    assert hasattr(fig, "savefig")
    _check_png(path)


def test_plot_without_path_does_not_write(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fig = plots.plot_costs([1.0, 0.5])
    assert fig.axes and not list(tmp_path.iterdir())
    plots.pyplot().close(fig)


def test_import_is_lazy_and_headless():
    code = ("import sys, nnmath.plots as p; assert 'matplotlib' not in sys.modules; "
            "plt = p.pyplot(); import matplotlib; print(matplotlib.get_backend())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp"})
    assert out.stdout.strip().lower() == "agg"


def test_signed_feature_maps_share_one_symmetric_scale(rng):
    W = rng.standard_normal((3, 3, 5))
    fig = plots.plot_feature_maps(W, signed=True)
    m = float(np.abs(W).max())
    assert {ax.images[0].get_clim() for ax in fig.axes if ax.images} == {(-m, m)}
    plots.pyplot().close(fig)
    fig = plots.plot_feature_maps(W)  # activations: each map on its own range
    clims = [ax.images[0].get_clim() for ax in fig.axes if ax.images]
    assert clims == [(W[..., c].min(), W[..., c].max()) for c in range(5)]
    plots.pyplot().close(fig)


def test_decision_boundary_names_the_layout_mistake():
    X = np.zeros((2, 400))  # the course's (n_x, m) layout instead of points as rows
    with pytest.raises(ValueError, match=r"expected points X of shape \(m, 2\).*got X \(2, 400\)"
                       r".*pass X\.T"):
        plots.plot_decision_boundary(lambda p: p[:, 0] > 0, X, np.zeros(400))


@pytest.mark.parametrize(("h", "w"), [(100, 800), (600, 512), (800, 120)])
def test_image_grid_panels_follow_the_pictures_shape(h, w, rng):
    """A wide photo gets wide panels (fewer per row), so the pictures never shrink to a strip."""
    pics = [rng.random((h, w)) for _ in range(10)]
    fig = plots.plot_image_grid(pics, titles=[f"p{k}" for k in range(10)], ncols=5)
    fig.canvas.draw()
    assert fig.get_size_inches()[0] <= 17.0
    for ax in fig.axes[:10]:
        bbox = ax.get_window_extent()  # pixels; imshow keeps the picture's aspect
        shown_w = min(bbox.width, bbox.height * w / h)
        shown_h = shown_w * h / w
        assert shown_h >= 0.45 * fig.dpi and shown_w >= 0.45 * fig.dpi  # never a thin strip
    plots.pyplot().close(fig)
