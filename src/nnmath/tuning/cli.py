"""What ``nnmath lr-find`` and ``nnmath sweep`` do (``nnmath.cli`` holds only the argparse
wiring). User mistakes raise ValueError/KeyError: the command line prints them as one line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["run_lr_find", "run_sweep", "write_outputs"]


def write_outputs(result: Any, out: str | Path) -> list[Path]:
    """``results.csv``, the three figures and ``index.html`` of a sweep in folder ``out``."""
    import matplotlib.pyplot as plt

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [result.to_csv(out / "results.csv")]
    for kind in ("params", "history", "curves"):
        fig = result.plot(kind)
        path = out / f"{kind}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    paths.append(result.write_html(out / "index.html"))
    return paths


def _space(args: argparse.Namespace) -> dict[str, Any]:
    from .spaces import parse_values

    space: dict[str, Any] = {}
    for name in ("learning_rate", "batch_size", "optimizer", "units"):
        texts = getattr(args, name)
        if texts:
            space[name] = parse_values(name, texts, args.search)
    for group in args.param or []:
        if len(group) < 2:
            raise ValueError(f"--param {' '.join(group)}: expected a name and at least one "
                             "value, e.g. --param momentum 0.9 0.99")
        space[group[0]] = parse_values(group[0], group[1:], args.search)
    if not space:
        raise ValueError("nothing to vary: give values, e.g. --learning-rate 0.1 0.01 0.001")
    return space


def _need(args: argparse.Namespace, *names: str) -> None:
    missing = [f"--{n.replace('_', '-')}" for n in names if getattr(args, n) is None]
    if missing:
        raise ValueError(f"{args.target} needs {' and '.join(missing)}, e.g. nnmath sweep "
                         f"{args.target} --storage sqlite:///sweeps.db --study NAME"
                         + (" --trial 0" if args.target == "replay" else ""))


def run_sweep(args: argparse.Namespace) -> int:
    """``nnmath sweep``: run, ``show`` or ``replay`` (see ``nnmath sweep --help``)."""
    from . import load_study, sweep

    if args.target == "show":
        _need(args, "study")
        result = load_study(args.storage, args.study)
        print(result.table())
        if args.out:
            print(f"wrote {', '.join(str(p) for p in write_outputs(result, args.out))}")
        return 0
    if args.target == "replay":
        _need(args, "study", "trial")
        from .results import same

        result = load_study(args.storage, args.study)
        rep = result.replay(args.trial)
        for key in sorted(set(rep.stored) | set(rep.replayed)):
            a, b = rep.stored.get(key), rep.replayed.get(key)
            print(f"  {key:<16} stored {a!r:<24} replayed {b!r:<24} "
                  f"{'same' if same(a, b) else 'DIFFERENT'}")
        verdict = "identical, bit for bit" if rep.identical else "DIFFERENT"
        print(f"trial {args.trial}: {verdict}")
        return 0 if rep.identical else 1
    result = sweep(args.target, _space(args), search=args.search, n_trials=args.trials,
                   metric=args.metric, direction=args.direction, epochs=args.epochs,
                   limit=args.limit, workers=args.workers, address=args.address,
                   storage=args.storage, study=args.study, prune=args.prune,
                   time_budget=args.time_budget, seed=args.seed, quiet=args.quiet)
    print(result.table())
    if args.out:
        print(f"wrote {', '.join(str(p) for p in write_outputs(result, args.out))}")
    return 0


def training_arrays(data: Any) -> tuple[Any, Any]:
    """``(x_train, y_train)`` from what ``recipe.load_data`` returns."""
    if isinstance(data, dict):
        return data["x_train"], data["y_train"]
    first = data[0]
    if isinstance(first, tuple):
        return first
    return data[0], data[1]


def run_lr_find(name: str, *, limit: int | None = None, curvature: bool = False,
                num_iter: int = 100, seed: int = 0, out: str | Path = ".") -> Any:
    """``nnmath lr-find RECIPE``: the range test on the recipe's model with its defaults."""
    import matplotlib.pyplot as plt

    from nnmath import recipes

    from .classic_adapter import is_classic
    from .lrfind import lr_find

    recipe = recipes.get(name)
    x, y = training_arrays(recipe.load_data(limit=limit, seed=seed))
    model = recipe.build(dict(recipe.defaults), seed=seed)
    full_batch = is_classic(model)
    if full_batch:  # the course's columns (n_x, m) -> rows; one full-batch step per rate
        x, y = x.T, y.T
    batch = recipe.defaults.get("batch_size") or len(x)
    print(f"range test on {name}: {len(x)} samples, batch size {batch}, {num_iter} steps from "
          f"{1e-5 if full_batch else 1e-7:g} to 10" + (", with curvature" if curvature else ""))
    # full-batch losses have no batch noise: no smoothing (it would only lag)
    res = lr_find(model, x, y, num_iter=num_iter, batch_size=batch, seed=seed,
                  curvature=curvature, smoothing=0.0 if full_batch else 0.98,
                  start_lr=1e-5 if full_batch else 1e-7)
    print(f"suggestion: {res.suggestion:.3g}  ({'reliable' if res.reliable else 'NOT reliable'}"
          f": {res.note})")
    for rule, lr in res.suggestions.items():
        print(f"  {rule:<8} {lr:.3g}")
    print(f"points: {len(res.lrs)} (stopped at lr {res.lrs[-1]:.3g})")
    if res.stable_limit is not None:
        print(f"largest curvature lambda_max = {res.lambda_max:.4g} on the first batch: plain "
              f"gradient descent is stable below 2 / lambda_max = {res.stable_limit:.3g}")
    path = Path(out) / f"lr-find-{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    plt.close(res.plot(str(path)))
    print(f"wrote {path}")
    return res
