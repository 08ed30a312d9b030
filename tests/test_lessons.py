"""nnmath.lessons: the literate lesson files, registry, cell runner, report and notebooks
(in-process, cheap lessons; the all-lessons runs are in test_report.py)."""

from __future__ import annotations

import ast
import html.parser
import importlib
import json
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from nnmath import _markdown, cli, lessons, report
from nnmath.lessons import _Registry
from nnmath.lessons._run import LessonResult, _Tee
from nnmath.lessons._source import parse_lesson

LESSON_ORDER = ["images", "tensors", "linear-regression", "gradient-descent", "house-prices",
           "logistic-regression", "computation-graph", "vectorization",
           "activations-and-losses", "shallow-network", "deep-network", "mnist-mlp",
           "convolution", "pooling", "cnn-mnist", "loss-landscape", "learning-rate-search"]


def test_registry_finds_the_lesson_files_in_teaching_order():
    names = list(lessons.LESSONS)
    assert [n for n in names if n in LESSON_ORDER] == LESSON_ORDER
    for name in names:
        lesson = lessons.get_lesson(name)
        assert lesson.path.name == name.replace("-", "_") + ".py"
        assert lesson.title and lesson.summary and lesson.cells
        assert lesson.cells[0].kind == "markdown" and lesson.cells[0].source.startswith("# ")
        kinds = {c.kind for c in lesson.cells}
        assert kinds == {"markdown", "code"}
        assert any("$$" in c.source for c in lesson.cells if c.kind == "markdown"), name
        for cell in lesson.code_cells():  # every cell is valid Python on its own
            last = ast.parse(cell.source).body[-1]
            # a cell ending in a bare call would show its value in Jupyter (a figure twice)
            if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call):
                func = last.value.func
                called = getattr(func, "attr", getattr(func, "id", ""))
                assert called in ("print", "record", "tight_layout"), (
                    f"{name}:{cell.line} ends in {called}()")
        code = "\n".join(c.source for c in lesson.code_cells())
        assert "lessons.record(" in code, f"{name} records no numbers"
        assert "ctx." not in code and "lessons._" not in code  # no framework plumbing
        # --fast is read in one visible place: the first code cell
        assert code.count("fast_mode()") == int(lesson.long)
        if lesson.long:
            assert "FAST = lessons.fast_mode()" in lesson.code_cells()[0].source


def test_adding_a_lesson_is_one_file(tmp_path):
    (tmp_path / "b_second.py").write_text(
        "# nnmath lesson\n# order: 2\n# summary: the second\n\n# %% [markdown]\n# # Second\n"
        "#\n# Text with $x^2$.\n\n# %%\nprint('two')\n")
    (tmp_path / "a_first.py").write_text(
        "# nnmath lesson\n# order: 1\n# summary: the first\n# headline: x = {x}\n"
        "# headline: (continued)\n\n# %% [markdown]\n# # First\n\n# %%\nx = 1\n\n\n"
        "# %%\nfrom nnmath import lessons\n\n# Figure: nothing\n#   at all\nlessons.record(x=x)\n")
    (tmp_path / "helper.py").write_text("X = 1\n")  # not a lesson: no header
    reg = _Registry(tmp_path)
    assert list(reg) == ["a-first", "b-second"]
    first = reg["a-first"]
    assert first.title == "First" and first.headline == "x = {x} (continued)"
    assert [c.kind for c in first.cells] == ["markdown", "code", "code"]
    assert first.cells[1].source == "x = 1" and first.cells[1].line == 11
    assert first.cells[2].captions() == ["nothing at all"]
    assert not first.long


