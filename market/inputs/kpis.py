"""The KPI table's inputs (规划指标): a target, and a value recorded by hand."""

from market.inputs.fields import Choice, Date, InputSchema, Integer, Quantity, Text
from market.models.vocab import KPI_METRICS, KPI_PERIOD_KINDS

YEARS = {"low": 1990, "high": 2100}


class KpiIn(InputSchema):
    name = Text("指标名称", required=True, max_len=100, metadata={"hint": "如：技术合同交易额（2026年）"})
    unit = Text(
        "单位",
        required=True,
        max_len=20,
        description="单位，如 亿元、项、人，最多20字",
        metadata={"hint": "如：亿元、项、人、家"},
    )
    baseline_value = Quantity("基期值", metadata={"hint": "可不填"})
    baseline_year = Integer("基期年份", **YEARS, metadata={"hint": "可不填，如 2020"})
    target_value = Quantity("目标值", required=True)
    target_year = Integer("目标年份", required=True, **YEARS)
    start_year = Integer(
        "考核起始年份",
        required=True,
        **YEARS,
        description="考核起始年份，不晚于目标年份",
        metadata={"hint": "累计指标从该年1月1日起累计；年度指标从该年起逐年考核"},
    )
    period_kind = Choice("考核方式", KPI_PERIOD_KINDS, required=True)
    source = Text(
        "来源文件",
        required=True,
        max_len=300,
        metadata={"hint": "规划或方案的名称，如《秦创原创新驱动平台建设三年行动计划（2024—2026年）》"},
    )
    metric = Choice(
        "自动计算口径",
        tuple(KPI_METRICS),
        description="自动计算口径：" + "、".join(KPI_METRICS) + "；不填为手工填报",
    )
    sort_order = Integer("排序", low=0, high=10000, metadata={"hint": "数字小的排在前面，可不填"})


class KpiEntryIn(InputSchema):
    value = Quantity("填报值", required=True, metadata={"example": "12.5"})
    as_of = Date(
        "数据日期",
        required=True,
        description="数据日期，不晚于今天",
        metadata={"hint": "该数值对应的日期（截至哪一天）"},
    )
    note = Text("说明", max_len=300, metadata={"hint": "可不填，如数据来源、统计口径", "rows": 2})
