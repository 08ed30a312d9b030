"""A static HTML page for one sweep, built from the storage alone (figures embedded)."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

__all__ = ["write_page"]


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_page(result: Any, path: str | Path) -> Path:
    """Write ``path`` (one self-contained HTML file: table, figures, environment).

    Example:
        >>> load_study("sqlite:///sweeps.db", "cat-logistic-grid").write_html("sweep.html")
        ... # doctest: +SKIP
    """
    from .diagnosis import explain

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figs = [(kind, _png(result.plot(kind))) for kind in ("params", "history", "curves")]
    names = sorted({k for t in result.trials for k in t.params})
    head = "".join(f"<th>{html.escape(h)}</th>" for h in
                   ["trial", *names, result.metric, "state", "diagnosis", "seconds", "seed",
                    "error"])
    rows = []
    for t in result.trials:
        cells = [t.number, *[t.params.get(n) for n in names],
                 "" if t.value is None else f"{t.value:.6g}", t.state,
                 f'<span title="{html.escape(explain(t.diagnosis))}">{t.diagnosis}</span>',
                 "" if t.duration is None else f"{t.duration:.1f}", t.seed, t.error or ""]
        rows.append("<tr>" + "".join(
            f"<td>{c if isinstance(c, str) and c.startswith('<span') else html.escape(str(c))}"
            "</td>" for c in cells) + "</tr>")
    env = next((t.env for t in result.trials if t.env), {})
    best = (f"<p>best: trial {result.best_trial.number}, {result.metric} "
            f"{result.best_value:.6g}, {html.escape(str(result.best_params))}</p>"
            if result.best_trial else "<p>no complete trial yet</p>")
    body = f"""<!doctype html><html><head><meta charset="utf-8">
<title>sweep {html.escape(result.study)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;font-size:90%}}
img{{max-width:100%}}</style></head><body>
<h1>Sweep {html.escape(result.study)}</h1>
<p>target {html.escape(str(result.attrs.get('target')))}, metric {html.escape(result.metric)}
({result.direction}), search {html.escape(str(result.attrs.get('search')))}, study seed
{html.escape(str(result.attrs.get('seed')))}; storage {html.escape(result.storage)}</p>
{best}
<table><tr>{head}</tr>{''.join(rows)}</table>
<p>diagnoses: diverged (the loss blew up), oscillating (keeps changing direction), too slow
(crawls), good (falls and levels off).</p>
{''.join(f'<h2>{k}</h2><img alt="{k}" src="data:image/png;base64,{b}">' for k, b in figs)}
<p>environment of the trials: {html.escape(str(env))}</p>
</body></html>
"""
    path.write_text(body)
    return path
