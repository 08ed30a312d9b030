"""The ``nnmath`` command line: argparse wiring only; every command calls library functions.

Each sub-command is declared once, next to its handler::

    def _hello_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("name", help="who to greet")

    @command("hello", "Say hello", "nnmath hello world", _hello_arguments)
    def _run_hello(args: argparse.Namespace) -> int:
        print(f"hello {args.name}")
        return 0

The decorator puts a :class:`Command` into :data:`COMMANDS`; the parser, the ``nnmath --help``
listing (in declaration order) and the dispatch in :func:`main` are all derived from that table.
Handlers import what they need lazily, so ``nnmath --help`` stays fast. User mistakes (unknown
names, missing or wrong files) end as one clear line on stderr and a non-zero exit code;
``--debug`` adds the full traceback (the exit code stays the same).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

EXIT_USER_ERROR = 2


class CommandError(Exception):
    """A user mistake on the command line, reported as one line without a traceback."""


# --------------------------------------------------------------------------- registry
Handler = Callable[[argparse.Namespace], "int | None"]


@dataclass(frozen=True)
class Command:
    """One sub-command: what ``nnmath --help`` lists, its arguments and its handler.

    Attributes:
        name: the word after ``nnmath`` (``"train"``).
        help: one line, shown in ``nnmath --help`` and as the command's own description.
        example: the text after ``example:`` in ``nnmath <name> --help`` (lines after the
            first are indented by the author).
        add_arguments: adds the command's arguments to its ``argparse`` parser; it runs when
            the parser is built, so heavy imports belong in ``run``, not here.
        run: the handler, called with the parsed arguments; returns the exit code (None: 0).
    """

    name: str
    help: str
    example: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Handler


COMMANDS: dict[str, Command] = {}
"""Every registered command by name, in registration order (the order ``--help`` lists)."""


def register(cmd: Command) -> Command:
    """Add ``cmd`` to :data:`COMMANDS`; a name can be registered only once."""
    if not cmd.name or cmd.name.startswith("-"):
        raise ValueError(f"cli.register: expected a command name like 'train', got {cmd.name!r}")
    if cmd.name in COMMANDS:
        raise ValueError(f"cli.register: the command {cmd.name!r} is already registered "
                         f"(by {COMMANDS[cmd.name].run.__qualname__}); pick another name or "
                         f"unregister({cmd.name!r}) first")
    COMMANDS[cmd.name] = cmd
    return cmd


def unregister(name: str) -> Command:
    """Remove a command from :data:`COMMANDS` and return it (for tests and plug-ins)."""
    try:
        return COMMANDS.pop(name)
    except KeyError:
        raise KeyError(f"cli.unregister: no command {name!r}; registered: "
                       f"{', '.join(COMMANDS)}") from None


def command(name: str, help: str, example: str,
            arguments: Callable[[argparse.ArgumentParser], None]) -> Callable[[Handler], Handler]:
    """Decorator registering the decorated handler as ``nnmath <name>`` (see the module doc)."""

    def decorate(run: Handler) -> Handler:
        register(Command(name, help, example, arguments, run))
        return run

    return decorate


def _reworded(exc: Exception, prefix: str) -> CommandError:
    """A library's ``ValueError``/``KeyError`` as a command error, without its ``prefix``.

    The library says ``"sweep: ..."``; :func:`main` adds ``"nnmath sweep: error:"``, so the
    library's own prefix is dropped. A ``KeyError`` shows its message, not its ``repr``."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    return CommandError(text.removeprefix(prefix))


# --------------------------------------------------------------------------- graph
def _graph_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "expression",
        help="arithmetic over names, e.g. '3*(a+b*c)'; one starting with '-' goes after "
        "'--': nnmath graph -- '-a*b' a=1 b=2",
    )
    p.add_argument("values", nargs="*", help="name=value for every variable")
    p.add_argument("--out", help="write the drawn graph to this .svg or .png file")


@command("graph", "Forward and backward pass of an expression, node by node",
         'nnmath graph "3*(a+b*c)" a=5 b=3 c=2 --out graph.svg', _graph_arguments)
