"""Reading the audit trail (admins only), as people read it: Chinese names, and each change as text, old →
new.

Entries store what the services wrote (codes, ids, fen, UTC timestamps, JSON); nothing here changes them. The
readable form is computed when a page of entries is read, with one lookup per kind of referenced row.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.clock import beijing_text
from market.extensions import db
from market.models import Achievement, AuditEntry, Demand, Equipment, Field, Organisation, User
from market.models.vocab import (
    BOOKING_KINDS,
    BOOKING_STATUSES,
    CERTIFICATION_LEVELS,
    CONTRACT_STATUSES,
    CONTRACT_SUBTYPES,
    CONTRACT_TYPES,
    DEAL_STAGES,
    DEAL_TERMINATION_REASONS,
    KPI_PERIOD_KINDS,
    LISTING_KINDS,
    LISTING_STATUSES,
    ORG_KINDS,
    PAYMENT_MODES,
    ROLES,
    VERIFICATION_STATES,
    WEEKDAYS,
)
from market.money import fen_to_yuan, format_fen
from market.services.base import Page, paginate
from market.services.filters import query_text
from market.services.kpis import METRICS
from market.services.matching import REJECT_REASONS
from market.services.permissions import require_admin
from market.storage import file_size

EMPTY = "（空）"

FIELD_LABELS = {
    # listings
    "title": "标题",
    "summary": "摘要",
    "description": "描述",
    "field_id": "技术领域",
    "keywords": "关键词",
    "trl": "技术成熟度（TRL）",
    "maturity": "成熟度",
    "form": "成果形式",
    "patent_numbers": "专利号",
    "transfer_modes": "转化方式",
    "price_fen": "意向价格",
    "confidential_details": "保密信息",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "联系邮箱",
    "budget_min_fen": "预算下限",
    "budget_max_fen": "预算上限",
    "deadline": "截止日期",
    "cooperation_mode": "合作方式",
    "open_call": "揭榜挂帅",
    "reward_fen": "揭榜奖励",
    "name": "名称",
    "model": "型号",
    "category": "仪器类别",
    "location": "所在地点",
    "open_for_booking": "开放预约",
    "fee_items": "收费标准",
    "status": "状态",
    "note": "说明",
    # contracts
    "number": "合同编号",
    "contract_type": "合同类型",
    "subtype": "转让/许可标的",
    "seller_org_id": "卖方",
    "buyer_org_id": "买方",
    "broker_id": "技术经纪人",
    "achievement_id": "关联科技成果",
    "demand_id": "关联技术需求",
    "amount_fen": "合同金额",
    "recognised_fen": "核定技术交易额",
    "payment_mode": "支付方式",
    "signed_on": "签订日期",
    "term_start": "合同起始日期",
    "term_end": "合同截止日期",
    "field": "技术领域",
    "seller_region": "卖方所在区域",
    "seller_kind": "卖方类型",
    "buyer_province": "买方所在省份",
    "registration_number": "登记编号",
    "reason": "原因",
    "file": "文件",
    "size": "文件大小",
    "sha256": "文件校验值（SHA-256）",
    "files": "图片和文档（个）",
    "files_order": "图片和文档顺序",
    "caption": "说明",
    # accounts, organisations, brokers, the taxonomy, settings
    "organisation": "单位",
    "role": "身份",
    "active": "账号正常",
    "api_tokens_revoked": "作废的 API 令牌数",
    "verification_state": "认证状态",
    "kind": "类型",
    "region": "所在区域",
    "credit_code": "统一社会信用代码",
    "bio": "简介",
    "certification_level": "认证等级",
    "specialties": "擅长领域",
    "position": "排序",
    "auto_publish_verified": "已认证单位免审核发布",
    "deal_stale_days": "对接停滞提醒天数",
    # policies
    "issuer": "发布机构",
    "doc_number": "文号",
    "published_on": "发布日期",
    "effective_on": "生效日期",
    "expires_on": "失效日期",
    "body": "正文",
    "tags": "标签",
    "link": "原文链接",
    # deals and matching
    "requested_broker_id": "邀请的技术经纪人",
    "stage": "阶段",
    "next_action": "下一步",
    "next_action_due": "下一步截止日期",
    "message_id": "留言编号",
    "org_id": "单位",
    "version": "协议版本",
    "before": "此前的决定",
    "decision": "决定",
    "reason_code": "拒绝原因",
    # KPIs
    "unit": "单位",
    "baseline_value": "基期值",
    "baseline_year": "基期年份",
    "target_value": "目标值",
    "target_year": "目标年份",
    "start_year": "考核起始年份",
    "period_kind": "统计口径",
    "source": "来源文件",
    "metric": "自动计算口径",
    "sort_order": "排序",
    "target": "目标值",
    "entries": "手工填报记录",
    "value": "填报值",
    "as_of": "数据日期",
    # bookings and instruments
    "equipment_id": "仪器",
    "accepted": "接受改期",
    "minutes": "实际使用时长（分钟）",
    "samples": "实际检测样品数",
    "fee_fen": "费用",
    "starts_at": "开始时间",
    "ends_at": "结束时间",
    "training_required": "需培训后使用",
    "sample_types": "可接收样品",
    "booking_rules": "使用须知",
    "cancel_hours": "可取消时限（小时）",
    "opening_hours": "开放时间",
    # the worker's jobs
    "handler": "处理程序",
    "last_error": "最近一次错误",
    "count": "数量",
    # sign-in throttling
    "scope": "限制对象",
    "key": "账号或地址",
    "failures": "连续失败次数",
    "wait_seconds": "需等待（秒）",
    "channel": "登录方式",
}
# Where a word means something else on one kind of object.
FIELD_LABELS_BY_TYPE = {
    "organisation": {"name": "单位名称", "kind": "单位类型", "note": "认证说明"},
    "user": {"organisation": "所属单位"},
    "field": {"name": "领域名称", "active": "启用"},
    "kpi": {"name": "指标名称", "unit": "计量单位", "note": "说明"},
    "equipment": {"name": "仪器名称", "reason": "停机原因"},
    "contract": {"title": "合同名称"},
    "booking": {"kind": "预约类型", "status": "预约状态", "reason": "原因"},
    "deal": {"reason": "终止原因", "file": "附件"},
    "policy": {"title": "政策名称", "summary": "摘要"},
    "match_decision": {"note": "备注"},
}
# And where the action says what kind of reason or note it is.
FIELD_LABELS_BY_ACTION = {
    "contract.correct": {"reason": "更正原因"},
    "contract.attach_correction": {"reason": "更正原因"},
    "contract.return": {"reason": "退回原因"},
    "booking.reject": {"reason": "拒绝原因"},
    "booking.propose": {"reason": "改期说明"},
    "booking.cancel": {"reason": "取消原因"},
    **{f"{kind}.reject": {"note": "退回原因"} for kind in LISTING_KINDS},
}

_BOOLEAN = {"1": "是", "0": "否"}
VALUE_LABELS = {
    "contract_type": CONTRACT_TYPES,
    "subtype": CONTRACT_SUBTYPES,
    "payment_mode": PAYMENT_MODES,
    "seller_kind": ORG_KINDS,
    "role": ROLES,
    "verification_state": VERIFICATION_STATES,
    "stage": DEAL_STAGES,
    "certification_level": CERTIFICATION_LEVELS,
    "period_kind": KPI_PERIOD_KINDS,
    "decision": {"accepted": "接受", "rejected": "拒绝"},
    "auto_publish_verified": _BOOLEAN,
    "reason_code": REJECT_REASONS,
    "metric": {code: name for code, (name, _unit) in METRICS.items()},
    "scope": {"account": "账号", "address": "客户端地址"},
    "channel": {"page": "登录页", "api": "API 令牌"},
}
VALUE_LABELS_BY_TYPE = {
    "contract": {"status": CONTRACT_STATUSES},
    "booking": {"status": BOOKING_STATUSES, "kind": BOOKING_KINDS},
    "organisation": {"kind": ORG_KINDS},
    "deal": {"reason": DEAL_TERMINATION_REASONS},
    **{kind: {"status": LISTING_STATUSES} for kind in LISTING_KINDS},
}
# Columns that hold the id of another row: shown by that row's name.
REFERENCES = {
    "seller_org_id": (Organisation, Organisation.name),
    "buyer_org_id": (Organisation, Organisation.name),
    "org_id": (Organisation, Organisation.name),
    "broker_id": (User, User.display_name),
    "requested_broker_id": (User, User.display_name),
    "achievement_id": (Achievement, Achievement.title),
    "demand_id": (Demand, Demand.title),
    "equipment_id": (Equipment, Equipment.name),
    "field_id": (Field, Field.name),
}
# What an entry of these verbs records is what was there before (a deleted draft, a removed file).
REMOVING_VERBS = ("delete", "detach", "unblock", "delete_file")
# Written instead of a value the log must not copy (a result's confidential details, a whole fee schedule).
UPDATED_MARK = "updated"
LIST_FIELDS = ("keywords", "tags", "specialties", "transfer_modes", "patent_numbers")
FACT_LISTS = ("entries",)  # kpi.delete keeps the removed entries as [[as_of, value], …]
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


@dataclass(frozen=True)
class Change:
    """One changed field: its code, its Chinese name, and the old and new values as text (None: not
    applicable)."""

    field: str
    label: str
    before: str | None
    after: str | None


def list_audit_entries(actor, object_type: str = "", page=1, per_page=50) -> Page:
    """Newest audit entries first, optionally for one kind of object, each with its readable_changes."""
    require_admin(actor)
    query = select(AuditEntry).options(selectinload(AuditEntry.actor)).order_by(AuditEntry.id.desc())
    if object_type := query_text(object_type):
        query = query.where(AuditEntry.object_type == object_type)
    result = paginate(query, page, per_page)
    describe_entries(result.items)
    return result


def describe_entries(entries) -> None:
    """Give each entry `readable_changes` (not a column): its changes as Change rows, names looked up once for
    all."""
    names = _names(entries)
    for entry in entries:
        entry.readable_changes = readable_changes(entry, names)


def readable_changes(entry: AuditEntry, names: dict | None = None) -> list[Change]:
    """An entry's changes as text: {field: [old, new]} becomes before → after; a plain value is what the
    action recorded (after; before for removals); empty facts are left out."""
    names = _names([entry]) if names is None else names
    removing = entry.action.rsplit(".", 1)[-1] in REMOVING_VERBS
    rows = []
    for field, value in (entry.changes or {}).items():
        label = field_label(field, entry.object_type, entry.action)
        if _is_pair(field, value):
            before, after = (_text(field, v, entry.object_type, names) for v in value)
            if before == after and value[0] != value[1] and field.endswith("_fen"):
                before, after = (_exact_yuan(v) for v in value)  # 万元 rounding would hide the difference
            rows.append(Change(field, label, before, after))
        elif value is None or value == "" or value == []:
            continue
        else:
            text = _text(field, value, entry.object_type, names)
            rows.append(Change(field, label, text, None) if removing else Change(field, label, None, text))
    return rows


def field_label(field: str, object_type: str = "", action: str = "") -> str:
    """The Chinese name of a field in the audit log; an unknown one is shown as it is."""
    return (
        FIELD_LABELS_BY_ACTION.get(action, {}).get(field)
        or FIELD_LABELS_BY_TYPE.get(object_type, {}).get(field)
        or FIELD_LABELS.get(field, field)
    )


# ---- values as text -----------------------------------------------------------------------------------


def _is_pair(field: str, value) -> bool:
    """[old, new] as audit.diff writes it; a list-valued field's own value (two keywords) is not one."""
    if not (isinstance(value, list) and len(value) == 2) or field in FACT_LISTS:
        return False
    return field not in LIST_FIELDS or all(v is None or isinstance(v, list) for v in value)


