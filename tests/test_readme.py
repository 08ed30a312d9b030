"""The README's main-job command, run exactly as written, and the report it produces.

The command (``python3 -m pip install -e ".[all]" && nnmath lessons --all --out report``) is
taken from README.md and run by bash in a temporary copy of the project (pyproject.toml,
README.md, src/) inside a fresh virtual environment that sees the test interpreter's
packages, so ``pip install -e .`` installs into that environment and never touches the one
running the tests. NNMATH_DATA points at the shared data. Then the full (non-fast) report is
checked: every lesson present, every figure a valid PNG, and the published numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from test_report import check_numbers_common, check_report

REPO = Path(__file__).resolve().parents[1]
MAIN_JOB = 'python3 -m pip install -e ".[all]" && nnmath lessons --all --out report'
TESTS_JOB = 'python3 -m pip install -e ".[dev]" && python3 -m pytest -q'


def _readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", text, flags=re.S)
    return [ln.strip() for b in blocks for ln in b.splitlines()
            if ln.strip().startswith("python3 -m pip install")]


def test_readme_has_the_two_commands_exactly():
    cmds = _readme_commands()
    assert MAIN_JOB in cmds and TESTS_JOB in cmds
    assert cmds.index(MAIN_JOB) < cmds.index(TESTS_JOB), "the main job comes first"


def test_readme_sections():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for heading in ("## Quick start", "## A tour", "## Data", "## The public API",
                    "## Benchmarks"):
        assert heading in text, heading
    assert "NNMATH_DATA" in text


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    data_dir = Path(os.environ["NNMATH_DATA"])  # set by conftest.py
    assert data_dir.is_dir(), f"NNMATH_DATA={data_dir} does not exist"
    [cmd] = [c for c in _readme_commands() if c == MAIN_JOB]
    root = tmp_path_factory.mktemp("readme")
    work = root / "nnmath"
    work.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, work / name)
    shutil.copytree(REPO / "src", work / "src",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # let the new environment see this interpreter's packages (numpy, matplotlib, ...)
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "_outer.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
               VIRTUAL_ENV=str(venv), MPLBACKEND="Agg", NNMATH_DATA=str(data_dir),
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("PYTHONPATH", None)
    r = subprocess.run(["bash", "-c", cmd], cwd=work, env=env, capture_output=True, text=True,
                       timeout=1500)
    assert r.returncode == 0, (r.stdout[-2000:], r.stderr[-3000:])
    where = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import nnmath; print(nnmath.__file__)"], env=env, cwd=root,
                           capture_output=True, text=True, check=True).stdout.strip()
    return work / "report", r.stdout, Path(where)


@pytest.mark.slow
def test_main_job_runs_the_copy_it_installed(readme_run):
    out, stdout, where = readme_run
    assert "17 lessons in" in stdout and "[--fast]" not in stdout
    assert where.is_relative_to(out.parent / "src"), where


@pytest.mark.slow
def test_full_report_is_complete_and_reproduces_published_numbers(readme_run):
    out, _, _ = readme_run
    check_report(out, fast=False)
    n = json.loads((out / "numbers.json").read_text())["lessons"]
    check_numbers_common(n)
    lg = n["logistic-regression"]["numbers"]["learning_rate_comparison"]
    assert lg["0.01"] == pytest.approx([0.9952153110047847, 0.68], abs=1e-8)  # fractions
    assert lg["0.001"] == pytest.approx([0.8899521531100478, 0.64], abs=1e-8)
    assert lg["0.0001"] == pytest.approx([0.6842105263157895, 0.36], abs=1e-8)
    dn = n["deep-network"]["numbers"]
    assert dn["two_layer_costs"][0] == pytest.approx(0.693049735659989, abs=1e-9)
    assert dn["two_layer_train"] == pytest.approx(1.0, abs=1e-9)
    assert dn["two_layer_test"] == pytest.approx(0.72, abs=1e-9)
    assert dn["four_layer_costs"][0] == pytest.approx(0.771749, abs=1e-6)
    assert dn["four_layer_train"] == pytest.approx(0.985645933014, abs=1e-6)
    assert dn["four_layer_test"] == pytest.approx(0.8, abs=1e-9)
    sw = n["shallow-network"]["numbers"]["hidden_size_sweep"]
    assert set(sw) == {"1", "2", "3", "4", "5", "20", "50"}
    assert sw["2"] == pytest.approx(0.6725, abs=1e-4) and sw["5"] == pytest.approx(0.9125, abs=1e-4)
    assert n["mnist-mlp"]["numbers"]["epochs"] == 5
    assert n["mnist-mlp"]["numbers"]["test_accuracy"] >= 0.975
    assert n["cnn-mnist"]["numbers"]["test_accuracy"] >= 0.95
