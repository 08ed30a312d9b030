"""The computation graph of a small expression, evaluated forward and differentiated backward.

``build_graph("3*(a+b*c)", a=5, b=3, c=2)`` parses the expression SAFELY (Python's ``ast``
with a whitelist: numbers, names, ``+ - * / **``, unary ``-`` and calls of ``exp log sqrt
tanh sigmoid relu abs``; nothing is ever ``eval``-ed), builds it from ``nnmath.Tensor`` ops
in float64, runs one backward pass and returns a :class:`ComputationGraph`: every node with
its forward value and the derivative of the output ``J`` with respect to it, plus every edge
with its local derivative, so the chain rule can be read off node by node::

    u = b*c = 6        v = a+u = 11        J = 3*v = 33
    dJ/dv = 3          dJ/du = dJ/dv * dv/du = 3 * 1 = 3        dJ/db = dJ/du * du/db = 6

Intermediate nodes are named ``u, v, w, ...`` in evaluation order (skipping the variables'
names) and the output ``J``. Constants are not nodes: they appear in their node's formula.
The picture is written without Graphviz (drawing code in ``nnmath.graph_draw``):
:meth:`ComputationGraph.to_svg` writes the SVG text itself (layered layout, inputs left,
output right) and ``.save("g.png")`` draws the same layout with matplotlib (imported only
then).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .tensor import Tensor

__all__ = [
    "FUNCTIONS",
    "PICTURE_SUFFIXES",
    "ComputationGraph",
    "Edge",
    "Node",
    "build_graph",
    "check_picture_path",
    "parse_assignments",
]

#: The picture formats :meth:`ComputationGraph.save` writes (SVG as text, PNG by matplotlib).
PICTURE_SUFFIXES: tuple[str, ...] = (".svg", ".png")

#: The functions an expression may call, each a Tensor method of the same name.
FUNCTIONS: tuple[str, ...] = ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs")

_BINARY: dict[type, tuple[str, str, Callable[[object, object], object]]] = {
    ast.Add: ("add", "+", lambda x, y: x + y),
    ast.Sub: ("sub", "-", lambda x, y: x - y),
    ast.Mult: ("mul", "*", lambda x, y: x * y),
    ast.Div: ("div", "/", lambda x, y: x / y),
    ast.Pow: ("pow", "**", lambda x, y: x**y),
}
_HINTS: dict[type, str] = {
    ast.BitXor: "'^' is not supported; use ** for powers",
    ast.FloorDiv: "'//' is not supported; use /",
    ast.Mod: "'%' is not supported",
    ast.MatMult: "'@' is not supported; the graph works on scalars",
}
_NAME_POOL = "uvwpqrstmnkhgfed"
_MAX_CHARS = 2000


def _fmt(x: float) -> str:
    """A number the way the lesson writes it: ``33``, ``0.5``, ``0.000123``, ``1.5e+20``."""
    if math.isfinite(x) and x == round(x) and abs(x) < 1e15:
        return str(round(x))
    return f"{x:.6g}"


@dataclass
class Node:
    """One node of the graph.

    Attributes:
        name: ``"a"`` for a variable, ``"u"``, ``"v"``, ... for intermediates, ``"J"`` for
            the output.
        op: ``None`` for a variable, else ``"add" "sub" "mul" "div" "pow" "neg"`` or a
            function name.
        formula: how the node is computed from its inputs' names and constants, e.g. ``"b*c"``.
        inputs: names of the nodes it reads (once each, in order).
        value: forward value.
        grad: ``dJ/d(node)``.
        is_output: True for the node whose derivatives are taken.
    """

    name: str
    op: str | None
    formula: str
    inputs: tuple[str, ...]
    value: float
    grad: float = 0.0
    is_output: bool = False

    @property
    def is_input(self) -> bool:
        return self.op is None


@dataclass
class Edge:
    """``src -> dst``: ``dst`` reads ``src``; ``local`` is the partial ``d dst / d src``."""

    src: str
    dst: str
    local: float


@dataclass
class ComputationGraph:
    """An evaluated and differentiated expression: nodes in evaluation order, edges, output.

    Example:
        >>> g = build_graph("3*(a+b*c)", a=5, b=3, c=2)
        >>> g.values["J"], g.grads["a"], g.grads["b"], g.grads["c"]
        (33.0, 3.0, 6.0, 9.0)
        >>> print(g.table())
    """

    expression: str
    nodes: list[Node]
    edges: list[Edge]
    output: str
    _index: dict[str, Node] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._index = {n.name: n for n in self.nodes}

    def node(self, name: str) -> Node:
        """The node called ``name`` (KeyError with the known names otherwise)."""
        try:
            return self._index[name]
        except KeyError:
            raise KeyError(f"graph: no node {name!r}; nodes are {list(self._index)}") from None

    @property
    def values(self) -> dict[str, float]:
        """Forward value of every node, by name."""
        return {n.name: n.value for n in self.nodes}

    @property
    def grads(self) -> dict[str, float]:
        """``dJ/d(node)`` for every node, by name."""
        return {n.name: n.grad for n in self.nodes}

    @property
    def inputs(self) -> list[Node]:
        """The variables, in order of first appearance."""
        return [n for n in self.nodes if n.is_input]

    def consumers(self, name: str) -> list[Edge]:
        """The edges leaving ``name`` (to the nodes that read it)."""
        return [e for e in self.edges if e.src == name]

    def backward_order(self) -> list[Node]:
        """Nodes from the output back: each after every node that reads it (the lesson's order)."""
        depth: dict[str, int] = {}
        for n in reversed(self.nodes):
            outs = self.consumers(n.name)
            depth[n.name] = 1 + max((depth[e.dst] for e in outs), default=-1)
        position = {n.name: i for i, n in enumerate(self.nodes)}
        return sorted(self.nodes, key=lambda n: (depth[n.name], position[n.name]))

    def chain_rule(self, name: str) -> str:
        """How ``dJ/d(name)`` follows from its consumers: ``dJ/du = dJ/dv * dv/du = 3 * 1 = 3``."""
        j, node = self.output, self.node(name)
        head = f"d{j}/d{name}"
        if node.is_output:
            return f"{head} = 1"
        outs = self.consumers(name)
        if len(outs) == 1 and outs[0].dst == j:
            return f"{head} = {_fmt(node.grad)}"
        symbolic = " + ".join(f"d{j}/d{e.dst} * d{e.dst}/d{name}" for e in outs)
        numeric = " + ".join(
            f"{_operand(self.node(e.dst).grad)} * {_operand(e.local)}" for e in outs
        )
        return f"{head} = {symbolic} = {numeric} = {_fmt(node.grad)}"

    def table(self) -> str:
        """The forward pass (value of every node) and the backward pass (dJ/d of every node)."""
        j = self.output
        first = self.expression if j == self.expression else f"{j} = {self.expression}"
        lines = [first, "", "forward pass (inputs to output):"]
        for n in self.nodes:
            rhs = _fmt(n.value) if n.is_input else f"{n.formula} = {_fmt(n.value)}"
            lines.append(f"  {n.name} = {rhs}")
        lines += ["", f"backward pass (d{j}/d node, chain rule from the output back):"]
        lines += [f"  {self.chain_rule(n.name)}" for n in self.backward_order()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    # ------------------------------------------------------------------ drawing
    def layout(self) -> dict[str, tuple[int, float]]:
        """``name -> (layer, row)`` of every node in the picture (see ``nnmath.graph_draw``)."""
        from .graph_draw import layout

        return layout(self)

    def to_svg(self) -> str:
        """The graph as a standalone SVG document (no Graphviz needed)."""
        from .graph_draw import to_svg

        return to_svg(self)

    def plot(self):
        """The picture as a matplotlib figure (shown in a notebook; saved by the lessons)."""
        from .graph_draw import draw

        return draw(self)

    def save(self, path: str | Path) -> Path:
        """Write the picture to ``path``: ``.svg`` (text, no dependency) or ``.png`` (matplotlib).

        Raises:
            ValueError: any other file suffix.
        """
        path = check_picture_path(path)
        if path.suffix.lower() == ".svg":
            path.write_text(self.to_svg(), encoding="utf-8")
        else:
            from .graph_draw import save_png

            save_png(self, path)
        return path


def check_picture_path(path: str | Path) -> Path:
    """``path`` as a Path if it names a picture :meth:`ComputationGraph.save` can write.

    Raises:
        ValueError: the suffix is not one of ``PICTURE_SUFFIXES`` (.svg, .png).
    """
    path = Path(path)
    if path.suffix.lower() not in PICTURE_SUFFIXES:
        raise ValueError(
            f"graph: cannot write {str(path)!r}: expected a file name ending in "
            f"{' or '.join(PICTURE_SUFFIXES)}"
        )
    return path


# --------------------------------------------------------------------------- building


class _Builder:
    """Walks the whitelisted AST, creating one Tensor (and one Node) per operation."""

    def __init__(self, expression: str, values: Mapping[str, float]) -> None:
        self.expression = expression
        self.values = values
        self.tensors: dict[str, Tensor] = {}
        self.nodes: list[Node] = []
        self.fns: dict[str, Callable[..., Tensor]] = {}
        self.taken = set(values) | {"J"}
        self.pool = iter([c for c in _NAME_POOL if c not in self.taken])
        self.counter = 0

    def fresh_name(self) -> str:
        for c in self.pool:
            return c
        self.counter += 1
        while f"n{self.counter}" in self.taken:
            self.counter += 1
        return f"n{self.counter}"

    def where(self, node: ast.AST) -> str:
        segment = ast.get_source_segment(self.expression, node)
        col = getattr(node, "col_offset", 0) + 1
        return f"{segment!r} (column {col})" if segment else f"column {col}"

    # each visit returns a float (a constant) or the name of a node
    def visit(self, node: ast.AST) -> float | str:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"graph: only numbers are allowed as constants, got {v!r}")
            return float(v)
        if isinstance(node, ast.Name):
            return self.variable(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            x = self.visit(node.operand)
            if isinstance(node.op, ast.UAdd):
                return x
            if not isinstance(x, str):
                return -x
            return self.add_node("neg", f"-{x}", (x,), lambda t: -t)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.binary(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _HINTS:
            raise ValueError(f"graph: {_HINTS[type(node.op)]}, at {self.where(node)}")
        if isinstance(node, ast.Call):
            return self.call(node)
        raise ValueError(
            f"graph: unsupported syntax at {self.where(node)}; allowed: numbers, names, "
            f"+ - * / **, unary -, parentheses and calls of {', '.join(FUNCTIONS)}"
        )

    def variable(self, node: ast.Name) -> str:
        name = node.id
        if name in FUNCTIONS:
            raise ValueError(
                f"graph: {name!r} is a function; call it with one argument, e.g. {name}(x)"
            )
        if name not in self.values:
            raise ValueError(
                f"graph: no value for {name!r} in {self.expression!r}; give it as {name}=<number>"
            )
        if name not in self.tensors:
            t = Tensor(np.float64(self.values[name]), requires_grad=True, dtype=np.float64)
            self.tensors[name] = t
            self.nodes.append(Node(name, None, "", (), float(self.values[name])))
        return name

    def binary(self, node: ast.BinOp) -> float | str:
        op, symbol, fn = _BINARY[type(node.op)]
        left, right = self.visit(node.left), self.visit(node.right)
        if not isinstance(left, str) and not isinstance(right, str):
            return self.fold(lambda: fn(left, right), node)
        formula = f"{_operand(left)}{symbol}{_operand(right)}"
        inputs = tuple(dict.fromkeys(x for x in (left, right) if isinstance(x, str)))
        if isinstance(left, str) and isinstance(right, str):
            if left == right:  # x*x: one input used twice

                def apply(t: Tensor) -> Tensor:
                    return fn(t, t)  # type: ignore[return-value]
            else:

                def apply(t: Tensor, u: Tensor) -> Tensor:  # type: ignore[misc]
                    return fn(t, u)  # type: ignore[return-value]
        elif isinstance(left, str):

            def apply(t: Tensor) -> Tensor:  # type: ignore[misc]
                return fn(t, np.float64(right))  # type: ignore[return-value]
        else:

            def apply(t: Tensor) -> Tensor:  # type: ignore[misc]
                return fn(np.float64(left), t)  # type: ignore[return-value]
        return self.add_node(op, formula, inputs, apply)

    def call(self, node: ast.Call) -> float | str:
        func = node.func
        if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
            shown = func.id if isinstance(func, ast.Name) else ast.unparse(func)
            raise ValueError(
                f"graph: unknown function {shown!r} at {self.where(node)}; allowed: "
                f"{', '.join(FUNCTIONS)}"
            )
        name = func.id
        if len(node.args) != 1 or node.keywords:
            raise ValueError(f"graph: {name}() takes exactly one argument, at {self.where(node)}")
        x = self.visit(node.args[0])

        def apply(t: Tensor) -> Tensor:
            return getattr(t, name)()

        if not isinstance(x, str):
            return self.fold(lambda: apply(Tensor(np.float64(x))).item(), node)
        return self.add_node(name, f"{name}({x})", (x,), apply)

    def fold(self, compute: Callable[[], object], node: ast.AST) -> float:
        with np.errstate(all="ignore"):
            try:
                value = float(compute())  # type: ignore[arg-type]
            except (ZeroDivisionError, OverflowError, ValueError) as exc:
                raise ValueError(f"graph: cannot evaluate {self.where(node)}: {exc}") from None
        return value

    def add_node(
        self, op: str, formula: str, inputs: tuple[str, ...], apply: Callable[..., Tensor]
    ) -> str:
        name = self.fresh_name()
        with np.errstate(all="ignore"):
            t = apply(*(self.tensors[i] for i in inputs)).retain_grad()
        self.tensors[name] = t
        self.fns[name] = apply
        self.nodes.append(Node(name, op, formula, inputs, float(t.item())))
        return name


def _operand(x: float | str) -> str:
    if isinstance(x, str):
        return x
    return f"({_fmt(x)})" if x < 0 else _fmt(x)


def _local_derivatives(apply: Callable[..., Tensor], values: Iterable[float]) -> list[float]:
    """``d apply / d input`` for each input, by the engine on fresh float64 leaves."""
    leaves = [Tensor(np.float64(v), requires_grad=True, dtype=np.float64) for v in values]
    with np.errstate(all="ignore"):
        apply(*leaves).backward()
    return [float(t.grad) if t.grad is not None else 0.0 for t in leaves]


def build_graph(
    expression: str, values: Mapping[str, float] | None = None, /, **more: float
) -> ComputationGraph:
    """Parse ``expression`` safely, evaluate it forward and backward, return the graph.

    Forward: every operation becomes a float64 ``Tensor`` op; backward: one
    ``J.backward()`` with ``retain_grad()`` on every intermediate node gives ``dJ/d(node)``.
    The local derivative of every edge comes from the same engine on fresh leaves, so the
    chain rule ``dJ/dx = sum over consumers y of dJ/dy * dy/dx`` can be printed and checked.

    Args:
        expression: e.g. ``"3*(a+b*c)"`` or ``"sigmoid(w*x+b)"``; numbers, names,
            ``+ - * / **``, unary ``-``, parentheses and ``exp log sqrt tanh sigmoid relu abs``.
        values: a mapping ``name -> number``; keyword arguments are merged into it.

    Returns:
        The :class:`ComputationGraph` (``.table()``, ``.to_svg()``, ``.save(path)``).

    Raises:
        ValueError: bad syntax, a name without a value, a value for a name the expression
            does not use, an unknown function, or an expression without variables.

    Example:
        >>> build_graph("3*(a+b*c)", a=5, b=3, c=2).grads
        {'a': 3.0, 'b': 6.0, 'c': 9.0, 'u': 3.0, 'v': 3.0, 'J': 1.0}
    """
    given = {**(values or {}), **more}
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError("graph: expected an expression such as '3*(a+b*c)', got nothing")
    if len(expression) > _MAX_CHARS:
        raise ValueError(f"graph: expression too long ({len(expression)} > {_MAX_CHARS} chars)")
    for key, v in given.items():
        if not isinstance(v, (int, float, np.integer, np.floating)) or isinstance(v, bool):
            raise ValueError(f"graph: value of {key!r} must be a number, got {v!r}")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as exc:
        raise ValueError(
            f"graph: invalid syntax in {expression!r} at column {exc.offset}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ValueError("graph: expression nested too deeply") from None
    expression = expression.strip()
    builder = _Builder(expression, given)
    try:
        result = builder.visit(tree.body)
    except RecursionError:
        raise ValueError("graph: expression nested too deeply") from None
    if not isinstance(result, str):
        raise ValueError(
            f"graph: {expression!r} has no variables (it is the constant {_fmt(result)}); "
            "use names such as a, b, c and give their values"
        )
    unused = [k for k in given if k not in builder.tensors]
    if unused:
        raise ValueError(
            f"graph: {', '.join(map(repr, unused))} not used in {expression!r}; "
            "remove the value or use the name"
        )
    nodes = builder.nodes
    out = next(n for n in nodes if n.name == result)
    if out.op is not None:  # rename the last intermediate to J, as the lesson does
        j = next(c for c in ("J", "out", "output", "out_") if c not in given)
        out.name = j
        builder.tensors[j] = builder.tensors.pop(result)
        builder.fns[j] = builder.fns.pop(result)
    out.is_output = True
    with np.errstate(all="ignore"):  # inf/nan values (a/0, log(-1)) are shown, not warned
        builder.tensors[out.name].backward()
    for n in nodes:
        grad = builder.tensors[n.name].grad
        n.grad = float(grad) if grad is not None else 0.0
    edges = []
    for n in nodes:
        if n.op is None:
            continue
        inputs = (builder.tensors[i].item() for i in n.inputs)
        locals_ = _local_derivatives(builder.fns[n.name], inputs)
        edges += [Edge(i, n.name, d) for i, d in zip(n.inputs, locals_, strict=True)]
    return ComputationGraph(expression, nodes, edges, out.name)


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """``["a=5", "b=3"] -> {"a": 5.0, "b": 3.0}`` (the command line's ``name=value`` words).

    Raises:
        ValueError: a word without ``=``, a bad name, a non-number, or a name given twice.
    """
    values: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ValueError(f"graph: expected name=value (e.g. a=5), got {item!r}")
        if not name.isidentifier():
            raise ValueError(f"graph: {name!r} is not a valid variable name (in {item!r})")
        if name in values:
            raise ValueError(f"graph: {name!r} is given twice")
        try:
            values[name] = float(text)
        except ValueError:
            raise ValueError(
                f"graph: value of {name!r} must be a number, got {text!r} (in {item!r})"
            ) from None
    return values
