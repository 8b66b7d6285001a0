"""The audit trail as people read it: every action code has a Chinese name, and changes read as text, old →
new."""

import ast
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from market.errors import PermissionDenied
from market.models import AuditEntry
from market.models.vocab import _LISTING_VERBS, AUDIT_ACTIONS, LISTING_KINDS
from market.services import audit, audit_log, contracts, listings
from market.services.audit_log import Change

MARKET = Path(__file__).resolve().parents[2] / "market"


def _audit_calls():
    """The action argument of every audit.record(...) call in market/."""
    for path in MARKET.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "record"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "audit"
                and len(node.args) >= 2
            ):
                yield path.relative_to(MARKET), node.args[1]


def _pattern(node) -> str | None:
    """A regex for an action built at run time: f"{kind}.{action}" or "match_" + decision."""
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+" for part in node.values
        )
    if isinstance(node, ast.BinOp) and isinstance(node.left, ast.Constant):
        return re.escape(node.left.value) + "[a-z_]+"
    return None


def test_every_action_code_written_in_market_has_a_chinese_name():
    literal, built = set(), []
    for path, node in _audit_calls():
        if isinstance(node, ast.Constant):
            literal.add(node.value)
        else:
            built.append((path, _pattern(node)))
    assert len(literal) > 40  # the walk found the calls
    assert sorted(code for code in literal if code not in AUDIT_ACTIONS) == []
    for path, pattern in built:
        assert pattern is not None, f"{path}: an action code the test cannot read"
        assert any(re.fullmatch(pattern, code) for code in AUDIT_ACTIONS), (path, pattern)
    # the codes built at run time, spelled out: listings' lifecycle, bookings' decisions, brokers' match
    # verdicts
    verbs = {"create", "update", "resubmit", "delete", *listings.TRANSITIONS}
    assert verbs <= set(_LISTING_VERBS)
    expected = {f"{kind}.{verb}" for kind in LISTING_KINDS for verb in verbs}
    expected |= {"booking.approve", "booking.reject", "booking.propose", "match_accepted", "match_rejected"}
    assert sorted(expected - set(AUDIT_ACTIONS)) == []
    assert all(re.search(r"[\u4e00-\u9fff]", label) for label in AUDIT_ACTIONS.values())


def test_an_action_without_a_name_is_shown_by_its_code():
    assert AuditEntry(action="contract.register").action_label == "登记合同"
    assert AuditEntry(action="demand.expire").action_label == "技术需求到期"
    assert AuditEntry(action="something.new").action_label == "something.new"
    assert AuditEntry(object_type="contract").object_type_label == "技术合同"
    assert AuditEntry(object_type="gadget").object_type_label == "gadget"


def _entry(db, action, object_type, changes, actor=None) -> AuditEntry:
    """An entry written the way the services write one (datetimes and dates become text)."""
    audit.record(actor, action, object_type, 1, changes)
    db.session.commit()
    return db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()


def _changes(db, entry) -> list[Change]:
    db.session.expire_all()
    return audit_log.readable_changes(db.session.get(AuditEntry, entry.id))


def test_a_registration_and_a_correction_read_as_text(make_user, make_contract, db):
    admin = make_user("admin")
    contract = make_contract(status="registered", recognised="1400000")
    contracts.correct_contract(
        admin, contract.id, {"amount": "1600000", "payment_mode": "lump_sum"}, "补充协议增加金额"
    )
    page = audit_log.list_audit_entries(admin, "contract")
    by_action = {entry.action: entry for entry in page.items}
    assert by_action["contract.register"].action_label == "登记合同"
    registered = {c.field: c for c in by_action["contract.register"].readable_changes}
    assert registered["recognised_fen"] == Change("recognised_fen", "核定技术交易额", None, "140万元")
    assert registered["registration_number"].after == contract.registration_number
    corrected = {c.field: c for c in by_action["contract.correct"].readable_changes}
    assert corrected["amount_fen"] == Change("amount_fen", "合同金额", "150万元", "160万元")
    assert corrected["payment_mode"] == Change("payment_mode", "支付方式", "分期支付", "一次总付")
    assert corrected["reason"] == Change("reason", "更正原因", None, "补充协议增加金额")
    submitted = {c.field: c for c in by_action["contract.submit"].readable_changes}
    assert submitted["status"].after == "待登记"
    created = {c.field: c for c in by_action["contract.create"].readable_changes}
    assert created["title"].label == "合同名称"


