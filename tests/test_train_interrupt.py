"""Ctrl-C during `nnmath train` keeps the last finished epoch; `--resume` continues it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import numpy as np

import nnmath as nm
from nnmath import recipes


def test_sigint_after_the_first_epoch_then_resume_adds_up(tmp_path):
    cmd = [sys.executable, "-m", "nnmath.cli", "train", "mnist-mlp", "--epochs", "3",
           "--limit", "6000", "--out", "m"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    seen = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, f"training ended early: {''.join(seen)} {proc.stderr.read()}"
        seen.append(line)
        if line.startswith("Epoch 1/3"):
            proc.send_signal(signal.SIGINT)  # during epoch 2 (or its checkpoint write)
            break
    out, err = proc.communicate(timeout=300)
    out = "".join(seen) + out
    assert proc.returncode == 130, (out, err)
    assert "Ctrl-C: stopping after this batch; the last finished epoch is kept" in err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    m = re.search(r"interrupted: saved the last finished epoch \((\d) of 3\) in "
                  r"m/mnist-mlp\.safetensors; checkpoint m/mnist-mlp\.checkpoint\.safetensors; "
                  r"continue with `nnmath train mnist-mlp --resume`", out)
    assert m, out
    done = int(m.group(1))
    assert 1 <= done <= 2
    model = nm.load_model(str(tmp_path / "m" / "mnist-mlp.safetensors"))
    checkpoint = nm.load_model(str(tmp_path / "m" / "mnist-mlp.checkpoint.safetensors"))
    assert checkpoint.epoch == done
    for saved, kept in zip(model.get_weights(), checkpoint.get_weights(), strict=True):
        np.testing.assert_array_equal(saved, kept)  # the finished epoch, not half of the next

    r = subprocess.run([*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "resuming from m/mnist-mlp.checkpoint.safetensors" in r.stdout
    ran = re.findall(r"^Epoch (\d)/3 - ", r.stdout, flags=re.M)
    assert ran == [str(e) for e in range(done + 1, 4)], r.stdout  # the epochs add up to 3
    final = nm.load_model(str(tmp_path / "m" / "mnist-mlp.safetensors"))
    assert any(np.any(a != b) for a, b in zip(final.get_weights(), model.get_weights(),
                                               strict=True))
    assert not (tmp_path / "m" / "mnist-mlp.checkpoint.safetensors").exists()
    acc = float(re.search(r"test accuracy: (\d+\.\d\d) %", r.stdout).group(1))
    assert acc > 90.0

    again = subprocess.run([*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True,
                           env=env, timeout=300)
    assert again.returncode == 2
    assert "nothing to resume: no checkpoint m/mnist-mlp.checkpoint.safetensors" in again.stderr


def test_sigint_stops_a_classic_recipe_at_the_next_mark_and_keeps_the_model(tmp_path):
    # planar: a classic (full-batch, course-notation) recipe whose iterations take
    # milliseconds, so a million of them could never finish before the signal lands
    cmd = [sys.executable, "-m", "nnmath.cli", "train", "planar", "--epochs", "1000000",
           "--out", "m"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seen = []
    while True:
        line = proc.stdout.readline()
        assert line, "".join(seen)
        seen.append(line)
        if line.startswith("Cost after iteration 0:"):
            proc.send_signal(signal.SIGINT)
            break
    out, err = proc.communicate(timeout=300)
    out = "".join(seen) + out
    assert proc.returncode == 130, (out, err)
    assert "Ctrl-C: stopping at the next 100-iteration mark" in err
    assert "Cost after iteration 999000" not in out  # stopped early ...
    assert "interrupted: saved the model as trained so far in m/planar.safetensors" in out
    kind, params, _ = recipes.load_classic(tmp_path / "m" / "planar.safetensors")
    assert kind == "classic-shallow" and params["W1"].shape == (4, 2)  # ... and saved
    assert np.all(np.isfinite(params["W1"]))
    r = subprocess.run([*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and "--resume applies to the engine recipes" in r.stderr


def test_a_second_ctrl_c_quits_at_once_and_names_the_checkpoint(tmp_path, monkeypatch, capsys):
    from nnmath.cli import main

    def interrupted_twice(name, **kw):  # as if Ctrl-C came twice during epoch 3
        recipes.checkpoint_path(name, kw["out"]).write_bytes(b"epoch 2")
        raise KeyboardInterrupt

    monkeypatch.setattr(recipes, "train", interrupted_twice)
    assert main(["train", "mnist-mlp", "--out", str(tmp_path)]) == 130
    ckpt = tmp_path / "mnist-mlp.checkpoint.safetensors"
    assert capsys.readouterr().err.strip() == (
        f"nnmath train: interrupted; the checkpoint of the last finished epoch is kept in "
        f"{ckpt}: continue with `nnmath train mnist-mlp --resume`")
    ckpt.unlink()  # before the first epoch ended: nothing to name
    monkeypatch.setattr(recipes, "train", lambda name, **kw: (_ for _ in ()).throw(
        KeyboardInterrupt()))
    assert main(["train", "mnist-mlp", "--out", str(tmp_path)]) == 130
    assert capsys.readouterr().err.strip() == "nnmath train: interrupted"