def _run_graph(args: argparse.Namespace) -> None:
    from .graph import build_graph, check_picture_path, parse_assignments

    try:
        if args.out:
            check_picture_path(args.out)  # before any output: a wrong suffix fails first
        graph = build_graph(args.expression, parse_assignments(args.values))
        print(graph.table())
        if args.out:
            print(f"\nwrote {graph.save(args.out)}")
    except ValueError as exc:
        raise _reworded(exc, "graph: ") from exc


# --------------------------------------------------------------------------- data
def _data_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "fetch", "verify"], help="what to do")
    p.add_argument("name", nargs="?", help="data set name (see `nnmath data list`); with list: "
                   "show its files")
    p.add_argument("--data-dir", help="data directory (default $NNMATH_DATA, else the user cache)")
    p.add_argument("--base-url", help="fetch: download <base-url>/<file name> from this mirror")
    p.add_argument("--no-progress", action="store_true", help="fetch: no progress bar")


@command("data", "List, download and verify the real data sets (MNIST, cat vs non-cat, ...)",
         "nnmath data list\n  nnmath data list mnist      (its files, sizes, sha256, URLs)\n"
         "  nnmath data fetch mnist\n  nnmath data verify", _data_arguments)
def _run_data(args: argparse.Namespace) -> int:
    from nnmath.datasets import registry

    if args.action == "list":
        return _data_list(registry, args.name, args.data_dir)
    if args.action == "fetch":
        if not args.name:
            names = ", ".join(registry.DATASETS)
            raise CommandError(f"fetch: expected a data set name ({names}), got none")
        try:
            paths = registry.fetch(args.name, args.data_dir, base_url=args.base_url,
                                   progress=not args.no_progress)
        except (FileNotFoundError, ValueError) as exc:  # first line: the one-line summary
            raise CommandError(str(exc).splitlines()[0]) from exc
        for path in paths:
            print(f"ok  {path}")
        return 0
    results = registry.verify(args.name, args.data_dir)
    for r in results:
        print(f"{r.status:<10} {r.dataset}/{r.name}" + (f"  ({r.detail})" if r.detail else ""))
    return _verify_verdict(results, args.name, registry.data_dir(args.data_dir))


def _verify_verdict(results: list, name: str | None, root: object) -> int:
    """Exit code of `data verify`: 0 only when every checked file is present and intact.

    Without a name every registered data set is checked, so a set that was never downloaded
    fails too (the message names it and how to check only the sets you use)."""
    bad = [r for r in results if r.status not in ("ok", "missing")]
    missing = [r for r in results if r.status == "missing"]
    problems = []
    if bad:
        problems.append(f"{len(bad)} bad file(s) (delete them, then `nnmath data fetch NAME`)")
    if missing:
        sets = sorted({r.dataset for r in missing})
        fix = f"`nnmath data fetch {sets[0]}`" if len(sets) == 1 else "`nnmath data fetch NAME`"
        problems.append(f"{len(missing)} missing file(s) of {', '.join(sets)} ({fix}"
                        + (", or verify only the sets you use: `nnmath data verify mnist`)"
                           if not name else ")"))
    if problems:
        print(f"nnmath data: error: in {root}: " + "; ".join(problems), file=sys.stderr)
        return 1
    return 0


def _data_list(registry: ModuleType, name: str | None, data_dir: str | None) -> int:
    """All data sets one line each, or one data set's files with size, sha256 and URLs."""
    ds = None if name is None else registry.get_dataset(name)  # unknown name: fail first
    root = registry.data_dir(data_dir)
    print(f"data directory: {root}")
    if ds is None:
        for ds in registry.list_datasets():
            present = sum((root / ds.name / f.name).is_file() for f in ds.files)
            print(f"  {ds.name:<14} {ds.size / 1e6:7.1f} MB  {present}/{len(ds.files)} files  "
                  f"{ds.description}")
        cache = registry.cache_dir()
        used = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()) \
            if cache.is_dir() else 0
        print(f"decoded-array cache: {cache}  {used / 1e6:.1f} MB (made on first load; "
              f"delete it to free the space)")
        return 0
    print(f"{ds.name}: {ds.description}\nsource: {ds.source}\nfolder: {root / ds.name}")
    for f in ds.files:
        state = "present" if (root / ds.name / f.name).is_file() else "missing"
        print(f"  {f.name}  {f.size} bytes  {state}\n    sha256 {f.sha256}")
        for url in f.urls:
            print(f"    {url}")
    return 0


