"""Drawing a :class:`~nnmath.graph.ComputationGraph` without Graphviz: SVG text or a PNG.

A layered layout: the variables in the leftmost column, every node one column right of its
deepest input, rows ordered by the mean row of the inputs (fewer crossings). Each node is a
box with its name and formula, its forward value (blue) and ``dJ/d(node)`` (red); each edge
an arrow labelled with its local derivative. :func:`to_svg` writes the SVG text itself (no
dependency); :func:`save_png` draws the same layout with matplotlib (imported only then).
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .graph import _fmt

if TYPE_CHECKING:  # pragma: no cover
    from .graph import ComputationGraph, Node

__all__ = ["draw", "edge_routes", "layout", "save_png", "to_svg"]

Box = tuple[float, float, float, float]  # (x, y, width, height) in pixels


def layout(graph: ComputationGraph) -> dict[str, tuple[int, float]]:
    """``name -> (layer, row)``: inputs in layer 0, every node one layer right of its
    deepest input; rows ordered by the mean row of the inputs to limit crossings."""
    layer: dict[str, int] = {}
    for n in graph.nodes:
        layer[n.name] = 1 + max((layer[i] for i in n.inputs), default=-1)
    layers: dict[int, list[str]] = {}
    for n in graph.nodes:
        layers.setdefault(layer[n.name], []).append(n.name)
    row: dict[str, float] = {}
    for k in sorted(layers):
        names = layers[k]
        if k:
            names.sort(key=lambda s: np.mean([row[i] for i in graph.node(s).inputs]))
        count = len(names)
        for r, s in enumerate(names):
            row[s] = r - (count - 1) / 2
    return {s: (layer[s], row[s]) for s in layer}


def _boxes(graph: ComputationGraph) -> tuple[dict[str, Box], float, float]:
    """Pixel boxes ``name -> (x, y, width, height)`` and the canvas size."""
    pos = layout(graph)
    j = graph.output
    widths = {
        n.name: 7.4 * max(len(t) for t in _labels(n, j)) + 24 for n in graph.nodes
    }
    n_layers = 1 + max(k for k, _ in pos.values())
    col_w = [0.0] * n_layers
    for s, (k, _) in pos.items():
        col_w[k] = max(col_w[k], widths[s])
    gap, height, vgap, margin, top = 90.0, 66.0, 40.0, 30.0, 50.0
    col_x = [margin + sum(col_w[:k]) + gap * k for k in range(n_layers)]
    rows = [r for _, r in pos.values()]
    r_min = min(rows)
    boxes = {}
    for s, (k, r) in pos.items():
        x = col_x[k] + (col_w[k] - widths[s]) / 2
        y = top + (r - r_min) * (height + vgap)
        boxes[s] = (x, y, widths[s], height)
    width = col_x[-1] + col_w[-1] + margin
    total_h = top + (max(rows) - r_min) * (height + vgap) + height + 50.0
    return boxes, max(width, 360.0), total_h


def edge_routes(graph: ComputationGraph) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """``(src, dst) -> points`` of every arrow, from the source box's right side to the
    destination box's left side.

    An edge between neighbouring layers is one straight segment. An edge that skips layers
    (``a -> v`` in ``3*(a+b*c)`` jumps over ``u = b*c``) crosses each layer in between
    horizontally, through the free gap between that layer's boxes nearest to the straight
    line, so it never runs through a box it does not belong to.
    """
    boxes, _, _ = _boxes(graph)
    pos = layout(graph)
    columns: dict[int, list[Box]] = {}
    for name, (k, _) in pos.items():
        columns.setdefault(k, []).append(boxes[name])
    routes = {}
    for e in graph.edges:
        start, end = _edge_ends(boxes[e.src], boxes[e.dst])
        k0, k1 = pos[e.src][0], pos[e.dst][0]
        points = [start]
        for k in range(k0 + 1, k1):
            col = sorted(columns.get(k, []), key=lambda b: b[1])
            left = min(b[0] for b in col)
            right = max(b[0] + b[2] for b in col)
            t = ((left + right) / 2 - start[0]) / max(end[0] - start[0], 1e-9)
            y_line = start[1] + t * (end[1] - start[1])
            y = _free_y(y_line, col)
            points += [(left - 12, y), (right + 12, y)]
        points.append(end)
        routes[(e.src, e.dst)] = points
    return routes


def _free_y(y: float, col: list[Box], margin: float = 10.0) -> float:
    """``y`` if no box of the column covers it, else the middle of the nearest free gap."""
    if all(not (b[1] - margin <= y <= b[1] + b[3] + margin) for b in col):
        return y
    candidates = [col[0][1] - 2 * margin, col[-1][1] + col[-1][3] + 2 * margin]
    candidates += [(a[1] + a[3] + b[1]) / 2 for a, b in pairwise(col)]
    return min(candidates, key=lambda c: abs(c - y))


def _label_at(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Where an arrow's label goes: the middle of its middle segment."""
    k = (len(points) - 1) // 2
    (x0, y0), (x1, y1) = points[k], points[k + 1]
    return (x0 + x1) / 2, (y0 + y1) / 2


