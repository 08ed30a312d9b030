"""The ``nnmath`` command line: argparse wiring only; every command calls library functions.

Each sub-command has one ``_add_<name>`` function (its arguments and ``--help`` example) and
one ``_run_<name>`` function (imports what it needs lazily, calls the library, prints).
User mistakes (unknown names, missing or wrong files) end as one clear line on stderr and a
non-zero exit code; ``--debug`` shows the full traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

EXIT_USER_ERROR = 2


class CommandError(Exception):
    """A user mistake on the command line, reported as one line without a traceback."""


def _parser_for(
    sub: argparse._SubParsersAction, name: str, help: str, example: str
) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=help,
        description=help,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


# --------------------------------------------------------------------------- graph
def _add_graph(sub: argparse._SubParsersAction) -> None:
    p = _parser_for(
        sub, "graph", "Forward and backward pass of an expression, node by node",
        'nnmath graph "3*(a+b*c)" a=5 b=3 c=2 --out graph.svg',
    )
    p.add_argument("expression", help="arithmetic over names, e.g. '3*(a+b*c)'")
    p.add_argument("values", nargs="*", help="name=value for every variable")
    p.add_argument("--out", help="write the drawn graph to this .svg or .png file")
    p.set_defaults(run=_run_graph)


def _run_graph(args: argparse.Namespace) -> None:
    from .graph import build_graph, parse_assignments

    try:
        graph = build_graph(args.expression, parse_assignments(args.values))
        print(graph.table())
        if args.out:
            print(f"\nwrote {graph.save(args.out)}")
    except ValueError as exc:  # the library says "graph: ..."; main() adds "nnmath graph:"
        raise CommandError(str(exc).removeprefix("graph: ")) from exc


# --------------------------------------------------------------------------- data
def _add_data(sub: argparse._SubParsersAction) -> None:
    p = _parser_for(
        sub, "data", "List, download and verify the real data sets (MNIST, cat vs non-cat, ...)",
        "nnmath data list\n  nnmath data fetch mnist\n  nnmath data verify",
    )
    p.add_argument("action", choices=["list", "fetch", "verify"], help="what to do")
    p.add_argument("name", nargs="?", help="data set name (see `nnmath data list`)")
    p.add_argument("--data-dir", help="data directory (default $NNMATH_DATA, else the user cache)")
    p.add_argument("--base-url", help="fetch: download <base-url>/<file name> from this mirror")
    p.add_argument("--no-progress", action="store_true", help="fetch: no progress bar")
    p.set_defaults(run=_run_data)


def _run_data(args: argparse.Namespace) -> int:
    from nnmath.datasets import registry

    if args.action == "list":
        root = registry.data_dir(args.data_dir)
        print(f"data directory: {root}")
        for ds in registry.list_datasets():
            present = sum((root / ds.name / f.name).is_file() for f in ds.files)
            print(f"  {ds.name:<14} {ds.size / 1e6:7.1f} MB  {present}/{len(ds.files)} files  "
                  f"{ds.description}")
        return 0
    if args.action == "fetch":
        if not args.name:
            names = ", ".join(registry.DATASETS)
            raise CommandError(f"fetch: expected a data set name ({names}), got none")
        paths = registry.fetch(args.name, args.data_dir, base_url=args.base_url,
                               progress=not args.no_progress)
        for path in paths:
            print(f"ok  {path}")
        return 0
    results = registry.verify(args.name, args.data_dir)
    for r in results:
        print(f"{r.status:<10} {r.dataset}/{r.name}" + (f"  ({r.detail})" if r.detail else ""))
    bad = [r for r in results if not r.ok]
    if bad:
        print(f"{len(bad)} of {len(results)} files missing or bad in "
              f"{registry.data_dir(args.data_dir)}; fix with `nnmath data fetch NAME` "
              "(delete bad files first)", file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------- registry
_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [_add_graph, _add_data]


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
    for add in _COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USER_ERROR
    try:
        result = args.run(args)
    except (CommandError, ValueError, TypeError, FileNotFoundError, OSError, KeyError) as exc:
        if args.debug:
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"nnmath {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print(f"nnmath {args.command}: interrupted", file=sys.stderr)
        return 130
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