# --------------------------------------------------------------------------- lessons
def _lessons_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", help="lessons to run (see --list)")
    p.add_argument("--list", action="store_true", help="list the lessons and exit")
    p.add_argument("--all", action="store_true", help="run every lesson")
    p.add_argument("--out", default="report",
                   help="report folder (default: report); sections of lessons run earlier "
                        "into it are kept")
    p.add_argument("--clean", action="store_true",
                   help="start the report afresh (drop the sections of earlier runs)")
    p.add_argument("--fast", action="store_true", help="smaller data, fewer epochs")
    p.add_argument("--image", help="your own photo for the images/convolution lessons")
    p.add_argument("--notebooks", metavar="DIR",
                   help="write the lessons (named, or all) as Jupyter notebooks into DIR "
                        "instead of running them")


@command("lessons", "Run the lessons and write an HTML report (index.html + numbers.json)",
         "nnmath lessons --list\n  nnmath lessons computation-graph convolution --out report\n"
         "  nnmath lessons --all --out report --fast\n"
         "  nnmath lessons --notebooks notebooks   (one Jupyter notebook per lesson)",
         _lessons_arguments)
def _run_lessons(args: argparse.Namespace) -> int:
    from nnmath import lessons

    if args.list:
        for name, summary in lessons.list_lessons():
            print(f"  {name:<24} {summary}")
        return 0
    if args.all and args.names:
        raise CommandError("give lesson names or --all, not both")
    if args.notebooks:
        try:
            paths = lessons.write_notebooks(args.notebooks, args.names or None)
        except KeyError as exc:
            raise CommandError(str(exc.args[0]).removeprefix("lessons: ")) from None
        noun = "notebook" if len(paths) == 1 else "notebooks"
        print(f"wrote {len(paths)} {noun} to {args.notebooks}/ (open them with "
              f"`jupyter lab {args.notebooks}` or VS Code)")
        return 0
    if not args.all and not args.names:
        raise CommandError("name some lessons, or use --all, --list or --notebooks DIR "
                           "(see --help)")
    try:
        results = lessons.run_lessons(None if args.all else args.names, out_dir=args.out,
                                      fast=args.fast, image=args.image, clean=args.clean)
    except (KeyError, FileNotFoundError) as exc:
        raise CommandError(str(exc.args[0]).removeprefix("lessons: ")) from None
    failed = [r for r in results if r.error]
    total = sum(r.seconds for r in results)
    noun = "lesson" if len(results) == 1 else "lessons"
    print(f"\n{len(results)} {noun} in {total:.1f} s; report: {args.out}/index.html")
    if failed:
        print(f"nnmath lessons: error: {len(failed)} of {len(results)} lessons failed "
              f"({', '.join(r.name for r in failed)}); first: {failed[0].error}", file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------- train
def recipe_list() -> str:
    """The recipes as ``nnmath train --help`` shows them, one line each (from the registry)."""
    from nnmath import recipes

    width = max(map(len, recipes.names()))
    pad = " " * (width + 4)
    return "\n".join(f"  {n:<{width}}  {recipes.get(n).summary}\n{pad}defaults: "
                     f"{', '.join(f'{k}={v}' for k, v in recipes.get(n).defaults.items())}"
                     for n in recipes.names())


def _train_arguments(p: argparse.ArgumentParser) -> None:
    from nnmath import recipes

    p.epilog = f"{p.epilog}\n\nrecipes:\n{recipe_list()}"  # the registry's recipes, one each
    p.add_argument("recipe", help=", ".join(recipes.names()))
    p.add_argument("--epochs", type=int, help="epochs (classic recipes: iterations)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (engine recipes)")
    p.add_argument("--learning-rate", type=float, help="step size (default per recipe)")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="any recipe parameter, e.g. units=256, optimizer=adam, "
                   "layers_dims=[20,7,5] (values read as JSON, else as text)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0: the classic "
                   "recipes then use the course's seeds, 1 for cat-deep and 2 for planar)")
    p.add_argument("--limit", type=int, help="train on the first N samples only (quick runs)")
    p.add_argument("--out", default="models", help="output folder (default: models)")
    p.add_argument("--data", metavar="DIR", help="images recipe: your folder of pictures, one "
                   "sub-folder per class (e.g. photos/cat/*.jpg, photos/dog/*.jpg)")
    p.add_argument("--resume", action="store_true", help="continue the run that Ctrl-C "
                   "stopped (from <out>/<recipe>.checkpoint.safetensors), up to --epochs")


