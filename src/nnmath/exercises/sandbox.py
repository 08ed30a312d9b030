"""Run a learner's file in a separate process with a time limit; results come back as JSON.

The parent (:func:`check_file`) starts a child running :func:`_child` on the REQUEST with
the interpreter running nnmath. The child imports the file, checks each exercise under its
own time limit (a timer signal stops an infinite loop and the child goes on with the next
exercise) and appends one JSON line per event to a result file::

    {"event": "start", "name": "logistic.propagate"}
    {"event": "result", "result": {"name": ..., "passed": ..., "code": ..., "message": ...}}

The parent kills the child when one exercise runs far past its limit (code that even the timer
cannot stop, e.g. a bare ``except:`` around the loop) and starts a fresh child for the
exercises after it; every exercise without a result becomes one clear line. A crash on import
(a syntax error, an exception at the top level) is one line too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .checker import CheckResult, ExerciseTimeout, crash_line, time_limit
from .registry import all_exercises, resolve
from .skeleton import MARKER

__all__ = ["check_file", "exercises_in"]

STARTUP_SECONDS = 20.0  # importing NumPy and nnmath on a busy machine
_CHILD = ("import json, sys; from nnmath.exercises.sandbox import _child; "
          "sys.exit(_child(json.loads(sys.argv[1])))")


def exercises_in(path: str | Path) -> list[str]:
    """The exercises a file holds: its ``# nnmath exercise:`` markers, else every function or
    class whose name is an exercise's unique bare name."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    marked = re.findall(rf"^{re.escape(MARKER)}(\S+)", text, flags=re.M)
    if marked:
        return list(dict.fromkeys(marked))
    defined = set(re.findall(r"^(?:def|class)\s+(\w+)", text, flags=re.M))
    found = []
    for ex in all_exercises():
        if ex.name in defined:
            try:
                found.append(resolve(ex.name).qualified)
            except KeyError:  # a shared name (compute_cost): needs the qualified name
                continue
    return list(dict.fromkeys(found))


