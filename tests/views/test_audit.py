"""The admin's audit log page: Chinese action names, changes as old → new text, Beijing time, escaped
output."""

import html
import re

from market.models import AuditEntry
from market.services import audit, contracts


def _plain(response) -> str:
    """The page's visible text, tags removed."""
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _log(page: str) -> str:
    return page.split("操作日志", 2)[-1]


def test_the_audit_page_names_actions_in_chinese_and_shows_changes_as_text(
    client, make_user, make_contract, login, db
):
    admin = make_user("admin", display_name="登记员老王")
    contract = make_contract(status="registered", recognised="1400000")
    contracts.correct_contract(admin, contract.id, {"amount": "1600000"}, "补充协议增加金额")
    login(admin)
    response = client.get("/admin/audit")
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    page = _log(_plain(response))
    for label in ("登记合同", "更正合同", "提交合同登记", "创建合同草稿", "技术合同"):
        assert label in page
    assert "contract.register" not in page and "contract.correct" not in page
    assert "\\u" not in raw and "&#34;" not in raw and '{"' not in page  # no raw JSON, no escaped code points
    assert re.search(r"合同金额：\s*150万元\s*→\s*160万元", page)
    assert re.search(r"核定技术交易额：\s*140万元", page)
    assert "原因：" in page and "补充协议增加金额" in page
    assert "登记员老王" in page
    assert "时间（北京时间）" in page


def test_the_audit_page_filters_by_object_and_keeps_stored_text_escaped(client, make_user, login, db):
    admin = make_user("admin")
    audit.record(admin, "policy.update", "policy", 7, {"title": ["<script>alert(1)</script>", "新标题"]})
    audit.record(None, "future.thing", "gadget", None, {"note": "说明"})
    db.session.commit()
    login(admin)
    raw = client.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    page = _log(_plain(client.get("/admin/audit")))
    assert "修改政策" in page and "政策名称：" in page and "新标题" in page
    assert "future.thing" in page and "系统" in page  # an unknown code as it is; no actor: the system
    only = _log(_plain(client.get("/admin/audit?type=policy")))
    assert "修改政策" in only and "future.thing" not in only
    assert db.session.query(AuditEntry).count() == 2


def test_only_admins_see_the_audit_page(client, make_user, login):
    login(make_user("university"))
    assert client.get("/admin/audit").status_code == 403