def to_svg(graph: ComputationGraph) -> str:
    """The graph as a standalone SVG document (no Graphviz needed)."""
    boxes, width, height = _boxes(graph)
    j = graph.output
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="Helvetica, Arial, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        "</defs>",
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>',
        f'<text x="30" y="28" font-size="15" font-weight="bold">{_esc(j)} = '
        f"{_esc(graph.expression)}</text>",
    ]
    routes = edge_routes(graph)
    for e in graph.edges:
        points = routes[(e.src, e.dst)]
        d = f"M{points[0][0]:.1f},{points[0][1]:.1f}"
        for (xa, ya), (xb, yb) in pairwise(points):
            mx = (xa + xb) / 2  # each piece an S-curve: leaves and arrives horizontally
            d += f" C{mx:.1f},{ya:.1f} {mx:.1f},{yb:.1f} {xb:.1f},{yb:.1f}"
        out.append(f'<path d="{d}" fill="none" stroke="#555" stroke-width="1.4" '
                   'marker-end="url(#arrow)"/>')
        lx, ly = _label_at(points)
        out.append(
            f'<text x="{lx:.1f}" y="{ly - 5:.1f}" font-size="11" fill="#777" '
            'text-anchor="middle" stroke="white" stroke-width="4" paint-order="stroke">'
            f"d{_esc(e.dst)}/d{_esc(e.src)} = {_fmt(e.local)}</text>"
        )
    for n in graph.nodes:
        x, y, w, h = boxes[n.name]
        fill = _fill(n)
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="10" '
            f'fill="{fill}" stroke="#333" stroke-width="1.3"/>'
        )
        title, value, grad = _labels(n, j)
        cx = x + w / 2
        for dy, text, style in (
            (20, title, 'font-weight="bold" fill="#111"'),
            (39, value, 'fill="#1a4fa0"'),
            (57, grad, 'fill="#b3261e"'),
        ):
            out.append(
                f'<text x="{cx:.1f}" y="{y + dy:.1f}" font-size="13" text-anchor="middle" '
                f"{style}>{_esc(text)}</text>"
            )
    out.append(
        f'<text x="30" y="{height - 16:.0f}" font-size="12" fill="#555">'
        f"{_esc(_legend(j))}</text>"
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def draw(graph: ComputationGraph, fig=None):
    """Draw the same picture as :func:`to_svg` with matplotlib into ``fig`` (a new pyplot
    figure when None, so a notebook shows it) and return the figure."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as MplPath

    boxes, width, height = _boxes(graph)
    j = graph.output
    dpi = 100
    if fig is None:
        from .plots import pyplot

        fig = pyplot().figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # y down, as in the SVG
    ax.axis("off")
    ax.text(30, 28, f"{j} = {graph.expression}", fontsize=11, fontweight="bold")
    routes = edge_routes(graph)
    for e in graph.edges:
        points = routes[(e.src, e.dst)]
        verts, codes = [points[0]], [MplPath.MOVETO]
        for (xa, ya), (xb, yb) in pairwise(points):
            mx = (xa + xb) / 2
            verts += [(mx, ya), (mx, yb), (xb, yb)]
            codes += [MplPath.CURVE4] * 3
        ax.add_patch(FancyArrowPatch(path=MplPath(verts, codes), arrowstyle="-|>",
                                     mutation_scale=12, color="#555", lw=1.2))
        lx, ly = _label_at(points)
        ax.text(lx, ly - 5, f"d{e.dst}/d{e.src} = {_fmt(e.local)}",
                fontsize=8, color="#777", ha="center",
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0})
    for n in graph.nodes:
        x, y, w, h = boxes[n.name]
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=10",
                                    facecolor=_fill(n), edgecolor="#333", lw=1.2))
        title, value, grad = _labels(n, j)
        for dy, text, color, weight in ((20, title, "#111", "bold"),
                                        (39, value, "#1a4fa0", "normal"),
                                        (57, grad, "#b3261e", "normal")):
            ax.text(x + w / 2, y + dy, text, fontsize=9.5, color=color, ha="center",
                    va="baseline", fontweight=weight)
    ax.text(30, height - 16, _legend(j), fontsize=8.5, color="#555")
    return fig


def save_png(graph: ComputationGraph, path: Path) -> None:
    """Write :func:`draw`'s picture to ``path`` (Agg canvas, no window, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    _, width, height = _boxes(graph)
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(fig)
    draw(graph, fig)
    fig.savefig(path, dpi=100)


def _fill(n: Node) -> str:
    """Box colour: inputs blue, the output red, intermediates grey."""
    return "#e8f0fe" if n.is_input else ("#fde8e8" if n.is_output else "#f3f3f3")


def _legend(j: str) -> str:
    return f"blue: forward value, red: derivative of {j}, on arrows: local derivative"


def _labels(n: Node, j: str) -> tuple[str, str, str]:
    title = n.name if n.is_input else f"{n.name} = {n.formula}"
    return title, f"value {_fmt(n.value)}", f"d{j}/d{n.name} = {_fmt(n.grad)}"


def _edge_ends(src: Box, dst: Box) -> tuple[tuple[float, float], tuple[float, float]]:
    x0, y0, w0, h0 = src
    x1, y1, _, h1 = dst
    return (x0 + w0, y0 + h0 / 2), (x1, y1 + h1 / 2)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
