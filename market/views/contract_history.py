"""A contract's history as its page shows it: who, when, what; changed fields as old → new, in Chinese."""

from market.models.vocab import CONTRACT_STATUSES, CONTRACT_SUBTYPES, CONTRACT_TYPES, ORG_KINDS, PAYMENT_MODES
from market.money import fen_to_yuan
from market.storage import file_size

FIELD_LABELS = {
    "number": "合同编号",
    "title": "合同名称",
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
    "note": "备注",
    "registration_number": "登记编号",
    "status": "状态",
    "file": "文件",
    "size": "文件大小",
    "sha256": "文件校验值（SHA-256）",
}
ACTION_LABELS = {
    "contract.create": "创建草稿",
    "contract.update": "修改",
    "contract.submit": "提交登记",
    "contract.register": "登记",
    "contract.return": "退回",
    "contract.correct": "更正",
    "contract.attach": "上传附件",
    "contract.detach": "删除附件",
    "contract.delete": "删除草稿",
    "contract.attach_correction": "更正：补充附件",
}
VALUE_LABELS = {
    "contract_type": CONTRACT_TYPES,
    "subtype": CONTRACT_SUBTYPES,
    "payment_mode": PAYMENT_MODES,
    "seller_kind": ORG_KINDS,
    "status": CONTRACT_STATUSES,
}


def exact_yuan(fen) -> str:
    """An amount to the fen with thousands separators, for where rounding to 万元 would hide a difference."""
    return "—" if fen is None else f"{fen_to_yuan(fen):,} 元"


def _value(name: str, value, contract) -> str:
    if value is None or value == "":
        return "（空）"
    if name.endswith("_fen"):
        return exact_yuan(value)
    if name in VALUE_LABELS:
        return VALUE_LABELS[name].get(value, str(value))
    if name in ("seller_org_id", "buyer_org_id"):
        names = {contract.seller_org_id: contract.seller.name, contract.buyer_org_id: contract.buyer.name}
        return names.get(value, f"机构（编号 {value}）")
    if name == "broker_id":
        return (
            contract.broker.display_name
            if contract.broker and contract.broker.id == value
            else f"经纪人（编号 {value}）"
        )
    if name in ("achievement_id", "demand_id"):
        return f"编号 {value}"
    if name == "size":
        return file_size(value) if isinstance(value, int) else str(value)
    return str(value)


def history_rows(entries, contract) -> list[dict]:
    """Audit entries as the page shows them: who, when, what; changed fields as old → new; the reason
    apart."""
    rows = []
    for entry in entries:
        changes = dict(entry.changes or {})
        reason = changes.pop("reason", None)
        diffs, facts = [], []
        for name, value in changes.items():
            label = FIELD_LABELS.get(name, name)
            if isinstance(value, list) and len(value) == 2:
                diffs.append((label, _value(name, value[0], contract), _value(name, value[1], contract)))
            else:
                facts.append((label, _value(name, value, contract)))
        actor = entry.actor
        who = (
            "系统"
            if actor is None
            else actor.display_name + (f"（{actor.organisation.name}）" if actor.organisation else "")
        )
        rows.append(
            {
                "when": entry.created_at,
                "who": who,
                "what": ACTION_LABELS.get(entry.action, entry.action),
                "action": entry.action,
                "diffs": diffs,
                "facts": facts,
                "reason": reason,
            }
        )
    return rows
