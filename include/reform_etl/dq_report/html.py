"""HTML building blocks: escaping, two-language labels, tables, the page shell.

Everything that came from a delivered file (names, raw values, reasons quoting them) goes
through :func:`esc`, which HTML-escapes it and makes a cell that a spreadsheet would run as
a formula (``=``, ``+``, ``-``, ``@``, tab, CR) inert by showing it with a leading
apostrophe, so copying a table into Excel cannot execute anything.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)*")


def _is_number(text: str) -> bool:
    # Only a bare number ('-3', '-12,5') is left as it is: it is data, and harmless in a sheet.
    return bool(_PLAIN_NUMBER.fullmatch(text))


def inert(text: str) -> str:
    """The text as a spreadsheet must see it: a formula-like start made literal."""
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def esc(value: Any) -> str:
    """Escape any value for HTML text or attribute, formula-safe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float | Decimal):
        number = float(value)
        return f"{number:,.2f}" if not number.is_integer() else f"{int(number):,}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return html.escape(inert(str(value)), quote=True)


def t(vi: str, en: str) -> str:
    """A label in both languages; CSS shows the one chosen (Vietnamese by default)."""
    return f'<span class="vi">{html.escape(vi)}</span><span class="en">{html.escape(en)}</span>'


def both(vi: str, en: str) -> str:
    """Both languages in one string, for places spans cannot go (title attributes)."""
    return vi if vi == en else f"{vi} / {en}"


class Raw(str):
    """Markup already built here (never file text): inserted as is by :func:`table`."""


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Iterable[int] = (),
    css: str = "",
    empty: str | None = None,
) -> str:
    """A table; ``headers`` are markup (use :func:`t`), cells are escaped unless :class:`Raw`."""
    numeric = set(numeric)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            klass = ' class="n"' if i in numeric else ""
            cells.append(f"<td{klass}>{value if isinstance(value, Raw) else esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body and empty is not None:
        return f'<p class="muted">{empty}</p>'
    head = "".join(f"<th>{h}</th>" for h in headers)
    return (
        f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def link(href: str, text_html: str) -> Raw:
    return Raw(f'<a href="{html.escape(href, quote=True)}">{text_html}</a>')


STYLE = """
:root{--ok:#1a7f37;--warn:#b7791f;--late:#c2410c;--bad:#b42318;--miss:#7a1f1f;--muted:#5b6673;--line:#d6dde6}
*{box-sizing:border-box}
body{font-family:"Noto Sans","DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;
font-size:14px;line-height:1.45;background:#f7f9fb}
header.top{background:#12385f;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header.top h1{font-size:1.15rem;margin:0;font-weight:600}header.top nav a{color:#dce9f7;margin-right:1rem}
header.top button{margin-left:auto;background:#fff;color:#12385f;border:0;border-radius:4px;padding:.3rem .7rem;
cursor:pointer;font-weight:600}
main{max-width:1320px;margin:0 auto;padding:1rem 1.5rem 3rem}
h2{font-size:1.1rem;margin:1.8rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
a{color:#0b5cad}.muted,small{color:var(--muted)}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:.85rem;background:#fff;margin:.3rem 0}
th,td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top;max-width:34rem;
overflow-wrap:break-word}
th{background:#eef2f6;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
table.wide{width:100%}
.cards{display:flex;gap:.8rem;flex-wrap:wrap}.card{background:#fff;border:1px solid var(--line);border-radius:6px;
padding:.5rem .9rem;min-width:150px}.card b{display:block;font-size:1.35rem}
table.matrix td,table.matrix th{text-align:center;padding:.15rem .35rem;min-width:2.4rem}
table.matrix td.p,table.matrix th.p{text-align:left;white-space:nowrap;position:sticky;left:0;background:#fff}
table.matrix tr.merged td.p{padding-left:1.3rem;color:var(--muted)}
.s{display:inline-block;min-width:1.6rem;border-radius:3px;font-weight:700;color:#fff;text-decoration:none}
.s-delivered{background:var(--ok)}.s-warnings{background:var(--warn)}.s-late{background:var(--late)}
.s-rejected{background:var(--bad)}.s-missing{background:#fff;color:var(--miss);border:1px dashed var(--miss)}
.s-pending{background:#e8edf2;color:var(--muted)}.s-extra{background:#6b7f99}
.legend span.s{margin:0 .2rem 0 .8rem}
.status-loaded{color:var(--ok)}.status-rejected{color:var(--bad);font-weight:600}
.status-duplicate,.status-superseded{color:var(--muted)}
.sev-error{color:var(--bad);font-weight:600}.sev-warning{color:var(--warn);font-weight:600}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem .9rem}
svg text{font-family:inherit}
details>summary{cursor:pointer;font-weight:600;margin:.4rem 0}
html:not(.lang-en) .en{display:none}html.lang-en .vi{display:none}
"""

SCRIPT = """
(function(){var k='reform-dq-lang',d=document.documentElement;
function set(l){d.classList.toggle('lang-en',l==='en');d.lang=l;try{localStorage.setItem(k,l)}catch(e){}}
var q=/[?&#]lang=(en|vi)/.exec(location.search+location.hash);
if(q){set(q[1])}else{try{var s=localStorage.getItem(k);if(s)set(s)}catch(e){}}
window.toggleLang=function(){set(d.classList.contains('lang-en')?'vi':'en')};})();
"""


def page(title_vi: str, title_en: str, body: str, *, depth: int = 0, generated: datetime | None = None) -> str:
    """A whole page: header with navigation and the language switch, then ``body``."""
    up = "../" * depth
    nav = "".join(
        f'<a href="{up}{href}">{t(vi, en)}</a>'
        for href, vi, en in (
            ("index.html", "Tổng quan", "Overview"),
            ("provinces.html", "Tỉnh/thành", "Provinces"),
            ("files.html", "Tệp đã nhận", "Files"),
            ("rules.html", "Quy tắc kiểm tra", "Rules"),
            ("gx/index.html", "GX Data Docs", "GX Data Docs"),
        )
    )
    stamp = generated.strftime("%d/%m/%Y %H:%M") if generated else ""
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(both(title_vi, title_en))}</title><style>{STYLE}</style><script>{SCRIPT}</script></head>
<body><header class="top"><h1>{t("Chất lượng dữ liệu CCHC", "CCHC data quality")}</h1><nav>{nav}</nav>
<button type="button" onclick="toggleLang()" id="lang-switch">{t("English", "Tiếng Việt")}</button></header>
<main><h2 style="border:0;margin-top:.6rem">{t(title_vi, title_en)}</h2>
<p class="muted">{t("Lập lúc", "Generated")} {stamp}</p>
{body}
</main></body></html>
"""
