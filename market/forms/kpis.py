"""Forms of the KPI table (规划指标): the fields kpis.create_kpi/update_kpi/add_kpi_entry read; the service
judges them."""

from wtforms import StringField, TextAreaField

from market.forms import ChoiceField, ServiceForm
from market.models.vocab import KPI_PERIOD_KINDS

NUMBER = {"inputmode": "decimal"}
YEAR = {"inputmode": "numeric"}


def metric_choices(metrics: dict) -> list:
    """The computed measures (kpis.METRICS) offered on the form, after the manual option."""
    return [("", "手工填报（数据无法自动统计）")] + [
        (key, f"自动计算：{label}（{unit}）") for key, (label, unit) in metrics.items()
    ]


class KpiForm(ServiceForm):
    name = StringField("指标名称", description="如：技术合同交易额（2026年）")
    unit = StringField("单位", description="如：亿元、项、人、家")
    baseline_value = StringField("基期值", description="可不填", render_kw=NUMBER)
    baseline_year = StringField("基期年份", description="可不填，如 2020", render_kw=YEAR)
    target_value = StringField("目标值", render_kw=NUMBER)
    target_year = StringField("目标年份", render_kw=YEAR)
    start_year = StringField(
        "考核起始年份", description="累计指标从该年1月1日起累计；年度指标从该年起逐年考核", render_kw=YEAR
    )
    period_kind = ChoiceField("考核方式", choices=[("", "请选择")] + list(KPI_PERIOD_KINDS.items()))
    source = StringField(
        "来源文件", description="规划或方案的名称，如《秦创原创新驱动平台建设三年行动计划（2024—2026年）》"
    )
    metric = ChoiceField("数据来源", choices=[])
    sort_order = StringField("排序", description="数字小的排在前面，可不填", render_kw=YEAR)


class KpiEntryForm(ServiceForm):
    value = StringField("填报值", render_kw=NUMBER)
    as_of = StringField("数据日期", description="该数值对应的日期（截至哪一天）", render_kw={"type": "date"})
    note = TextAreaField("说明", description="可不填，如数据来源、统计口径", render_kw={"rows": 2})
