"""A small Markdown-to-HTML converter for the lessons' explanations, formulas as MathML.

Enough Markdown for the lessons and no more: headings, paragraphs, bullet and numbered
lists, ``**bold**``, ``*italic*``, ```code```, ``[links](url)``, inline formulas ``$...$``
and display formulas ``$$...$$`` (a block of their own). Formulas are converted at build time
to MathML by ``latex2mathml``, so the page needs no JavaScript; every current browser
typesets MathML natively. Without ``latex2mathml`` a formula is shown as its LaTeX text.

Example:
    >>> to_html("The cost $J$ falls.")[:27]
    '<p>The cost <math xmlns="ht'
"""

from __future__ import annotations

import html
import re

__all__ = ["latex_to_mathml", "to_html"]


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """MathML for ``latex`` (``display=True``: a centred block formula)."""
    try:
        from latex2mathml.converter import convert
    except ImportError:  # pragma: no cover - latex2mathml is in the report extras
        tag = "div" if display else "span"
        return f'<{tag} class="tex">{html.escape(latex)}</{tag}>'
    latex = latex.strip().replace(":=", r"\coloneqq ")  # one symbol, not "w: = w"
    return convert(latex, display="block" if display else "inline")


_TOKEN = re.compile(r"`([^`]+)`|\$([^$]+)\$")


def _inline(text: str) -> str:
    """Inline markup of one paragraph (code and formulas first, so their text is literal)."""
    keep: list[str] = []

    def stash(m: re.Match) -> str:
        if m.group(1) is not None:
            keep.append(f"<code>{html.escape(m.group(1))}</code>")
        else:
            keep.append(latex_to_mathml(m.group(2)))
        return f"\x00{len(keep) - 1}\x00"

    text = html.escape(_TOKEN.sub(stash, text), quote=False)
    text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)
    text = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)",
                  lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', text)
    return re.sub(r"\x00(\d+)\x00", lambda m: keep[int(m.group(1))], text)


def to_html(markdown: str, heading_offset: int = 1) -> str:
    """HTML for ``markdown``; headings move down by ``heading_offset`` levels (``#`` -> h2)."""
    out: list[str] = []
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if not s:
            i += 1
            continue
        if s.startswith("$$"):  # display formula, maybe over several lines
            body = [s[2:]]
            if not (s.endswith("$$") and len(s) > 3):
                i += 1
                while i < len(lines) and "$$" not in lines[i]:
                    body.append(lines[i])
                    i += 1
                if i < len(lines):
                    body.append(lines[i].split("$$")[0])
            else:
                body = [s[2:-2]]
            out.append(f'<div class="formula">{latex_to_mathml(" ".join(body), True)}</div>')
            i += 1
            continue
        m = re.match(r"^(#{1,6})\s+(.*)$", s)
        if m:
            level = min(len(m.group(1)) + heading_offset, 6)
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            i += 1
            continue
        if re.match(r"^([-*]|\d+\.)\s+", s):
            ordered = bool(re.match(r"^\d+\.", s))
            items: list[str] = []
            while i < len(lines) and lines[i].strip():
                t = lines[i].strip()
                item = re.match(r"^([-*]|\d+\.)\s+(.*)$", t)
                if item:
                    items.append(item.group(2))
                elif items:
                    items[-1] += " " + t
                i += 1
            tag = "ol" if ordered else "ul"
            out.append(f"<{tag}>" + "".join(f"<li>{_inline(x)}</li>" for x in items)
                       + f"</{tag}>")
            continue
        para = []
        while i < len(lines) and lines[i].strip() and not lines[i].strip().startswith("$$") \
                and not re.match(r"^(#{1,6}\s|[-*]\s|\d+\.\s)", lines[i].strip()):
            para.append(lines[i].strip())
            i += 1
        out.append(f"<p>{_inline(' '.join(para))}</p>")
    return "\n".join(out)