@command("train", "Train a recipe: progress, metrics, model file and history plot",
         "nnmath train mnist-mlp --epochs 5 --out models\n"
         "  nnmath train images --data photos      (photos/cat/*.jpg, photos/dog/*.jpg, ...)\n"
         "  Ctrl-C saves the last finished epoch; `--resume` continues from there.\n"
         "  nnmath train mnist-mlp --param units=128 --param optimizer=adam --limit 5000",
         _train_arguments)
def _run_train(args: argparse.Namespace) -> int:
    from nnmath import recipes

    try:  # unknown names fail before any import or data access
        recipes.get(args.recipe)
    except KeyError as exc:
        raise CommandError(str(exc.args[0]).removeprefix("train: ")) from None
    params = _parse_params(args.param)
    if args.data is not None:
        if "data" not in recipes.get(args.recipe).defaults:
            raise CommandError(f"--data applies to the images recipe (your own folder); "
                               f"{args.recipe} trains on its data set "
                               f"{recipes.get(args.recipe).dataset}")
        params["data"] = args.data
    try:
        result = recipes.train(args.recipe, epochs=args.epochs, batch_size=args.batch_size,
                               learning_rate=args.learning_rate, seed=args.seed, out=args.out,
                               limit=args.limit, params=params, resume=args.resume)
    except KeyboardInterrupt:  # a second Ctrl-C: quit at once, but say what is kept
        ckpt = recipes.checkpoint_path(args.recipe, args.out)
        kept = (f"; the checkpoint of the last finished epoch is kept in {ckpt}: continue "
                f"with `nnmath train {args.recipe} --resume`" if ckpt.is_file() else "")
        print(f"nnmath train: interrupted{kept}", file=sys.stderr)
        return 130
    return 130 if result.interrupted else 0


def _parse_params(items: list[str]) -> dict[str, Any]:
    """``["units=256", "optimizer=adam"]`` -> ``{"units": 256, "optimizer": "adam"}``."""
    import json

    params: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise CommandError(f"--param expects KEY=VALUE (e.g. units=256), got {item!r}")
        try:
            params[key.strip()] = json.loads(text)
        except json.JSONDecodeError:
            params[key.strip()] = text
    return params


# --------------------------------------------------------------------------- predict
def _predict_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a .safetensors model file (nnmath train / Sequential.save)")
    p.add_argument("images", nargs="+", help="image files (JPEG, PNG, ...) or folders of them")
    p.add_argument("--show", metavar="DIR", help="save the exact input the model saw for "
                   "each picture as DIR/<name>-input.png")


@command("predict", "Run a saved model on your own pictures: label and how sure it is",
         "nnmath predict models/mnist-cnn.safetensors digit.png my_digits/ --show seen\n"
         "  nnmath predict models/cat-logistic.safetensors my_cat.jpg\n\n"
         "Digit models see each picture the way MNIST prepared its digits (transparency laid\n"
         "on a background, dark-on-light inverted, cropped to the ink, scaled to 20 px and\n"
         "centred in 28x28); photo models resize with their recorded aspect policy. Below 50 %\n"
         "it says 'not sure' and names the top two classes. Exit code 1 if some file failed.",
         _predict_arguments)