def _names(entries) -> dict:
    """{(model, id): name} of every row the entries' changes refer to, one query per model."""
    wanted: dict = {}
    for entry in entries:
        for field, value in (entry.changes or {}).items():
            if field in REFERENCES:
                model, column = REFERENCES[field]
                ids = value if isinstance(value, list) else [value]
                wanted.setdefault((model, column), set()).update(i for i in ids if isinstance(i, int))
    names = {}
    for (model, column), ids in wanted.items():
        if ids:
            for row_id, name in db.session.execute(select(model.id, column).where(model.id.in_(sorted(ids)))):
                names[(model, row_id)] = name
    return names


def _text(field: str, value, object_type: str, names: dict) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if field in REFERENCES and isinstance(value, int):
        model = REFERENCES[field][0]
        name = names.get((model, value))
        return f"{name}（编号 {value}）" if name else f"编号 {value}"
    if field.endswith("_fen") and isinstance(value, int):
        return format_fen(value)
    if value == UPDATED_MARK and field in ("fee_items", "confidential_details"):
        return "已修改（内容不记入日志）" if field == "confidential_details" else "已修改"
    if field == "size" and isinstance(value, int):
        return file_size(value)
    if field == "opening_hours" and isinstance(value, dict):
        return _opening_hours(value)
    vocabulary = VALUE_LABELS_BY_TYPE.get(object_type, {}).get(field) or VALUE_LABELS.get(field)
    if vocabulary is not None and isinstance(value, (str, int)):
        return vocabulary.get(str(value), str(value))
    if isinstance(value, dict):
        return (
            "；".join(
                f"{field_label(k, object_type)}：{_text(k, v, object_type, names)}" for k, v in value.items()
            )
            or EMPTY
        )
    if isinstance(value, list):
        return "、".join(
            "：".join(str(part) for part in item)
            if isinstance(item, list)
            else _text(field, item, object_type, names)
            for item in value
        )
    if isinstance(value, str) and _TIMESTAMP.match(value.strip()):
        return _beijing(value.strip())
    return str(value)


def _beijing(stamp: str) -> str:
    """A stored timestamp (UTC unless it says otherwise) in Beijing time."""
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return beijing_text(moment)


def _exact_yuan(fen) -> str:
    return EMPTY if fen is None else f"{format_fen(fen)}（{fen_to_yuan(fen):,}元）"


def _opening_hours(hours: dict) -> str:
    days = []
    for number, day in enumerate(WEEKDAYS):
        spans = hours.get(str(number)) or []
        if spans:
            days.append(day + " " + "、".join(f"{start}–{end}" for start, end in spans))
    return "；".join(days) or "不开放"
