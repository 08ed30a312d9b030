"""The static HTML report of a lessons run: ``index.html`` plus ``numbers.json``.

One page, no server and no JavaScript: a table of contents, then for every lesson its
explanation, key formulas, printed output, figures (PNG files beside the page) and a table of
the numbers it measured. ``numbers.json`` holds every measured number, per lesson.

Example:
    >>> from nnmath.lessons import run_lessons
    >>> results = run_lessons(["tensors"], out_dir="report")  # doctest: +SKIP
    >>> # report/index.html and report/numbers.json are written by run_lessons
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["numbers_document", "render_html", "write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;
margin:0 auto;padding:1.5em;color:#1d1d1f;line-height:1.45}
h1{margin-bottom:.2em} h2{border-top:2px solid #d0d7de;padding-top:1em;margin-top:2em}
nav ol{columns:2} .meta{color:#57606a}
pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:.8em;
overflow-x:auto;font-size:.85em;max-height:28em}
.formulas{background:#fff8e6;border-left:4px solid #e6a700;padding:.5em 1em;margin:.8em 0}
.formulas code{display:block;font-size:.95em;margin:.25em 0;white-space:pre-wrap}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{color:#57606a;font-size:.85em}
table{border-collapse:collapse;font-size:.85em} td,th{border:1px solid #d0d7de;padding:.2em .6em;
text-align:left;vertical-align:top} .error{color:#b00020;font-weight:bold}
.fast{background:#fff3cd;padding:.2em .5em;border-radius:4px}
"""


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        if len(value) > 12:
            head = ", ".join(_fmt(v) for v in value[:6])
            return f"[{head}, ... ({len(value)} values)]"
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


def _section(r: Any) -> str:
    e = html.escape
    parts = [f'<section id="{e(r.name)}"><h2>{e(r.title)} <small>({e(r.name)})</small></h2>']
    parts.append(f"<p>{e(r.explanation)}</p>")
    if getattr(r, "shortened", False):
        parts.append('<p><span class="fast">--fast run: smaller data, fewer iterations</span></p>')
    if r.error:
        parts.append(f'<p class="error">This lesson failed: {e(r.error)}</p>')
    if r.formulas:
        formulas = "".join(f"<code>{e(f)}</code>" for f in r.formulas)
        parts.append(f'<div class="formulas"><strong>Key formulas</strong>{formulas}</div>')
    parts.append(f"<h3>Output</h3><pre>{e(r.output)}</pre>")
    for fig in r.figures:
        parts.append(
            f'<figure><img src="{e(fig)}" alt="{e(fig)}" loading="lazy">'
            f"<figcaption>{e(fig)}</figcaption></figure>"
        )
    if r.numbers:
        rows = "".join(
            f"<tr><td>{e(k)}</td><td>{e(_fmt(v))}</td></tr>" for k, v in r.numbers.items()
        )
        parts.append(f"<h3>Measured numbers</h3><table><tr><th>name</th><th>value</th></tr>"
                     f"{rows}</table>")
    parts.append(f'<p class="meta">ran in {r.seconds:.1f} s</p></section>')
    return "\n".join(parts)


def render_html(results: Sequence[Any], title: str = "nnmath lessons") -> str:
    """The whole page as a string (see module docstring)."""
    e = html.escape
    total = sum(r.seconds for r in results)
    fast = any(r.fast for r in results)
    failed = [r.name for r in results if r.error]
    toc = "".join(
        f'<li><a href="#{e(r.name)}">{e(r.title)}</a> '
        f'{"<span class=error>(failed)</span>" if r.error else ""}</li>'
        for r in results
    )
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
        f'<meta name=viewport content="width=device-width,initial-scale=1"><style>{_CSS}</style>'
        f"</head><body><h1>{e(title)}</h1>"
        f"<p class=meta>{len(results)} lessons, {total:.1f} s in total"
        f'{", --fast" if fast else ""}; '
        f"generated {when} with Python {platform.python_version()}. Every number on this page "
        f'is also in <a href="numbers.json">numbers.json</a>.</p>'
    )
    if failed:
        head += f'<p class="error">Failed lessons: {e(", ".join(failed))}</p>'
    body = "\n".join(_section(r) for r in results)
    return f"{head}<nav><h3>Contents</h3><ol>{toc}</ol></nav>{body}</body></html>\n"


def numbers_document(results: Sequence[Any]) -> dict[str, Any]:
    """The JSON document: run info plus, per lesson, its numbers, figures, time and error."""
    return {
        "fast": any(r.fast for r in results),
        "total_seconds": round(sum(r.seconds for r in results), 3),
        "lessons": {
            r.name: {
                "title": r.title,
                "numbers": r.numbers,
                "figures": r.figures,
                "seconds": round(r.seconds, 3),
                "shortened_by_fast": bool(getattr(r, "shortened", False)),
                "error": r.error,
            }
            for r in results
        },
    }


def write_report(results: Sequence[Any], out_dir: str | Path) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/numbers.json``; returns the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "numbers.json").write_text(json.dumps(numbers_document(results), indent=2) + "\n")
    page = out / "index.html"
    page.write_text(render_html(results), encoding="utf-8")
    return page
