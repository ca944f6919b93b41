"""HTML building blocks: escaping, two-language labels, tables; the page shell is a template.

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

from markupsafe import Markup

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
    from .templating import macro  # the templates' filters are built on this module

    return str(macro("label")(vi, en))


def both(vi: str, en: str) -> str:
    """Both languages in one string, for places spans cannot go (title attributes)."""
    return vi if vi == en else f"{vi} / {en}"


class Raw(str):
    """Markup already built here (never file text): inserted as is by :func:`table`."""


def built(fragment: str) -> Markup:
    """Mark a fragment this package built (from templates or :func:`esc`) as safe to insert.

    The one place Python-made markup crosses into a template, so the trust is stated once."""
    return Markup(fragment)  # noqa: S704 - only fragments built by this package reach here


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Iterable[int] = (),
    css: str = "",
    empty: str | None = None,
) -> str:
    """A table; ``headers`` are markup (use :func:`t`), cells are escaped unless :class:`Raw`."""
    from .templating import render  # the templates' filters are built on this module

    cells = [[built(v) if isinstance(v, Raw) else v for v in row] for row in rows]
    if not cells and empty is not None:
        return render("dq_report", "empty.html", empty=built(empty))
    return render(
        "dq_report",
        "table.html",
        headers=[built(h) for h in headers],
        rows=cells,
        numeric=set(numeric),
        css=css,
    )


def cards(items: Iterable[Sequence[Any]]) -> str:
    """Figure cards (``templates/cards.html``): (label markup, value, note markup) each."""
    from .templating import render

    return render(
        "dq_report",
        "cards.html",
        cards=[
            (built(label), built(value) if isinstance(value, Raw) else value, built(note))
            for label, value, note in items
        ],
    )


def link(href: str, text_html: str) -> Raw:
    from .templating import macro

    return Raw(macro("link")(href, built(text_html)))


def muted(vi: str, en: str) -> str:
    """A quiet note in both languages, such as the text shown when a section has nothing."""
    from .templating import macro

    return str(macro("muted")(vi, en))


def panel(vi: str, en: str, body: str) -> str:
    """A titled panel around ``body``, which is markup built here."""
    from .templating import macro

    return str(macro("panel")(vi, en, built(body)))


def grid2(panels: Iterable[str]) -> str:
    """Panels side by side, two to a row."""
    from .templating import macro

    return str(macro("grid2")([built(p) for p in panels]))


def page(title_vi: str, title_en: str, body: str, *, depth: int = 0, generated: datetime | None = None) -> str:
    """A whole page (``templates/page.html``): navigation, the language switch, then ``body``."""
    return page_from("page.html", title_vi, title_en, depth=depth, generated=generated, body=built(body))


def page_from(
    template: str, title_vi: str, title_en: str, *, depth: int = 0, generated: datetime | None = None, **context: Any
) -> str:
    """A whole page from ``template``, which extends ``page.html`` and fills its body."""
    from .templating import render  # the templates' filters are built on this module

    return render(
        "dq_report",
        template,
        title_vi=title_vi,
        title_en=title_en,
        up="../" * depth,
        stamp=generated.strftime("%d/%m/%Y %H:%M") if generated else "",
        **context,
    )