def test_bad_lesson_files_say_what_is_missing(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("# %%\nprint(1)\n")
    with pytest.raises(ValueError, match="does not start with '# nnmath lesson'"):
        parse_lesson(bad)
    bad.write_text("# nnmath lesson\n# order: 1\n\n# %%\nprint(1)\n")
    with pytest.raises(ValueError, match=r"no .# summary: \.\.\.. line"):
        parse_lesson(bad)
    bad.write_text("# nnmath lesson\n# order: 1\n# summary: s\n\n# %%\nprint(1)\n")
    with pytest.raises(ValueError, match="has no title"):
        parse_lesson(bad)


def test_a_lesson_is_an_importable_python_module(capsys):
    sys.modules.pop("nnmath.lessons.computation_graph", None)
    importlib.import_module("nnmath.lessons.computation_graph")  # runs top to bottom
    assert "J = 3v = 33" in capsys.readouterr().out
    assert lessons.recorded()["backward"]["dJ/dc"] == 9.0
    import matplotlib.pyplot as plt

    plt.close("all")


def test_unknown_lesson_is_rejected_before_anything_runs(tmp_path):
    with pytest.raises(KeyError, match=r"unknown lesson 'nope'.*nnmath lessons --list"):
        lessons.run_lessons(["tensors", "nope"], out_dir=tmp_path)
    assert not (tmp_path / "index.html").exists()


def test_run_lessons_writes_report_with_output_figures_numbers(tmp_path, capsys):
    results = lessons.run_lessons(["computation-graph", "gradient-descent"], out_dir=tmp_path)
    assert [r.name for r in results] == ["computation-graph", "gradient-descent"]
    printed = capsys.readouterr().out
    cg = results[0]
    assert cg.error is None and "J = 3v = 33" in cg.output
    for cell in cg.cells:
        if cell["kind"] == "code" and cell["output"]:
            assert cell["output"] in printed  # what the report shows is what was printed
    assert cg.numbers["backward"]["dJ/dc"] == 9.0
    assert cg.headline == "J = 33; dJ/da = 3, dJ/db = 6, dJ/dc = 9"
    assert all((tmp_path / f).read_bytes()[:4] == b"\x89PNG" for r in results for f in r.figures)
    figs = [f for r in results for c in r.cells for f in c.get("figures", [])]
    assert len(figs) == 4 and all(f["from_source"] for f in figs)
    doc = json.loads((tmp_path / "numbers.json").read_text())
    gd = doc["lessons"]["gradient-descent"]["numbers"]
    assert gd["behaviour"] == {"1.0": "diverging", "0.1": "oscillating", "0.01": "right",
                               "0.001": "too slow"}
    # autodiff descent on J = 9.5 (w - 2)^2 + 1 from w = 0: w_t = 2 - 2 (1 - 19 alpha)^t
    for lr, w30 in gd["w_after_30_steps"].items():
        assert w30 == pytest.approx(2 - 2 * (1 - 19 * float(lr)) ** 30, rel=1e-9)
    page = (tmp_path / "index.html").read_text()
    assert 'src="figures/computation-graph-1.png"' in page
    assert "graph = build_graph(&quot;3*(a+b*c)&quot;" in page  # the code is on the page


def _temp_lesson(tmp_path, monkeypatch, name, code):
    """Replace lesson ``name`` by a one-cell lesson running ``code``."""
    path = tmp_path / "src" / f"{name.replace('-', '_')}.py"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"# nnmath lesson\n# order: 1\n# summary: s\n\n# %% [markdown]\n# # T\n\n"
                    f"# %%\n{code}\n\n# %%\nprint('never')\n")
    monkeypatch.setitem(lessons.LESSONS._all(), name, parse_lesson(path))


def test_a_failing_lesson_is_reported_not_hidden(tmp_path, monkeypatch):
    _temp_lesson(tmp_path, monkeypatch, "tensors",
                 "print('half way')\nraise RuntimeError('exploded')")
    [r] = lessons.run_lessons(["tensors"], out_dir=tmp_path / "r")
    assert r.error == "RuntimeError: exploded" and "half way" in r.output
    assert "never" not in r.output and r.cells[-1]["error"].startswith("not run")
    page = (tmp_path / "r" / "index.html").read_text()
    assert "This lesson failed" in page and "exploded" in page


def test_failing_lesson_on_missing_files_prints_the_message_not_a_traceback(
        tmp_path, monkeypatch, capsys):
    _temp_lesson(tmp_path, monkeypatch, "tensors", "raise FileNotFoundError("
                 "'datasets.x: 1 file missing in /d/x\\n  x.gz from https://...')")
    [r] = lessons.run_lessons(["tensors"], out_dir=tmp_path, write_report=False)
    assert r.error == "FileNotFoundError: datasets.x: 1 file missing in /d/x"
    err = capsys.readouterr().err
    assert "Traceback" not in err and "x.gz from" in r.output


