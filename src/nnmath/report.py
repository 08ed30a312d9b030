"""The static HTML report of the lessons: ``index.html`` plus ``numbers.json``.

One page, no server and no JavaScript: a side table of contents, then for every lesson its
headline numbers, its explanation with typeset formulas (MathML, converted at build time),
each code cell (collapsible) with what it printed and the figures it drew (PNG files beside
the page, each with a caption and alt text), and a table of the numbers it measured.
``numbers.json`` holds every measured number, per lesson.

The report is kept up to date lesson by lesson: every run stores its lessons in
``.lessons/<name>.json`` inside the report folder, and the page and ``numbers.json`` are
rebuilt from all stored lessons, so running one lesson into an existing report replaces only
its own section. ``prepare(out, clean=True)`` (``nnmath lessons --clean``) starts afresh.

Example:
    >>> from nnmath.lessons import run_lessons
    >>> results = run_lessons(["tensors"], out_dir="report")  # doctest: +SKIP
    >>> # report/index.html and report/numbers.json now include the tensors lesson
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import platform
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["load_stored", "numbers_document", "prepare", "render_html", "write_report"]

STORE = ".lessons"

_CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d1d1f;
line-height:1.5;display:grid;grid-template-columns:17em minmax(0,1fr)}
nav.toc{position:sticky;top:0;height:100vh;overflow-y:auto;padding:1em;background:#f6f8fa;
border-right:1px solid #d0d7de;font-size:.9em}
nav.toc ol{padding-left:1.4em;margin:.3em 0} nav.toc li{margin:.25em 0}
nav.toc .sub{color:#57606a;font-size:.85em;display:block}
main{max-width:62em;padding:1.5em 2em;min-width:0}
h1{margin:.2em 0} h2{border-top:2px solid #d0d7de;padding-top:1em;margin-top:2.2em}
h3{margin-top:1.4em} .meta{color:#57606a;font-size:.9em}
.headline{font-size:1.15em;background:#e8f5e9;border-left:4px solid #2e7d32;
padding:.4em .8em;margin:.6em 0}
.formula{margin:.7em 0;overflow-x:auto} math{font-size:1.08em}
math[display=block]{font-size:1.15em}
details.code{margin:.8em 0 .2em;border:1px solid #d0d7de;border-radius:6px;background:#fbfcfd}
details.code summary{cursor:pointer;padding:.25em .7em;color:#57606a;font-size:.85em}
details.code pre{margin:0;border:0;border-top:1px solid #d0d7de;border-radius:0 0 6px 6px;
background:#f6f8fa}
pre{padding:.7em .9em;font-size:.84em;white-space:pre-wrap;overflow-wrap:anywhere;margin:.2em 0}
pre.output{background:#fff;border-left:3px solid #8c959f;margin:.3em 0 .8em}
figure{margin:1em 0} figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.9em;margin-top:.3em}
table{border-collapse:collapse;font-size:.85em} td,th{border:1px solid #d0d7de;padding:.2em .6em;
text-align:left;vertical-align:top} td.v{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.error{color:#b00020;font-weight:bold}
.fast{background:#fff3cd;padding:.2em .5em;border-radius:4px}
@media (max-width:800px){body{display:block} nav.toc{position:static;height:auto}}
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


def _cell_html(cell: dict[str, Any], k: int, lesson: str) -> str:
    from nnmath._markdown import to_html

    e = html.escape
    if cell["kind"] == "markdown":
        text = cell["source"]
        lines = text.splitlines()
        if lines and lines[0].startswith("# "):  # the title: already the section heading
            text = "\n".join(lines[1:])
        return to_html(text, heading_offset=1)
    parts = [f'<details class="code" open><summary>code, cell {k}</summary>'
             f'<pre><code class="language-python">{e(cell["source"])}</code></pre></details>']
    if cell.get("output"):
        parts.append(f'<pre class="output">{e(cell["output"])}</pre>')
    if cell.get("error"):
        parts.append(f'<p class="error">{e(cell["error"])}</p>')
    for fig in cell.get("figures", []):
        parts.append(f'<figure><img src="{e(fig["src"])}" alt="{e(fig["alt"])}" '
                     f'loading="lazy"><figcaption>{e(fig["caption"])}</figcaption></figure>')
    return "\n".join(parts)


def _section(r: Any) -> str:
    e = html.escape
    parts = [f'<section id="{e(r.name)}"><h2>{e(r.title)} <small class="meta">({e(r.name)})'
             "</small></h2>"]
    if r.headline:
        parts.append(f'<p class="headline">{e(r.headline)}</p>')
    if r.shortened:
        parts.append('<p><span class="fast">--fast run: smaller data, fewer iterations</span></p>')
    if r.error:
        parts.append(f'<p class="error">This lesson failed: {e(r.error)}</p>')
    code = 0
    for cell in r.cells:
        code += cell["kind"] == "code"
        parts.append(_cell_html(cell, code, r.name))
    if r.exercises:
        items = "".join(f"<li><code>{e(n)}</code>: {e(s)}</li>" for n, s in r.exercises)
        parts.append(f"<h3>Exercises</h3><ul>{items}</ul>")
    if r.numbers:
        rows = "".join(f'<tr><td>{e(k)}</td><td class="v">{e(_fmt(v))}</td></tr>'
                       for k, v in r.numbers.items())
        parts.append(f"<h3>Measured numbers</h3><table><tr><th>name</th><th>value</th></tr>"
                     f"{rows}</table>")
    parts.append(f'<p class="meta">ran in {r.seconds:.1f} s{", --fast" if r.fast else ""}</p>'
                 "</section>")
    return "\n".join(parts)


def render_html(results: Sequence[Any], title: str = "nnmath lessons") -> str:
    """The whole page as a string (see module docstring)."""
    e = html.escape
    total = sum(r.seconds for r in results)
    fast = any(r.fast for r in results)
    failed = [r.name for r in results if r.error]
    toc = "".join(
        f'<li><a href="#{e(r.name)}">{e(r.title)}</a>'
        f'{" <span class=error>(failed)</span>" if r.error else ""}'
        f'{f"<span class=sub>{e(r.headline)}</span>" if r.headline else ""}</li>'
        for r in results
    )
    when = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    head = (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{e(title)}</title>"
        f'<meta name=viewport content="width=device-width,initial-scale=1"><style>{_CSS}</style>'
        f'</head><body><nav class="toc"><strong>Contents</strong><ol>{toc}</ol></nav><main>'
        f"<h1>{e(title)}</h1>"
        f"<p class=meta>{len(results)} lessons, {total:.1f} s in total"
        f'{", some with --fast" if fast else ""}; '
        f"page built {when} with Python {platform.python_version()}. Every number on this page "
        f'is also in <a href="numbers.json">numbers.json</a>. Each lesson is also a Jupyter '
        f"notebook: <code>nnmath lessons --notebooks DIR</code>.</p>"
    )
    if failed:
        head += f'<p class="error">Failed lessons: {e(", ".join(failed))}</p>'
    body = "\n".join(_section(r) for r in results)
    return f"{head}{body}</main></body></html>\n"


def numbers_document(results: Sequence[Any]) -> dict[str, Any]:
    """The JSON document: run info plus, per lesson, its numbers, figures, time and error."""
    return {
        "fast": any(r.fast for r in results),
        "total_seconds": round(sum(r.seconds for r in results), 3),
        "lessons": {
            r.name: {
                "title": r.title,
                "headline": r.headline,
                "numbers": r.numbers,
                "figures": r.figures,
                "seconds": round(r.seconds, 3),
                "fast": r.fast,
                "shortened_by_fast": bool(r.shortened),
                "error": r.error,
            }
            for r in results
        },
    }


def prepare(out_dir: str | Path, clean: bool = False) -> Path:
    """Create the report folder; ``clean=True`` first removes an earlier report in it."""
    out = Path(out_dir)
    if clean:
        for name in ("index.html", "numbers.json"):
            (out / name).unlink(missing_ok=True)
        for name in ("figures", STORE):
            shutil.rmtree(out / name, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    return out


def load_stored(out_dir: str | Path) -> list[Any]:
    """The lessons stored in ``out_dir`` by earlier runs, in teaching order."""
    from nnmath.lessons import LESSONS, LessonResult

    order = {name: k for k, name in enumerate(LESSONS)}
    stored = []
    for path in sorted((Path(out_dir) / STORE).glob("*.json")):
        try:
            stored.append(LessonResult.from_dict(json.loads(path.read_text(encoding="utf-8"))))
        except (ValueError, TypeError):
            continue  # an unreadable entry from another version: dropped, rebuilt on rerun
    return sorted(stored, key=lambda r: (order.get(r.name, len(order)), r.name))


def write_report(results: Sequence[Any], out_dir: str | Path) -> Path:
    """Store ``results`` and rebuild ``index.html`` and ``numbers.json`` from every lesson
    stored in ``out_dir`` (earlier runs' lessons are kept). Returns the HTML path."""
    out = prepare(out_dir)
    store = out / STORE
    store.mkdir(exist_ok=True)
    for r in results:
        (store / f"{r.name}.json").write_text(json.dumps(r.to_dict(), indent=1) + "\n",
                                              encoding="utf-8")
    everything = load_stored(out)
    (out / "numbers.json").write_text(json.dumps(numbers_document(everything), indent=2) + "\n")
    page = out / "index.html"
    page.write_text(render_html(everything), encoding="utf-8")
    return page
