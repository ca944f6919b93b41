"""Jinja2 for both static sites: one environment per site, the shared filters and globals.

Templates live in ``templates/`` beside each package; the scorecard's folder is searched
first, then the data-quality report's, whose page pieces (style sheet, language switch)
both sites share. Autoescape is on. Values reach a page through the filters below, which
escape them the way the pages always have (``&#x27;`` for an apostrophe), so that the
output does not change with the move into templates:

- ``cell``: any value from a delivered file or the warehouse: escaped, numbers and dates
  formatted, and a text a spreadsheet would run as a formula made inert (``'=SUM(A1)``);
- ``text``: plain text the project wrote itself, escaped only;
- ``t(vi, en)``: a label in both languages, Vietnamese shown unless the reader switched.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from .html import both, esc, inert
from .html import t as _t

SITES = {"dq_report": ("dq_report",), "dashboard": ("dashboard", "dq_report")}


def cell(value: Any) -> Markup:
    """The formula-injection guard and escaping of :func:`reform_etl.dq_report.html.esc`."""
    return Markup(esc(value))  # noqa: S704 - esc() has escaped it


def text(value: Any) -> Markup:
    return Markup(html.escape("" if value is None else str(value), quote=True))  # noqa: S704 - escaped here


def t(vi: str, en: str) -> Markup:
    return Markup(_t(vi, en))  # noqa: S704 - _t escapes both texts


@cache
def environment(site: str) -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader(f"reform_etl.{package}", "templates") for package in SITES[site]]),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        auto_reload=False,  # a site is written by one process; no need to stat templates per use
    )
    env.filters.update(cell=cell, text=text, inert=inert)
    env.globals.update(t=t, both=both)
    env.tests["markup"] = lambda value: isinstance(value, Markup)  # built here, inserted as is
    return env


def macro(name: str, template: str = "bits.html") -> Any:
    """A macro of a template (``bits.html`` unless named), for pieces Python puts together."""
    return getattr(environment("dq_report").get_template(template).module, name)


def render(site: str, name: str, **context: Any) -> str:
    return environment(site).get_template(name).render(**context)