def test_failed_lessons_end_with_one_summary_line(tmp_path, monkeypatch, capsys):
    _temp_lesson(tmp_path, monkeypatch, "tensors", "raise RuntimeError('exploded\\nsecond')")
    assert cli.main(["lessons", "tensors", "computation-graph", "--out",
                     str(tmp_path / "r")]) == 1
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("nnmath")]
    assert err == ["nnmath lessons: error: 1 of 2 lessons failed (tensors); first: "
                   "RuntimeError: exploded"]
    assert (tmp_path / "r" / "index.html").is_file()  # the report is written all the same


def test_user_image_is_used(tmp_path):
    from nnmath import images

    rng = np.random.default_rng(1)
    img = images.save_image(tmp_path / "me.png", rng.integers(0, 255, (40, 30, 3), np.uint8))
    [r] = lessons.run_lessons(["images"], out_dir=tmp_path / "r", image=img)
    assert r.error is None and r.numbers["shape"] == [40, 30, 3]


def test_image_option_must_be_a_picture(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(ValueError, match="not an image"):
        lessons.run_lessons(["images"], out_dir=tmp_path / "r", image=text)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        lessons.run_lessons(["images"], out_dir=tmp_path / "r", image=tmp_path / "none.jpg")
    assert not (tmp_path / "r").exists()


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.sections: list[str] = []
        self.text_in: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        if tag == "section":
            self.sections.append(dict(attrs)["id"])

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        for tag in set(self.stack):
            self.text_in.setdefault(tag, []).append(data)


def test_report_keeps_earlier_lessons_and_clean_starts_afresh(tmp_path):
    out = tmp_path / "rep"
    assert cli.main(["lessons", "tensors", "computation-graph", "--out", str(out)]) == 0
    assert cli.main(["lessons", "pooling", "--out", str(out)]) == 0
    doc = json.loads((out / "numbers.json").read_text())
    assert list(doc["lessons"]) == ["tensors", "computation-graph", "pooling"]  # taught order
    assert doc["lessons"]["tensors"]["numbers"]["dot_bb"] == 1400.0
    assert doc["lessons"]["computation-graph"]["numbers"]["forward"]["J"] == 33.0
    assert doc["lessons"]["pooling"]["numbers"]["max_pool"] == [[9.0, 2.0], [6.0, 3.0]]
    page = _Page()
    page.feed((out / "index.html").read_text(encoding="utf-8"))
    assert page.sections == ["tensors", "computation-graph", "pooling"]
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert figures == ["computation-graph-1.png", "pooling-1.png", "tensors-1.png"]
    # rerunning one lesson replaces its own section only
    assert cli.main(["lessons", "tensors", "--out", str(out)]) == 0
    doc = json.loads((out / "numbers.json").read_text())
    assert list(doc["lessons"]) == ["tensors", "computation-graph", "pooling"]
    assert cli.main(["lessons", "pooling", "--clean", "--out", str(out)]) == 0
    doc = json.loads((out / "numbers.json").read_text())
    assert list(doc["lessons"]) == ["pooling"]
    assert sorted(p.name for p in (out / "figures").iterdir()) == ["pooling-1.png"]


def test_report_escapes_html_and_typesets_formulas(tmp_path):
    r = LessonResult(
        name="x", title="<b>T</b>", summary="s",
        cells=[{"kind": "markdown", "source": "# <b>T</b>\n\na < b & c, $\\frac{a}{b}$\n\n"
                                              "$$J = \\sum_i x_i$$"},
               {"kind": "code", "source": "print('<script>')", "output": "<script>alert(1)",
                "figures": [], "error": None}],
        numbers={"v": 1.5}, seconds=0.1, fast=False, headline="v = 1.5 <ok>")
    page = report.render_html([r])
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "a &lt; b" in page
    assert page.count("<math") == 2 and "<mfrac>" in page and 'display="block"' in page
    assert "v = 1.5 &lt;ok&gt;" in page and "<details" in page
    report.write_report([r], tmp_path)
    assert json.loads((tmp_path / "numbers.json").read_text())["lessons"]["x"]["numbers"] == {
        "v": 1.5}


def test_markdown_converter():
    out = _markdown.to_html("## Head\n\nSome *it* and **bold** with `x<y` and $a_i$.\n"
                            "Next line [link](https://a.b).\n\n- one\n- two $z$\n\n"
                            "$$\nJ = \\frac{1}{m}\n$$\n")
    assert "<h3>Head</h3>" in out and "<em>it</em>" in out and "<strong>bold</strong>" in out
    assert "<code>x&lt;y</code>" in out and '<a href="https://a.b">link</a>' in out
    assert "<ul><li>one</li><li>two <math" in out
    assert out.count("<math") == 3 and '<div class="formula"><math' in out
    assert "$" not in out


def test_output_capture_collapses_progress_lines():
    tee = _Tee(open("/dev/null", "w"))
    tee.write("Epoch 1\r10%\r100% done\nnext line\n")
    assert tee.text() == "100% done\nnext line"


def test_activation_lesson_softmax_jacobian_matches_finite_differences(tmp_path):
    from nnmath.classic import basics

    [r] = lessons.run_lessons(["activations-and-losses"], out_dir=tmp_path)
    assert r.error is None
    assert set(r.numbers["autodiff_gap"]) == {"relu", "sigmoid", "tanh", "softmax"}
    assert max(r.numbers["autodiff_gap"].values()) < 1e-12
    jac = np.array(r.numbers["softmax_jacobian"])
    z, h = np.array([3.0, 1.0, 0.2]), 1e-6
    g = np.random.default_rng(3).standard_normal(3)  # random upstream gradient: g^T J
    fd = [(g @ basics.softmax(z + h * e) - g @ basics.softmax(z - h * e)) / (2 * h)
          for e in np.eye(3)]
    np.testing.assert_allclose(g @ jac, fd, atol=1e-9)


def test_notebooks_are_the_lesson_files_cell_for_cell(tmp_path, capsys):
    assert cli.main(["lessons", "--notebooks", str(tmp_path / "nb")]) == 0
    assert "wrote" in capsys.readouterr().out
    paths = sorted((tmp_path / "nb").glob("*.ipynb"))
    assert [p.stem for p in paths] == sorted(lessons.LESSONS)
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        lesson = lessons.get_lesson(path.stem)
        mine = [(c.kind, c.source) for c in lesson.cells]
        assert [(c.cell_type, c.source) for c in nb.cells][: len(mine)] == mine
        assert nb.metadata.kernelspec.name == "python3"
    assert cli.main(["lessons", "tensors", "--notebooks", str(tmp_path / "one")]) == 0
    assert [p.name for p in (tmp_path / "one").iterdir()] == ["tensors.ipynb"]


def test_lessons_list_exercises_when_the_exercises_module_offers_them(tmp_path, monkeypatch):
    import types

    fake = types.ModuleType("nnmath.exercises")
    fake.for_lesson = lambda name: [(f"{name}.first", "do the first thing")]
    monkeypatch.setitem(sys.modules, "nnmath.exercises", fake)
    [r] = lessons.run_lessons(["tensors"], out_dir=tmp_path)
    assert r.exercises == [("tensors.first", "do the first thing")]
    page = (tmp_path / "index.html").read_text()
    assert "<h3>Exercises</h3>" in page and "tensors.first" in page
    [nb] = lessons.write_notebooks(tmp_path / "nb", ["tensors"])
    last = nbformat.read(nb, as_version=4).cells[-1]
    assert last.cell_type == "markdown" and "tensors.first" in last.source


def test_readme_names_the_notebook_command():
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "nnmath lessons --notebooks" in text and "jupyter" in text.lower()


def test_a_notebook_gets_the_same_thread_limit_as_the_command_line():
    import subprocess

    code = ("import os; from threadpoolctl import threadpool_info; from nnmath import lessons; "
            "print(max(i['num_threads'] for i in threadpool_info()))")
    env = {k: v for k, v in __import__("os").environ.items()
           if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                        "NNMATH_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert out.stdout.strip() == "1"
