"""nnmath.lessons: registry, context, runner and the report writer (in-process, cheap lessons)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nnmath import lessons, report


def test_registry_lists_the_seventeen_lessons_in_order():
    names = [n for n, _ in lessons.list_lessons()]
    assert names == ["images", "tensors", "linear-regression", "gradient-descent",
                     "house-prices", "logistic-regression", "computation-graph",
                     "vectorization", "activations-and-losses", "shallow-network",
                     "deep-network", "mnist-mlp", "convolution", "pooling", "cnn-mnist",
                     "loss-landscape", "learning-rate-search"]
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
    gd = doc["lessons"]["gradient-descent"]["numbers"]
    assert gd["behaviour"] == {"1.0": "diverging", "0.1": "oscillating", "0.01": "right",
                               "0.001": "too slow"}
    # autodiff descent on J = 9.5 (w - 2)^2 + 1 from w = 0: w_t = 2 - 2 (1 - 19 alpha)^t
    for lr, w30 in gd["w_after_30_steps"].items():
        assert w30 == pytest.approx(2 - 2 * (1 - 19 * float(lr)) ** 30, rel=1e-9)
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


def test_failing_lesson_on_missing_files_prints_the_message_not_a_traceback(
        tmp_path, monkeypatch, capsys):
    mod = lessons.get_lesson("tensors")

    def missing(ctx):
        raise FileNotFoundError("datasets.x: 1 file missing in /d/x\n  x.gz from https://...")

    monkeypatch.setattr(mod, "run", missing)
    [r] = lessons.run_lessons(["tensors"], out_dir=tmp_path, write_report=False)
    assert r.error == "FileNotFoundError: datasets.x: 1 file missing in /d/x"
    err = capsys.readouterr().err
    assert "Traceback" not in err and "x.gz from" in r.output


def test_image_option_must_be_a_picture(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture")
    with pytest.raises(ValueError, match="not an image"):
        lessons.run_lessons(["images"], out_dir=tmp_path / "r", image=text)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        lessons.run_lessons(["images"], out_dir=tmp_path / "r", image=tmp_path / "none.jpg")
    assert not (tmp_path / "r").exists()
