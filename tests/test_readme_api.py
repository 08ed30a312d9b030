"""The README's public-API block runs as pasted, and makes the files the tour uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _api_block() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The public API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)


def test_public_api_block_runs_as_pasted(tmp_path):
    code = _api_block()
    assert "digit0_7.png" in code and "paper0_7.png" in code  # the tour's files come from here
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                       text=True, timeout=600, env={**os.environ, "MPLBACKEND": "Agg"})
    assert r.returncode == 0, r.stderr[-3000:]
    for name in ("digit0_7.png", "paper0_7.png", "cat.png", "m.safetensors",
                 "models/mnist-mlp.safetensors", "report/index.html"):
        assert (tmp_path / name).is_file(), name
    assert re.search(r"^paper0_7\.png: 7 \(\d+\.\d\d % sure\)$", r.stdout, flags=re.M), r.stdout
    # the tour's predict command, on the files the block made
    t = subprocess.run([sys.executable, "-m", "nnmath.cli", "predict",
                        "models/mnist-mlp.safetensors", "digit0_7.png", "paper0_7.png"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert t.returncode == 0, t.stderr
    assert [ln.split(" (")[0] for ln in t.stdout.splitlines()] == ["digit0_7.png: 7",
                                                                  "paper0_7.png: 7"]