def _run_predict(args: argparse.Namespace) -> int:
    from nnmath.predict import predict_pictures

    results = predict_pictures(args.model, args.images, show=args.show)
    for r in results:
        print(r.line())
    failed = [r for r in results if r.error is not None]
    if args.show:
        print(f"model inputs saved in {args.show}/")
    if failed:
        print(f"nnmath predict: error: {len(failed)} of {len(results)} "
              f"picture{'s' if len(results) != 1 else ''} could not be read (see above)",
              file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------- evaluate
def _evaluate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a .safetensors model file")
    from nnmath.datasets.prepared import prepared_names

    p.add_argument("--data", help=f"{', '.join(prepared_names())} (default: the data set the "
                   "model was trained on, recorded in its file)")


@command("evaluate", "Accuracy and loss of a saved model on a test set",
         "nnmath evaluate models/mnist-mlp.safetensors            (its own data set)\n"
         "  nnmath evaluate models/mnist-mlp.safetensors --data mnist", _evaluate_arguments)
def _run_evaluate(args: argparse.Namespace) -> None:
    from nnmath.predict import evaluate_model, expects, load_any

    m = load_any(args.model)
    own = m.preprocessing.get("dataset")
    print(f"{args.model}: expects {expects(m.preprocessing)}"
          + (f"; trained on {own}" if own else ""))
    r = evaluate_model(args.model, args.data)
    print(f"{r['data']}: accuracy {100 * r['accuracy']:.2f} %  loss {r['loss']:.4f}  "
          f"({r['samples']} samples)")


# --------------------------------------------------------------------------- conv
def _conv_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", help="an image file")
    p.add_argument("--kernel", default="sobel-x", help="kernel name (default sobel-x)")
    p.add_argument("--stride", type=int, default=1, help="stride (default 1)")
    p.add_argument("--padding", type=int, default=1, help="zero padding (default 1: same size)")
    p.add_argument("--out", required=True, help="output image file (.png)")


@command("conv", "Convolve a photo (grey) with a fixed kernel and save the result",
         "nnmath conv photo.jpg --kernel sobel-x --out edges.png\n  kernels: blur emboss "
         "gaussian identity laplacian outline prewitt-x prewitt-y sharpen sobel-x sobel-y",
         _conv_arguments)
def _run_conv(args: argparse.Namespace) -> None:
    import numpy as np

    from nnmath import images, kernels

    k = kernels.get_kernel(args.kernel)
    grey = kernels.load_grey(args.image)
    y = kernels.apply_kernel(grey, k, stride=args.stride, padding=args.padding)
    shown = kernels.for_display(y, magnitude=kernels.is_edge_detector(k))  # in [0, 1]
    pixels = (shown * 255).round().astype(np.uint8)[..., None]
    out = images.save_image(args.out, pixels)
    print(f"{args.image} {grey.shape} * {args.kernel} (stride {args.stride}, padding "
          f"{args.padding}) -> {y.shape}: wrote {out}")


# --------------------------------------------------------------------------- export
def _export_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", help="a model file (nnmath train or Sequential.save)")
    p.add_argument("--out", help="the .onnx file to write (default: MODEL with .onnx)")


@command("export", "Write a saved model as ONNX, to run it with ONNX Runtime and others",
         "nnmath export models/mnist-cnn.safetensors --out mnist-cnn.onnx", _export_arguments)
def _run_export(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .export import export_onnx

    out = Path(args.out) if args.out else Path(args.model).with_suffix(".onnx")
    try:
        path = export_onnx(args.model, out)
    except ImportError as exc:
        raise CommandError(str(exc)) from exc
    import onnx

    graph = onnx.load(str(path)).graph

    def shape(v: object) -> str:
        dims = v.type.tensor_type.shape.dim  # type: ignore[attr-defined]
        return "(" + ", ".join(d.dim_param or str(d.dim_value) for d in dims) + ")"

    print(f"wrote {path}: ONNX opset 17, float32, input '{graph.input[0].name}' "
          f"{shape(graph.input[0])} -> output '{graph.output[0].name}' {shape(graph.output[0])}")


# --------------------------------------------------------------------------- exercises
def _exercises_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("action", choices=["list", "start", "check"], help="what to do")
    p.add_argument("names", nargs="*", metavar="NAME",
                   help="list: a lesson; start: an exercise or a group (deep, conv, ...); "
                   "check: the FILE, then optionally the exercises to check in it")
    p.add_argument("--dir", default=".", help="start: where to write the skeleton file")
    p.add_argument("--force", action="store_true", help="start: overwrite an existing file")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="check: seconds per exercise before it is stopped (default 10)")


@command("exercises", "Write the course's functions yourself; nnmath checks them and says "
         "what is wrong",
         "nnmath exercises list\n  nnmath exercises start propagate --dir mywork\n"
         "  nnmath exercises check mywork/logistic_propagate.py", _exercises_arguments)
def _run_exercises(args: argparse.Namespace) -> int:
    from . import exercises
    from .exercises.registry import all_exercises, lessons_with_exercises

    if args.action == "list":
        lessons = args.names or lessons_with_exercises()
        for lesson in lessons:
            listed = exercises.for_lesson(lesson)
            if not listed:
                raise CommandError(f"no exercises for lesson {lesson!r}; lessons with "
                                   f"exercises: {', '.join(lessons_with_exercises())}")
            print(lesson)
            for name, summary in listed:
                print(f"  {name:<42} {summary}")
        if not args.names:
            print(f"\n{len(all_exercises())} exercises; start one with "
                  "`nnmath exercises start NAME`")
        return 0
    if not args.names:
        raise CommandError(f"{args.action} needs a name: nnmath exercises {args.action} "
                           + ("propagate" if args.action == "start" else "FILE"))
    if args.action == "start":
        for name in args.names:
            path = exercises.start(name, args.dir, overwrite=args.force)
            print(f"wrote {path}\n  fill in the bodies, then: nnmath exercises check {path}")
        return 0
    results = exercises.check_file(args.names[0], args.names[1:] or None, timeout=args.timeout)
    for result in results:
        print(result)
    passed = sum(r.passed for r in results)
    print(f"\n{passed} of {len(results)} exercises pass")
    return 0 if passed == len(results) else 1


# --------------------------------------------------------------------------- lr-find
def _lr_find_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("recipe", help="a recipe (see `nnmath train --help`)")
    p.add_argument("--limit", type=int, help="use the first N training samples")
    p.add_argument("--curvature", action="store_true",
                   help="also estimate lambda_max and the stable limit 2 / lambda_max")
    p.add_argument("--num-iter", type=int, default=100, help="steps of the test (default 100)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--out", default=".", help="folder for the plot (default: .)")


@command("lr-find", "Learning-rate range test on a recipe: suggestions, reliability, "
         "stable limit, plot",
         "nnmath lr-find mnist-mlp --limit 5000 --curvature --out lr", _lr_find_arguments)
def _run_lr_find(args: argparse.Namespace) -> None:
    from nnmath.tuning import cli as tcli

    try:
        tcli.run_lr_find(args.recipe, limit=args.limit, curvature=args.curvature,
                         num_iter=args.num_iter, seed=args.seed, out=args.out)
    except (ValueError, KeyError) as exc:
        raise _reworded(exc, "lr_find: ") from exc


# --------------------------------------------------------------------------- sweep
def _sweep_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", help="a recipe, 'module:function', or `show` / `replay`")
    for flag, kind in (("--learning-rate", "rates"), ("--batch-size", "batch sizes"),
                       ("--optimizer", "optimizers"), ("--units", "hidden widths")):
        p.add_argument(flag, nargs="+", metavar="V",
                       help=f"{kind} to try (random/tpe: also a range LO:HI)")
    p.add_argument("--param", nargs="+", action="append", metavar=("NAME", "V"),
                   help="any other parameter: --param momentum 0.9 0.99")
    p.add_argument("--epochs", type=int, help="epochs (iterations for classic recipes)")
    p.add_argument("--search", choices=["grid", "random", "tpe"], default="grid")
    p.add_argument("--trials", type=int, help="random/tpe: trials in total; grid: at most N new")
    p.add_argument("--metric", help="the key to optimize (default: val_accuracy)")
    p.add_argument("--direction", choices=["maximize", "minimize"])
    p.add_argument("--workers", type=int, help="trials at once on this machine (default: cores)")
    p.add_argument("--address", help="Dask scheduler, tcp://host:8786 ($DASK_SCHEDULER_ADDRESS)")
    p.add_argument("--storage", default="sqlite:///sweeps.db",
                   help="Optuna storage URL (default sqlite:///sweeps.db)")
    p.add_argument("--study", help="study name (default: <recipe>-<search>); same name resumes")
    p.add_argument("--prune", action="store_true", help="median-rule pruning of bad trials")
    p.add_argument("--time-budget", type=float, metavar="S", help="start no trial after S seconds")
    p.add_argument("--limit", type=int, help="train on the first N samples")
    p.add_argument("--seed", type=int, default=0, help="study seed (default 0)")
    p.add_argument("--trial", type=int, help="replay: the trial number")
    p.add_argument("--out", help="write results.csv, figures and index.html to this folder")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


@command("sweep", "Hyper-parameter sweeps (grid, random, TPE) on this machine or a Dask "
         "cluster; show and replay stored sweeps",
         "nnmath sweep cat-logistic --learning-rate 0.01 0.001 0.0001 --epochs 1500\n"
         "  nnmath sweep mnist-mlp --learning-rate 1e-4:1e-1 --search tpe --trials 20 --prune\n"
         "  nnmath sweep show --storage sqlite:///sweeps.db --study cat-logistic-grid\n"
         "  nnmath sweep replay --storage sqlite:///sweeps.db --study cat-logistic-grid --trial 0",
         _sweep_arguments)
def _run_sweep(args: argparse.Namespace) -> int:
    from nnmath.tuning import cli as tcli

    try:
        return tcli.run_sweep(args)
    except (ValueError, KeyError) as exc:  # the library says "sweep: ..."
        raise _reworded(exc, "sweep: ") from exc


# --------------------------------------------------------------------------- parser, main
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nnmath",
        description="nnmath: the mathematics behind deep learning, runnable.",
        epilog='example:\n  nnmath graph "3*(a+b*c)" a=5 b=3 c=2',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="nnmath 0.1.0")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help,
                           epilog=f"example:\n  {cmd.example}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.add_arguments(p)
    return parser


