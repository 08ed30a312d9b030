"""Drawing a :class:`~nnmath.graph.ComputationGraph` without Graphviz: SVG text or a PNG.

A layered layout: the variables in the leftmost column, every node one column right of its
deepest input, rows ordered by the mean row of the inputs (fewer crossings). Each node is a
box with its name and formula, its forward value (blue) and ``dJ/d(node)`` (red); each edge
an arrow labelled with its local derivative. :func:`to_svg` writes the SVG text itself (no
dependency); :func:`save_png` draws the same layout with matplotlib (imported only then).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .graph import _fmt

if TYPE_CHECKING:  # pragma: no cover
    from .graph import ComputationGraph, Node

__all__ = ["layout", "save_png", "to_svg"]

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
    for e in graph.edges:
        (x0, y0), (x1, y1) = _edge_ends(boxes[e.src], boxes[e.dst])
        mx = (x0 + x1) / 2
        out.append(
            f'<path d="M{x0:.1f},{y0:.1f} C{mx:.1f},{y0:.1f} {mx:.1f},{y1:.1f} {x1:.1f},'
            f'{y1:.1f}" fill="none" stroke="#555" stroke-width="1.4" '
            'marker-end="url(#arrow)"/>'
        )
        out.append(
            f'<text x="{mx:.1f}" y="{(y0 + y1) / 2 - 5:.1f}" font-size="11" fill="#777" '
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


def save_png(graph: ComputationGraph, path: Path) -> None:
    """Draw the same picture as :func:`to_svg` with matplotlib (Agg, no window) to ``path``."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    boxes, width, height = _boxes(graph)
    j = graph.output
    dpi = 100
    fig = Figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)  # y down, as in the SVG
    ax.axis("off")
    ax.text(30, 28, f"{j} = {graph.expression}", fontsize=11, fontweight="bold")
    for e in graph.edges:
        (x0, y0), (x1, y1) = _edge_ends(boxes[e.src], boxes[e.dst])
        ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>",
                                     mutation_scale=12, color="#555", lw=1.2))
        ax.text((x0 + x1) / 2, (y0 + y1) / 2 - 5, f"d{e.dst}/d{e.src} = {_fmt(e.local)}",
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
    fig.savefig(path, dpi=dpi)


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
