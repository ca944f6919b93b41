"""The templates' filters and globals: the formula-injection guard and the language switch."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from markupsafe import Markup

from reform_etl.dq_report.templating import cell, environment, render, t, text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=SUM(A1)", "&#x27;=SUM(A1)"),
        ("@cmd", "&#x27;@cmd"),
        ("+1 555", "&#x27;+1 555"),
        ("\t=1", "&#x27;\t=1"),
        ("-12,5", "-12,5"),  # a negative number stays a number
        ('=HYPERLINK("x")', "&#x27;=HYPERLINK(&quot;x&quot;)"),
        ("<b>Hà Nội</b> & co", "&lt;b&gt;Hà Nội&lt;/b&gt; &amp; co"),
        (None, ""),
        (1234567, "1,234,567"),
        (Decimal("12.5"), "12.50"),
        (3.0, "3"),
        (date(2025, 7, 1), "01/07/2025"),
        (datetime(2025, 7, 1, 8, 5), "01/07/2025 08:05"),
    ],
)
def test_the_cell_filter_escapes_formats_and_makes_formulas_inert(value, shown):
    assert cell(value) == shown and isinstance(cell(value), Markup)
    assert environment("dq_report").from_string("{{ v|cell }}").render(v=value) == shown


def test_autoescape_is_on_and_the_cell_filter_is_not_escaped_twice():
    env = environment("dashboard")
    assert env.from_string("{{ v }}").render(v="<script>") == "&lt;script&gt;"
    assert env.from_string("{{ v|cell }}").render(v="a & b") == "a &amp; b"
    assert env.from_string("{{ v|text }}").render(v="it's =1") == "it&#x27;s =1"  # text: escaped, not a cell
    assert env.from_string("{{ v|inert }}").render(v="=1+1") == "&#39;=1+1"


def test_the_language_switch_writes_both_languages_escaped():
    assert t("Tổng quan", "Overview") == '<span class="vi">Tổng quan</span><span class="en">Overview</span>'
    assert t("a<b", "it's") == '<span class="vi">a&lt;b</span><span class="en">it&#x27;s</span>'
    page = environment("dq_report").from_string("{{ t('Tỉnh', 'Province') }} {{ both('Tỉnh', 'Province') }}")
    assert page.render() == '<span class="vi">Tỉnh</span><span class="en">Province</span> Tỉnh / Province'


def test_both_sites_shells_carry_the_switch_and_the_title():
    for site in ("dq_report", "dashboard"):
        page = render(
            site,
            "page.html",
            title_vi="Tổng quan",
            title_en="Overview & more",
            body=Markup("<p>x</p>"),
            up="../",
            stamp="01/07/2025 08:00",
            dq_link=True,
        )
        assert '<html lang="vi">' in page and 'id="lang-switch"' in page and "toggleLang" in page
        assert "<title>Tổng quan / Overview &amp; more</title>" in page and "<p>x</p>" in page
        assert 'href="../index.html' in page and "01/07/2025 08:00" in page
    assert text(None) == ""