def error_message(command: str, exc: BaseException) -> str:
    """A user mistake as the terminal shows it: one line, plus one hint line when cut short.

    Library messages may run over several lines (a missing data set lists every file and
    URL); their first line is a self-contained summary, so only that line is shown, with a
    hint to rerun with ``--debug`` for the rest. ``OSError`` s from the system
    (``[Errno 2] No such file or directory: 'x'``) become ``x: No such file or directory``.

    Example:
        >>> error_message("conv", KeyError("kernels: unknown kernel 'wobble'"))
        "nnmath conv: error: kernels: unknown kernel 'wobble'"
    """
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    elif isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    else:
        text = str(exc)
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    message = f"nnmath {command}: error: {lines[0] if lines else type(exc).__name__}"
    if len(lines) > 1:
        message += (f"\n  hint: {len(lines) - 1} more lines of detail with "
                    f"`nnmath --debug {command} ...`")
    return message


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USER_ERROR
    from .threads import configure

    configure()  # the BLAS thread limit (one thread unless the environment says otherwise)
    try:
        result = COMMANDS[args.command].run(args)
    except BrokenPipeError:  # output piped into e.g. `head`, which stopped reading: not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (CommandError, ValueError, OSError, KeyError) as exc:  # user mistakes, not bugs
        if args.debug:  # the whole story, and the same exit code as without --debug
            import traceback

            traceback.print_exc()
        print(error_message(args.command, exc), file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"nnmath {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
