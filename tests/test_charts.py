"""Server-drawn SVG charts: one mark per row, escaped labels, an empty state instead of an error."""

import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from xml.etree import ElementTree

import pytest
from markupsafe import Markup

from market.charts import bar_chart, line_chart, month_series, shorten

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup) -> ElementTree.Element:
    return ElementTree.fromstring(str(markup))


def test_bar_chart_draws_one_bar_per_row_scaled_to_the_largest():
    items = [("技术开发", 300, "3元"), ("技术转让", 150, "1.5元"), ("技术服务", 0, "0元")]
    svg = _parse(bar_chart(items, "按合同类型"))

    bars = svg.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 3
    widths = [float(b.get("width")) for b in bars]
    assert widths[0] == pytest.approx(2 * widths[1], abs=0.2) and widths[2] == 0
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "技术开发" in texts and "1.5元" in texts
    assert svg.get("width") == "100%" and svg.get("viewBox").startswith("0 0 ")


def test_bar_chart_accepts_exact_amounts_and_keeps_a_tiny_share_visible():
    svg = _parse(bar_chart([("大额", Decimal("123456789012.34"), "12亿元"), ("小额", 1, "0.01元")], "金额"))
    small = svg.findall(f".//{SVG}rect[@class='bar']")[1]
    assert 0 < float(small.get("width")) <= 2


def test_labels_and_titles_are_escaped():
    markup = bar_chart([("<script>alert(1)</script>", 5, "5 & 6")], '图"表<b>')
    text = str(markup)
    assert isinstance(markup, Markup)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<b>" not in text and 'aria-label="图&quot;表&lt;b&gt;"' in text
    assert "5 &amp; 6" in text
    _parse(markup)  # still well-formed XML

    line = str(line_chart([("<img src=x>", 3, "3"), ("二月", 4, "4")], "按月份"))
    assert "<img" not in line and "&lt;img src=x&gt;" in line


def test_empty_data_renders_an_empty_state_not_an_error():
    for markup in (
        bar_chart([], "按技术领域"),
        line_chart([], "按月份"),
        line_chart([("1月", 0, "0元")], "按月份"),
    ):
        assert "<svg" not in str(markup)
        assert "所选期间暂无数据" in str(markup)
    assert "没有数字" in str(bar_chart([], "x", empty_text="没有数字"))


def test_line_chart_has_one_point_per_month_and_thins_axis_labels_for_long_periods():
    items = [(f"{2000 + n // 12}年{n % 12 + 1}月", n, str(n)) for n in range(120)]
    svg = _parse(line_chart(items, "十年"))
    assert len(svg.findall(f".//{SVG}circle[@class='point']")) == 120
    axis = [t for t in svg.iter(f"{SVG}text") if t.get("transform")]
    assert 0 < len(axis) <= 12


def test_month_series_fills_the_months_without_contracts():
    rows = [SimpleNamespace(key="2026-02", amount_fen=5), SimpleNamespace(key="2026-04", amount_fen=7)]
    series = month_series(rows, date(2026, 1, 1), date(2026, 5, 31))
    assert [key for key, _, _ in series] == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05"]
    assert [row.amount_fen if row else 0 for _, _, row in series] == [0, 5, 0, 7, 0]
    assert series[0][1] == "2026年1月"
    crossing = month_series([], date(2025, 11, 15), date(2026, 2, 1))
    assert [key for key, _, _ in crossing] == ["2025-11", "2025-12", "2026-01", "2026-02"]


def test_long_labels_are_shortened_with_an_ellipsis_and_kept_whole_in_the_tooltip():
    name = "西咸新区" * 30
    assert shorten(name, 14, 200).endswith("…") and len(shorten(name, 14, 200)) < len(name)
    svg = str(bar_chart([(name, 1, "1元")], "卖方"))
    assert re.search(f"<title>{name}：1元</title>", svg)


def test_axis_ticks_are_round_numbers_at_or_above_the_largest_value():
    from market.money import format_fen

    items = [("1月", 3_525_000_00, "x"), ("2月", 14_100_000_00, "y")]  # 352.5 and 1,410 万元
    svg = _parse(line_chart(items, "成交额", tick_text=lambda fen: format_fen(int(fen))))
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("font-size") == "10"]
    assert ticks == ["500万元", "1,000万元", "1,500万元", "2,000万元"]  # not 352.5 / 1,057.5 万元


def test_a_round_step_is_the_smallest_that_reaches_the_largest_value():
    from market.charts import nice_step

    assert [nice_step(v) for v in (999, 1000, 1410, 4000, 4001, 3.3)] == [250, 250, 500, 1000, 2000, 1]
