"""nnmath.lessons: registry, context, runner and the report writer (in-process, cheap lessons)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnmath import lessons, report


def test_registry_lists_the_sixteen_lessons_in_order():
    names = [n for n, _ in lessons.list_lessons()]
    assert names == ["images", "tensors", "linear-regression", "gradient-descent",
                     "house-prices", "logistic-regression", "computation-graph",
                     "vectorization", "activations-and-losses", "shallow-network",
                     "deep-network", "mnist-mlp", "convolution", "pooling", "cnn-mnist",
                     "loss-landscape"]
    for name in names:
        mod = lessons.get_lesson(name)
        assert mod.TITLE and mod.SUMMARY and mod.EXPLANATION and mod.FORMULAS
        assert callable(mod.run) and isinstance(mod.LONG, bool)


def test_unknown_lesson_is_rejected_before_anything_runs(tmp_path):
    with pytest.raises(KeyError, match=r"unknown lesson 'nope'.*nnmath lessons --list"):
        lessons.run_lessons(["tensors", "nope"], out_dir=tmp_path)
    assert not (tmp_path / "index.html").exists()


def test_run_lessons_writes_report_with_output_figures_numbers(tmp_path, capsys):
    results = lessons.run_lessons(["computation-graph", "gradient-descent"], out_dir=tmp_path)
    assert [r.name for r in results] == ["computation-graph", "gradient-descent"]
    printed = capsys.readouterr().out
    cg = results[0]
    assert cg.error is None and "J = 3v = 33" in cg.output and cg.output in printed
    assert cg.numbers["backward"]["dJ/dc"] == 9.0
    assert all((tmp_path / f).read_bytes()[:4] == b"\x89PNG" for r in results for f in r.figures)
    doc = json.loads((tmp_path / "numbers.json").read_text())
    assert doc["lessons"]["gradient-descent"]["numbers"]["behaviour"]["1.0"] == "diverging"
    page = (tmp_path / "index.html").read_text()
    assert "J = 3(a + bc)" in page and 'src="figures/computation-graph-graph.png"' in page


def test_a_failing_lesson_is_reported_not_hidden(tmp_path, monkeypatch):
    mod = lessons.get_lesson("tensors")

    def boom(ctx):
        print("half way")
        raise RuntimeError("exploded")

    monkeypatch.setattr(mod, "run", boom)
    [r] = lessons.run_lessons(["tensors"], out_dir=tmp_path)
    assert r.error == "RuntimeError: exploded" and "half way" in r.output
    page = (tmp_path / "index.html").read_text()
    assert "This lesson failed" in page and "exploded" in page


def test_user_image_is_used(tmp_path):
    from nnmath import images

    rng = np.random.default_rng(1)
    img = images.save_image(tmp_path / "me.png", rng.integers(0, 255, (40, 30, 3), np.uint8))
    [r] = lessons.run_lessons(["images"], out_dir=tmp_path / "r", image=img)
    assert r.error is None and r.numbers["shape"] == [40, 30, 3]


def test_report_escapes_html(tmp_path):
    r = lessons.LessonResult(name="x", title="<b>T</b>", summary="s", explanation="a < b & c",
                             formulas=["y = <x>"], output="<script>alert(1)</script>",
                             figures=[], numbers={"v": np.float64(1.5).item()}, seconds=0.1,
                             fast=False)
    page = report.render_html([r])
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "a &lt; b" in page
    report.write_report([r], tmp_path)
    assert json.loads((tmp_path / "numbers.json").read_text())["lessons"]["x"]["numbers"] == {
        "v": 1.5}


def test_output_capture_collapses_progress_lines():
    tee = lessons._Tee(open("/dev/null", "w"))
    tee.write("Epoch 1\r10%\r100% done\nnext line\n")
    assert tee.text() == "100% done\nnext line"
