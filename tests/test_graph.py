"""The computation-graph demo: the lesson's numbers, the chain rule, safety, pictures, CLI."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from nnmath.cli import main
from nnmath.graph import build_graph, parse_assignments


def test_lesson_example_values_and_derivatives():
    g = build_graph("3*(a+b*c)", a=5, b=3, c=2)
    assert [n.name for n in g.nodes] == ["a", "b", "c", "u", "v", "J"]
    assert g.values == {"a": 5.0, "b": 3.0, "c": 2.0, "u": 6.0, "v": 11.0, "J": 33.0}
    assert g.grads == {"a": 3.0, "b": 6.0, "c": 9.0, "u": 3.0, "v": 3.0, "J": 1.0}
    assert g.output == "J" and g.node("J").is_output
    assert [n.formula for n in g.nodes if not n.is_input] == ["b*c", "a+u", "3*v"]
    # the lesson walks backward: v, then a and u, then b and c
    assert [n.name for n in g.backward_order()] == ["J", "v", "a", "u", "b", "c"]


def test_lesson_table_text():
    lines = [line.strip() for line in build_graph("3*(a+b*c)", a=5, b=3, c=2).table().splitlines()]
    for want in [
        "u = b*c = 6",
        "v = a+u = 11",
        "J = 3*v = 33",
        "dJ/dv = 3",
        "dJ/du = dJ/dv * dv/du = 3 * 1 = 3",
        "dJ/da = dJ/dv * dv/da = 3 * 1 = 3",
        "dJ/db = dJ/du * du/db = 3 * 2 = 6",
        "dJ/dc = dJ/du * du/dc = 3 * 3 = 9",
    ]:
        assert want in lines, f"missing line {want!r}"


def test_edges_carry_local_derivatives():
    g = build_graph("3*(a+b*c)", a=5, b=3, c=2)
    local = {(e.src, e.dst): e.local for e in g.edges}
    # u = b*c: du/db = c = 2, du/dc = b = 3; v = a+u; J = 3*v
    want = {("b", "u"): 2.0, ("c", "u"): 3.0, ("a", "v"): 1.0, ("u", "v"): 1.0, ("v", "J"): 3.0}
    assert local == want


EXPRESSIONS = [
    ("sigmoid(w*x+b) + x*x - exp(-x)/2 + relu(a)**2", lambda w, x, b, a: (
        1 / (1 + math.exp(-(w * x + b))) + x * x - math.exp(-x) / 2 + max(a, 0.0) ** 2)),
    ("log(a*b) / sqrt(c) - tanh(a-c)", lambda a, b, c: (
        math.log(a * b) / math.sqrt(c) - math.tanh(a - c))),
    ("abs(x - y) * x ** y + -x / (y + 2)", lambda x, y: abs(x - y) * x**y + -x / (y + 2)),
    ("(a + a) * a - 2 ** a", lambda a: (a + a) * a - 2**a),
]


@pytest.mark.parametrize(("expr", "ref"), EXPRESSIONS, ids=[e for e, _ in EXPRESSIONS])
def test_random_expressions_against_math_and_finite_differences(expr, ref, rng):
    names = ref.__code__.co_varnames[: ref.__code__.co_argcount]
    for _ in range(3):
        draws = rng.uniform(0.3, 2.0, len(names))
        values = {k: float(v) for k, v in zip(names, draws, strict=True)}
        g = build_graph(expr, values)
        j = g.values[g.output]
        assert j == pytest.approx(ref(**values), rel=1e-12)
        for k in names:  # dJ/dk by central differences of the reference
            eps = 1e-6
            up = ref(**{**values, k: values[k] + eps})
            down = ref(**{**values, k: values[k] - eps})
            assert g.grads[k] == pytest.approx((up - down) / (2 * eps), rel=1e-6, abs=1e-8)
        # the chain rule holds node by node: dJ/dx = sum over consumers y of dJ/dy * dy/dx
        for n in g.nodes:
            outs = g.consumers(n.name)
            if outs:
                total = sum(g.node(e.dst).grad * e.local for e in outs)
                assert n.grad == pytest.approx(total, rel=1e-12, abs=1e-15)


def test_fan_out_sums_the_paths():
    g = build_graph("x*x + 3*x", x=2)
    assert g.grads["x"] == 7.0  # 2x + 3
    assert "dJ/dx = dJ/du * du/dx + dJ/dv * dv/dx = 1 * 4 + 1 * 3 = 7" in g.table()


def test_names_never_collide_with_variables():
    g = build_graph("u*v + J", u=2, v=3, J=4)
    names = [n.name for n in g.nodes]
    assert len(set(names)) == len(names) and g.output not in {"u", "v", "J"}
    assert g.values[g.output] == 10.0 and g.grads["u"] == 3.0 and g.grads["J"] == 1.0


def test_single_variable_and_constants_folded():
    g = build_graph("a", a=4)
    assert g.output == "a" and g.grads == {"a": 1.0}
    g = build_graph("(2*3 - exp(0)) * a", a=4)  # constants fold into the formula
    assert [n.formula for n in g.nodes if not n.is_input] == ["5*a"]
    assert g.grads["a"] == 5.0


def test_never_executes_code(tmp_path):
    target = tmp_path / "pwned"
    for expr in [
        f"open({str(target)!r}, 'w')",
        "__import__('os').system('echo hi')",
        "a.__class__",
        "(lambda: 1)()",
        "[a for a in b]",
        "a[0]",
        "'text'",
        "a if b else c",
        "a < b",
    ]:
        with pytest.raises(ValueError, match="graph: "):
            build_graph(expr, a=1, b=2, c=3)
    assert not target.exists()


@pytest.mark.parametrize(
    ("expr", "values", "message"),
    [
        ("3*(a+b*c)", {"a": 5, "b": 3}, "no value for 'c'"),
        ("a+b", {"a": 1, "b": 2, "d": 3}, "'d' not used"),
        ("3*(a+b", {"a": 1, "b": 2}, "invalid syntax"),
        ("foo(a)", {"a": 1}, "unknown function 'foo'"),
        ("exp(a, a)", {"a": 1}, "exactly one argument"),
        ("exp + a", {"a": 1}, "'exp' is a function"),
        ("a ^ 2", {"a": 1}, "use \\*\\* for powers"),
        ("2*3", {}, "no variables"),
        ("", {}, "expected an expression"),
        ("a + 1/0", {"a": 1}, "cannot evaluate"),
        ("a + True", {"a": 1}, "only numbers"),
    ],
)
def test_errors_are_clear(expr, values, message):
    with pytest.raises(ValueError, match=message):
        build_graph(expr, values)


def test_parse_assignments():
    assert parse_assignments(["a=5", "b = -2.5", "c=1e3"]) == {"a": 5.0, "b": -2.5, "c": 1000.0}
    for bad, message in [(["a5"], "name=value"), (["a=x"], "must be a number"),
                         (["1a=2"], "not a valid variable name"), (["a=1", "a=2"], "twice")]:
        with pytest.raises(ValueError, match=message):
            parse_assignments(bad)


def test_svg_is_well_formed_and_complete(tmp_path):
    g = build_graph("3*(a+b*c)", a=5, b=3, c=2)
    path = g.save(tmp_path / "graph.svg")
    root = ET.parse(path).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    for want in ["J = 3*v", "value 33", "dJ/db = 6", "dJ/dc = 9", "u = b*c", "du/db = 2"]:
        assert want in texts
    assert len(root.findall(f"{ns}rect")) == 1 + len(g.nodes)  # background + one per node
    assert len(root.findall(f"{ns}path")) == len(g.edges)
    # layered: inputs left of u, u left of v, v left of J
    x = {}
    for rect, title in zip(root.findall(f"{ns}rect")[1:], g.nodes, strict=True):
        x[title.name] = float(rect.get("x"))
    assert max(x["a"], x["b"], x["c"]) < x["u"] < x["v"] < x["J"]


def test_png_and_bad_suffix(tmp_path):
    from PIL import Image

    g = build_graph("sigmoid(w*x+b)", w=0.5, x=2, b=-1)
    path = g.save(tmp_path / "graph.png")
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > 300 and im.size[1] > 150
        assert np.asarray(im.convert("L")).std() > 5  # something was drawn
    with pytest.raises(ValueError, match=r"\.svg or \.png"):
        g.save(tmp_path / "graph.pdf")


def test_cli_prints_the_walkthrough_and_writes_the_picture(tmp_path, capsys):
    out = tmp_path / "g.svg"
    assert main(["graph", "3*(a+b*c)", "a=5", "b=3", "c=2", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "J = 3*v = 33" in text and "dJ/dc = dJ/du * du/dc = 3 * 3 = 9" in text
    assert out.read_text().startswith("<svg")


def test_cli_errors_are_one_line(capsys):
    assert main(["graph", "3*(a+b*c)", "a=5", "b=3"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "nnmath graph: error: no value for 'c' in '3*(a+b*c)'; give it as c=<number>"


def test_cli_checks_the_picture_suffix_before_any_output(tmp_path, capsys):
    out = tmp_path / "g.pdf"
    assert main(["graph", "3*(a+b*c)", "a=5", "b=3", "c=2", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "expected a file name ending in .svg or .png" in captured.err
    assert not out.exists()


def test_cli_expression_with_a_leading_minus_after_double_dash(capsys):
    assert main(["graph", "--", "-a*b", "a=3", "b=2"]) == 0
    text = capsys.readouterr().out
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "J = -a*b" and "J = u*b = -6" in lines and "dJ/db = -3" in lines
    assert "dJ/da = dJ/du * du/da = 2 * (-1) = -2" in lines


@pytest.mark.parametrize("expr", ["3*(a+b*c)", "a*b + a + c*(a-b)", "sigmoid(w*x+b)*x + w"])
def test_arrows_never_run_through_a_box_they_do_not_join(expr):
    from nnmath.graph_draw import _boxes, edge_routes

    names = sorted(set(re.findall(r"\b[a-z]\b", expr)))
    g = build_graph(expr, {n: 1.5 for n in names})
    boxes, _, _ = _boxes(g)
    routes = edge_routes(g)
    assert set(routes) == {(e.src, e.dst) for e in g.edges}
    for (src, dst), points in routes.items():
        pts = np.array(points)
        assert np.allclose(pts[0], (boxes[src][0] + boxes[src][2], boxes[src][1] + 33))
        assert pts[-1][0] == pytest.approx(boxes[dst][0])
        # sample the arrow densely (straight pieces between the route points; the drawn
        # S-curves stay inside each piece's bounding box, which we check too)
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            for name, (bx, by, bw, bh) in boxes.items():
                if name in (src, dst):
                    continue
                overlap_x = min(x0, x1) < bx + bw - 1 and max(x0, x1) > bx + 1
                overlap_y = min(y0, y1) < by + bh - 1 and max(y0, y1) > by + 1
                assert not (overlap_x and overlap_y), f"{src}->{dst} crosses {name}"
    # the lecture's a -> v skips u's layer: it goes round u, not straight through it
    if expr == "3*(a+b*c)":
        assert len(routes[("a", "v")]) == 4 and len(routes[("u", "v")]) == 2