def check_file(
    path: str | Path, names: list[str] | None = None, *, timeout: float = 10.0, seed: int = 0
) -> list[CheckResult]:
    """Check the exercises in the learner's file, in a separate process.

    Args:
        path: the learner's ``.py`` file.
        names: exercises to check (qualified or unique bare names); default: the file's
            markers, else every exercise name the file defines.
        timeout: seconds per exercise before it is stopped.
        seed: seed of the random cases.

    Returns:
        One :class:`CheckResult` per exercise, in order.

    Raises:
        FileNotFoundError: no such file. KeyError: an unknown exercise name.
        ValueError: the file holds no exercise and no names were given.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"exercises check: no such file {path}")
    qualified = [resolve(n).qualified for n in names] if names else exercises_in(path)
    if not qualified:
        raise ValueError(
            f"exercises check: {path} defines no exercise; name them (nnmath exercises check "
            f"{path} propagate) or start from a skeleton (nnmath exercises start propagate)"
        )
    results: list[CheckResult] = []
    remaining = list(qualified)
    while remaining:  # a child killed on one exercise: a fresh child checks the ones after it
        batch, killed_on = _run_child(path, remaining, timeout, seed)
        results.extend(batch)
        if killed_on is None:
            break
        remaining = remaining[remaining.index(killed_on) + 1:]
    return results


def _run_child(
    path: Path, qualified: list[str], timeout: float, seed: int
) -> tuple[list[CheckResult], str | None]:
    """One child process over ``qualified``; the results up to where it ended, and the
    exercise it was killed on (None if it was not killed while checking one)."""
    with tempfile.TemporaryDirectory(prefix="nnmath-exercises-") as tmp:
        results_path = Path(tmp) / "results.jsonl"
        request = {"file": str(path.resolve()), "names": qualified, "timeout": timeout,
                   "seed": seed, "results": str(results_path)}
        budget = STARTUP_SECONDS + timeout * (len(qualified) + 1)
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        err_path = Path(tmp) / "stderr.txt"
        with open(err_path, "wb") as err_file:
            proc = subprocess.Popen(
                [sys.executable, "-c", _CHILD, json.dumps(request)],
                cwd=str(path.resolve().parent), stdout=subprocess.DEVNULL, stderr=err_file,
                env=env,
            )
            killed = _watch(proc, results_path, timeout, budget)
        events = _read_events(results_path)
        err = err_path.read_bytes()
    stderr = err.decode(errors="replace")
    results = _collect(qualified, events, killed, timeout, proc.returncode, stderr)
    done = {e["result"]["name"] for e in events if e.get("event") == "result"}
    running = next((e["name"] for e in reversed(events) if e.get("event") == "start"), None)
    if running is not None and running not in done:  # killed, or the process died in it
        return results[: qualified.index(running) + 1], running
    return results, None


def _watch(proc: subprocess.Popen, results_path: Path, timeout: float, budget: float) -> bool:
    """Wait for the child; kill it (-> True) when one exercise runs well past its own limit
    (code that the timer cannot stop, e.g. a bare ``except:`` around the loop) or the whole
    budget is over."""
    started = time.monotonic()
    while True:
        try:
            proc.wait(timeout=0.2)
            return False
        except subprocess.TimeoutExpired:
            pass
        now = time.monotonic()
        events = _read_events(results_path)
        last = events[-1] if events else None
        stuck = (last is not None and last.get("event") == "start"
                 and time.time() - float(last.get("time", time.time())) > 2 * timeout + 2)
        if stuck or now - started > budget:
            proc.kill()
            proc.wait()
            return True


def _read_events(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    events = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            events.append(json.loads(line))
    return events


def _collect(
    qualified: list[str], events: list[dict[str, Any]], killed: bool, limit: float,
    returncode: int | None, stderr: str,
) -> list[CheckResult]:
    done = {e["result"]["name"]: CheckResult.from_json(e["result"])
            for e in events if e.get("event") == "result"}
    failed_import = next((e for e in events if e.get("event") == "import_error"), None)
    running = next((e["name"] for e in reversed(events) if e.get("event") == "start"), None)
    results = []
    for name in qualified:
        if name in done:
            results.append(done[name])
        elif failed_import:
            results.append(CheckResult(name, False, failed_import["code"],
                                       failed_import["message"]))
        elif killed and name == running:
            results.append(CheckResult(name, False, "timeout", (
                f"stopped and killed: it ran far past its {limit:g} s limit and ignored the "
                "timer (an infinite loop inside a bare `except:` or `except BaseException:`, "
                "which catches the stop signal too? catch specific exceptions only)")))
        elif name == running:
            last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            results.append(CheckResult(name, False, "crash", (
                f"the checker process ended (exit code {returncode}) while checking {name}: "
                "os._exit(), a crash in native code, or running out of memory?"
                + (f" Last error line: {last}" if last else ""))))
        else:
            last = stderr.strip().splitlines()[-1] if stderr.strip() else f"exit code {returncode}"
            why = "the whole check was stopped" if killed else f"the checker process ended: {last}"
            results.append(CheckResult(name, False, "crash", f"not checked: {why}"))
    return results


# ------------------------------------------------------------------------ the child side
def _write(handle: Any, event: dict[str, Any]) -> None:
    handle.write(json.dumps(event) + "\n")
    handle.flush()


def _import_file(path: str, timeout: float) -> Any:
    spec = importlib.util.spec_from_file_location("learner_solution", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["learner_solution"] = module
    with time_limit(timeout):
        spec.loader.exec_module(module)
    return module


def _child(request: dict[str, Any]) -> int:
    timeout = float(request["timeout"])
    with open(request["results"], "a") as out:
        name = os.path.basename(request["file"])
        sink = io.StringIO()  # the learner's prints must not mix with anything
        try:
            with contextlib.redirect_stdout(sink):
                module = _import_file(request["file"], timeout)
        except ExerciseTimeout:
            _write(out, {"event": "import_error", "code": "timeout", "message": (
                f"stopped after {timeout:g} s while importing {name}: code at the top level "
                "of the file does not finish (an infinite loop outside any function?)")})
            return 0
        except BaseException as exc:
            line = getattr(exc, "lineno", None)
            where = f" (line {line} of {name})" if line and isinstance(exc, SyntaxError) else ""
            message = (f"{name} could not be imported: {type(exc).__name__}: "
                       f"{getattr(exc, 'msg', None) or exc}{where}")
            if not isinstance(exc, SyntaxError):
                message = f"{name} could not be imported: {crash_line(exc, 'the file')}"
            _write(out, {"event": "import_error", "code": "crash", "message": message})
            return 0
        for qualified in request["names"]:
            _write(out, {"event": "start", "name": qualified, "time": time.time()})
            ex = resolve(qualified)
            obj = getattr(module, ex.name, None)
            with contextlib.redirect_stdout(sink):
                if obj is None:
                    result = CheckResult(ex.qualified, False, "missing", (
                        f"{name} has no function (or class) named {ex.name}; write it with "
                        f"the course's name (`nnmath exercises start {ex.qualified}`)"))
                else:
                    from .checker import run_check

                    result = run_check(ex, obj, seed=int(request["seed"]), timeout=timeout)
            _write(out, {"event": "result", "result": result.to_json()})
    return 0


if __name__ == "__main__":  # pragma: no cover - run as the sandbox's child process
    sys.exit(_child(json.loads(sys.argv[1])))