def test_names_times_money_and_schedules_read_as_people_write_them(make_user, make_org, db):
    seller, buyer = make_org(name="西北工业大学"), make_org(kind="enterprise", name="秦汉新材料有限公司")
    broker = make_user("broker", display_name="王经纪")
    deal = _changes(
        db,
        _entry(
            db,
            "deal.open",
            "deal",
            {
                "seller_org_id": seller.id,
                "buyer_org_id": buyer.id,
                "achievement_id": None,
                "demand_id": 999999,
            },
        ),
    )
    assert deal == [
        Change("seller_org_id", "卖方", None, f"西北工业大学（编号 {seller.id}）"),
        Change("buyer_org_id", "买方", None, f"秦汉新材料有限公司（编号 {buyer.id}）"),
        Change("demand_id", "关联技术需求", None, "编号 999999"),
    ]  # empty facts are left out
    assigned = _changes(db, _entry(db, "deal.assign", "deal", {"broker_id": [None, broker.id]}))
    assert assigned == [Change("broker_id", "技术经纪人", "（空）", f"王经纪（编号 {broker.id}）")]
    stage = _changes(
        db, _entry(db, "deal.stage", "deal", {"stage": ["negotiation", "terminated"], "reason": "price"})
    )
    assert stage == [
        Change("stage", "阶段", "对接洽谈", "终止"),
        Change("reason", "终止原因", None, "价格未谈拢"),
    ]

    start = datetime(2026, 12, 8, 1, 0, tzinfo=timezone.utc)  # as the service stores it: UTC
    block = _changes(
        db,
        _entry(
            db, "equipment.block", "equipment", {"starts_at": start, "ends_at": "2026-12-08 03:30:00+00:00"}
        ),
    )
    assert [c.after for c in block] == ["2026-12-08 09:00", "2026-12-08 11:30"]  # Beijing time
    unblocked = _changes(db, _entry(db, "equipment.unblock", "equipment", {"starts_at": start}))
    assert unblocked == [Change("starts_at", "开始时间", "2026-12-08 09:00", None)]  # what was removed
    hours = _changes(
        db,
        _entry(
            db,
            "equipment.booking_rules",
            "equipment",
            {
                "opening_hours": [
                    {},
                    {"0": [["09:00", "12:00"], ["13:00", "17:00"]], "5": [["09:00", "12:00"]]},
                ],
                "training_required": [False, True],
                "cancel_hours": [24, 48],
            },
        ),
    )
    assert hours == [
        Change("opening_hours", "开放时间", "不开放", "周一 09:00–12:00、13:00–17:00；周六 09:00–12:00"),
        Change("training_required", "需培训后使用", "否", "是"),
        Change("cancel_hours", "可取消时限（小时）", "24", "48"),
    ]

    price = _changes(
        db,
        _entry(
            db,
            "achievement.update",
            "achievement",
            {
                "price_fen": [150_000_000, 150_000_025],
                "budget_min_fen": [None, 5_000],
                "fee_items": "updated",
                "confidential_details": "updated",
                "keywords": [["正极材料"], ["正极材料", "锂电池"]],
                "status": ["draft", "pending"],
            },
        ),
    )
    assert price == [
        Change(
            "price_fen", "意向价格", "150万元（1,500,000.00元）", "150万元（1,500,000.25元）"
        ),  # rounding would hide it
        Change("budget_min_fen", "预算下限", "（空）", "50元"),
        Change("fee_items", "收费标准", None, "已修改"),
        Change("confidential_details", "保密信息", None, "已修改（内容不记入日志）"),
        Change("keywords", "关键词", "正极材料", "正极材料、锂电池"),
        Change("status", "状态", "草稿", "待审核"),
    ]
    specialties = _changes(
        db, _entry(db, "broker.update", "broker_profile", {"specialties": ["光子", "氢能"]})
    )
    assert specialties == [Change("specialties", "擅长领域", None, "光子、氢能")]  # two names, not old → new
    kpi = _changes(
        db,
        _entry(
            db,
            "kpi.delete",
            "kpi",
            {"name": "技术合同交易额", "entries": [["2026-06-30", "80.5"], ["2026-09-30", "120"]]},
        ),
    )
    assert kpi == [
        Change("name", "指标名称", "技术合同交易额", None),
        Change("entries", "手工填报记录", "2026-06-30：80.5、2026-09-30：120", None),
    ]
    setting = _changes(db, _entry(db, "setting.update", "setting", {"auto_publish_verified": ["1", "0"]}))
    assert setting == [Change("auto_publish_verified", "已认证单位免审核发布", "是", "否")]
    unknown = _changes(db, _entry(db, "gadget.spin", "gadget", {"colour": ["红", "蓝"], "extra": {"a": 1}}))
    assert unknown == [Change("colour", "colour", "红", "蓝"), Change("extra", "extra", None, "a：1")]
    for change in deal + block + hours + price + kpi + unknown:
        for text in (change.before, change.after):
            assert text is None or ("\\u" not in text and not text.startswith(("{", "[")))


def test_only_admins_read_the_audit_trail(make_user, db):
    for role in ("university", "enterprise", "broker", "viewer"):
        with pytest.raises(PermissionDenied):
            audit_log.list_audit_entries(make_user(role))
    with pytest.raises(PermissionDenied):
        audit_log.list_audit_entries(None)
