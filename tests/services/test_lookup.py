"""Pick by typing (services/lookup) for the contract's parties: verified organisations by name with their kind
and region, active brokers by name or organisation; only what the person asking may see, never a contact
detail, and a bounded answer however many organisations there are."""

import time

from market.extensions import db
from market.models import Organisation
from market.services import lookup
from tests.conftest import credit_code_with_check


def names(items) -> list[str]:
    return [item["title"] for item in items]


def test_verified_organisations_are_found_by_part_of_their_name_with_kind_and_region(make_org, make_user):
    university = make_org(kind="university", name="西北工业大学", region="沣东")
    make_org(kind="enterprise", name="西安某精密工业有限公司", region="空港")
    make_org(kind="enterprise", name="待认证的工业公司", verification_state="pending")
    make_org(kind="enterprise", name="未通过的工业公司", verification_state="rejected")
    asker = make_user("enterprise")

    found = lookup.lookup(asker, "organisation", "工业")

    assert sorted(names(found)) == sorted(["西北工业大学", "西安某精密工业有限公司"])  # verified only
    first = next(item for item in found if item["id"] == university.id)
    assert first["kind"] == "university" and first["kind_label"] == "高校" and first["region"] == "沣东"
    assert first["label"] == "西北工业大学（高校）"
    assert first["detail"] == f"高校 · 沣东 · 编号 {university.id}"
    assert set(first) == {"id", "title", "org", "kind", "kind_label", "region", "label", "detail"}


def test_a_name_that_starts_with_the_words_comes_before_one_that_only_contains_them(make_org):
    make_org(name="陕西交通大学")
    make_org(name="交通运输研究院")
    assert names(lookup.lookup(None, "organisation", "交通"))[0] == "交通运输研究院"


def test_an_unverified_organisation_is_not_offered_to_anyone_even_by_its_number(make_org, make_user):
    pending = make_org(kind="enterprise", name="待认证的某公司", verification_state="pending")
    member = make_user("enterprise", org=pending)
    for asker in (None, member, make_user("admin")):
        assert lookup.lookup(asker, "organisation", "待认证") == []
        assert lookup.describe(asker, "organisation", pending.id) is None


def test_a_number_finds_its_organisation_first_and_describe_names_it(make_org):
    org = make_org(kind="institute", name="陕西省某研究所", region="秦汉")
    assert lookup.lookup(None, "organisation", f"#{org.id}")[0]["id"] == org.id
    assert lookup.describe(None, "organisation", org.id) == "陕西省某研究所（科研院所）"


def test_many_organisations_give_a_bounded_answer_in_good_time(app, make_org):
    """Past 300 organisations the form used to switch to a list of all of them: the lookup asks for at most
    `limit` rows, whatever the table holds."""
    start = 900_000
    db.session.add_all(
        Organisation(
            kind="enterprise",
            name=f"秦创原成员企业{n:04d}",
            region="沣西",
            verification_state="verified",
            credit_code=credit_code_with_check(f"91610000MB{start + n:07d}"),
        )
        for n in range(1500)
    )
    db.session.commit()
    began = time.perf_counter()
    found = lookup.lookup(None, "organisation", "成员企业01", limit=20)
    took = time.perf_counter() - began
    assert len(found) == 20 and all("成员企业01" in title for title in names(found))
    assert names(found) == sorted(names(found))
    assert lookup.lookup(None, "organisation", "成员企业1499") and took < 1.0


def test_active_brokers_are_found_by_name_or_by_organisation_without_contact_details(make_org, make_user):
    firm = make_org(kind="intermediary", name="秦创原技术转移中心")
    broker = make_user("broker", org=firm, display_name="王经纪")
    make_user("broker", display_name="王离职", active=False)
    make_user("enterprise", display_name="王企业")

    by_name = lookup.lookup(None, "broker", "王")
    assert names(by_name) == ["王经纪"]
    item = by_name[0]
    assert item == {
        "id": broker.id,
        "title": "王经纪",
        "org": "秦创原技术转移中心",
        "label": "王经纪（秦创原技术转移中心）",
        "detail": f"秦创原技术转移中心 · 编号 {broker.id}",
    }
    assert broker.email not in str(item)
    assert names(lookup.lookup(None, "broker", "技术转移中心")) == ["王经纪"]
    assert lookup.describe(None, "broker", broker.id) == "王经纪（秦创原技术转移中心）"


def test_a_broker_number_that_is_not_a_broker_finds_nothing(make_user):
    someone = make_user("enterprise")
    assert lookup.describe(None, "broker", someone.id) is None
