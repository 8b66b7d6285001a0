"""Forms of the KPI table (规划指标), generated from their input declarations (market/inputs/kpis.py)."""

from market.forms.generated import form_for
from market.inputs.kpis import KpiEntryIn, KpiIn


def metric_choices(metrics: dict) -> list:
    """The computed measures (kpis.METRICS) offered on the form, after the manual option."""
    return [("", "手工填报（数据无法自动统计）")] + [
        (key, f"自动计算：{label}（{unit}）") for key, (label, unit) in metrics.items()
    ]


KpiForm = form_for(KpiIn)
KpiEntryForm = form_for(KpiEntryIn)
