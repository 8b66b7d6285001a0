"""Instrument booking over JSON: the week, the rules and blocks, requests and decisions, cancellation and the
fee, who sees what, the calendar export and utilisation; every response is checked against the OpenAPI
document."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.extensions import db
from market.models import Booking, BookingSlot, EquipmentBlock
from market.services import bookings as booking_service
from tests.api.conftest import error_of, field_errors
from tests.conftest import EQUIPMENT

API = "/api/v1"
HOURS = {str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(7)}  # 7 h a day, every day
DAY = today_in_beijing() + timedelta(days=7)
MONDAY = DAY - timedelta(days=DAY.weekday())


def at(hour: int, minute: int = 0, day: date = DAY) -> str:
    """A Beijing-time input value, as a user types it."""
    return datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes")


def bj(hour: int, minute: int = 0, day: date = DAY) -> str:
    """The same moment as the API writes it."""
    return f"{at(hour, minute, day)}:00+08:00"


@pytest.fixture
def world(make_user, make_org, make_listing):
    """The instrument's organisation (two members and a government viewer), a requester with a colleague,
    another enterprise, a viewer, an admin; the instrument is open 09–12 and 13–17 every day."""
    owner_org = make_org(kind="university")
    requester_org = make_org(kind="enterprise", name="秦汉新材料有限公司")
    users = {
        "owner": make_user("university", org=owner_org),
        "owner_colleague": make_user("university", org=owner_org),
        "owner_viewer": make_user("viewer", org=owner_org),
        "requester": make_user("enterprise", org=requester_org),
        "requester_colleague": make_user("enterprise", org=requester_org),
        "other": make_user("enterprise"),
        "viewer": make_user("viewer"),
        "admin": make_user("admin"),
    }
    instrument = make_listing("equipment", users["owner"], **EQUIPMENT)
    booking_service.set_booking_rules(
        users["owner"], instrument.id, {"opening_hours": HOURS, "cancel_hours": 24}
    )
    return {
        **users,
        "owner_org": owner_org,
        "requester_org": requester_org,
        "instrument": instrument,
        "fee_item": instrument.fee_items[0],
    }


def booking_body(world, start=None, end=None, **extra) -> dict:
    body = {
        "equipment_id": world["instrument"].id,
        "kind": "slot",
        "purpose": "观察正极材料颗粒形貌",
        "starts_at": start or at(9),
        "ends_at": end or at(11),
    }
    return {**body, **extra}


@pytest.fixture
def booked(client, world, tokens):
    """A booking made through the API by the requester (09:00–11:00 unless told), returned as JSON."""

    def make(start=None, end=None, who="requester", **extra):
        response = client.post(
            f"{API}/bookings", json=booking_body(world, start, end, **extra), headers=tokens(who)
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


def counts() -> tuple:
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count()).select_from(Booking)),
        db.session.scalar(select(func.count()).select_from(BookingSlot)),
    )


# ---- the flow ------------------------------------------------------------------------------------------


def test_a_request_is_approved_and_completed_with_the_exact_fee(client, world, tokens, validate):
    created = client.post(
        f"{API}/bookings",
        json=booking_body(world, fee_item_id=world["fee_item"].id),
        headers=tokens("requester"),
    )
    validate("/bookings", "post", created, 201)
    booking = created.get_json()
    assert (booking["status"], booking["status_label"], booking["kind"], booking["kind_label"]) == (
        "requested",
        "待审批",
        "slot",
        "机时预约",
    )
    assert (booking["starts_at"], booking["ends_at"]) == (bj(9), bj(11))
    assert booking["equipment"] == {"id": world["instrument"].id, "name": EQUIPMENT["name"]}
    assert booking["fee_item"] == {"id": world["fee_item"].id, "label": "形貌观察", "unit": "元/小时"}
    assert booking["requester"]["id"] == world["requester"].id
    assert booking["requester"]["organisation"]["name"] == "秦汉新材料有限公司"
    assert (booking["fee"], booking["fee_fen"], booking["tier"], booking["samples"]) == (
        None,
        None,
        None,
        None,
    )
    url = f"{API}/bookings/{booking['id']}"

    approved = client.post(f"{url}/decision", json={"decision": "approve"}, headers=tokens("owner"))
    validate("/bookings/{id}/decision", "post", approved, 200)
    assert approved.get_json()["status"] == "approved"

    done = client.post(f"{url}/complete", json={"actual_minutes": 95}, headers=tokens("owner"))
    validate("/bookings/{id}/complete", "post", done, 200)
    body = done.get_json()
    # 300 元/小时 × 95/60 h = 475.00 元, the external price: the requester is not of the instrument's
    # organisation.
    assert (body["status"], body["actual_minutes"], body["tier"], body["fee"], body["fee_fen"]) == (
        "completed",
        95,
        "external",
        "475.00",
        475_00,
    )
    seen = client.get(url, headers=tokens("requester"))
    validate("/bookings/{id}", "get", seen, 200)
    assert (seen.get_json()["fee"], seen.get_json()["status_label"]) == ("475.00", "已完成")
    again = client.post(f"{url}/complete", json={"actual_minutes": 10}, headers=tokens("owner"))
    validate("/bookings/{id}/complete", "post", again, 409)


def test_a_client_books_with_a_fee_item_it_read_from_the_instrument(client, world, tokens, validate, db):
    from market.models import EquipmentFee

    db.session.add(
        EquipmentFee(
            equipment_id=world["instrument"].id,
            label="能谱分析",
            unit="元/小时",
            price_fen=500_00,
            position=1,
        )
    )
    db.session.commit()
    read = client.get(f"{API}/equipment/{world['instrument'].id}", headers=tokens("requester"))
    validate("/equipment/{id}", "get", read, 200)
    items = read.get_json()["fee_items"]
    assert [(item["label"], item["price_yuan"]) for item in items] == [
        ("形貌观察", "300.00"),
        ("能谱分析", "500.00"),
    ]
    assert all(isinstance(item["id"], int) for item in items) and len({item["id"] for item in items}) == 2
    chosen = next(item for item in items if item["label"] == "能谱分析")

    created = client.post(
        f"{API}/bookings", json=booking_body(world, fee_item_id=chosen["id"]), headers=tokens("requester")
    )
    validate("/bookings", "post", created, 201)
    assert created.get_json()["fee_item"] == {"id": chosen["id"], "label": "能谱分析", "unit": "元/小时"}
    url = f"{API}/bookings/{created.get_json()['id']}"
    client.post(f"{url}/decision", json={"decision": "approve"}, headers=tokens("owner"))
    done = client.post(f"{url}/complete", json={"actual_minutes": 60}, headers=tokens("owner")).get_json()
    assert (done["fee"], done["fee_fen"]) == (
        "500.00",
        500_00,
    )  # the chosen item's price, not the first one's
    anonymous = client.get(f"{API}/equipment/{world['instrument'].id}").get_json()["fee_items"]
    assert [item["id"] for item in anonymous] == [
        item["id"] for item in items
    ]  # public, like the schedule itself


def test_a_colleague_of_the_owner_pays_the_internal_price(client, world, tokens, booked):
    booking = booked(at(13), at(15), who="owner_colleague", fee_item_id=world["fee_item"].id)
    url = f"{API}/bookings/{booking['id']}"
    client.post(f"{url}/decision", json={"decision": "approve"}, headers=tokens("owner"))
    body = client.post(f"{url}/complete", json={"actual_minutes": 90}, headers=tokens("owner")).get_json()
    assert (body["tier"], body["fee"], body["fee_fen"]) == ("internal", "225.00", 225_00)  # 150 × 1.5


def test_a_sample_job_is_charged_per_sample(client, world, tokens, validate, db):
    from market.models import EquipmentFee

    per_sample = EquipmentFee(
        equipment_id=world["instrument"].id, label="XRD 物相分析", unit="元/样", price_fen=80_50, position=5
    )
    db.session.add(per_sample)
    db.session.commit()
    created = client.post(
        f"{API}/bookings",
        json={
            "equipment_id": world["instrument"].id,
            "kind": "送样检测",
            "purpose": "粉末物相",
            "samples": 12,
            "fee_item_id": per_sample.id,
        },
        headers=tokens("requester"),
    )
    validate("/bookings", "post", created, 201)
    job = created.get_json()
    assert (job["kind"], job["samples"], job["starts_at"], job["ends_at"]) == ("samples", 12, None, None)
    url = f"{API}/bookings/{job['id']}"
    client.post(f"{url}/decision", json={"decision": "approve"}, headers=tokens("owner"))
    wrong = client.post(f"{url}/complete", json={"actual_minutes": 30}, headers=tokens("owner"))
    assert field_errors(wrong) == {"actual_samples": "请填写实际检测样品数"}
    body = client.post(f"{url}/complete", json={"actual_samples": 10}, headers=tokens("owner")).get_json()
    assert (body["actual_samples"], body["fee"], body["fee_fen"]) == (10, "805.00", 805_00)


def test_a_proposed_time_is_answered_by_the_requester(client, world, tokens, booked, validate):
    booking = booked(at(9), at(10))
    url = f"{API}/bookings/{booking['id']}"
    proposed = client.post(
        f"{url}/decision",
        json={"decision": "propose", "starts_at": at(14), "ends_at": at(15), "reason": "上午有培训"},
        headers=tokens("owner"),
    )
    validate("/bookings/{id}/decision", "post", proposed, 200)
    body = proposed.get_json()
    assert (body["status"], body["status_label"], body["reason"]) == ("proposed", "建议改期", "上午有培训")
    assert (body["proposed_starts_at"], body["proposed_ends_at"]) == (bj(14), bj(15))
    assert booked(at(9), at(10), who="other")["status"] == "requested"  # the old time is free again

    validate(
        "/bookings/{id}/answer",
        "post",
        client.post(f"{url}/answer", json={"accept": True}, headers=tokens("owner")),
        403,
    )
    # who may answer is checked before the answer is read
    assert client.post(f"{url}/answer", json={"accept": "好的"}, headers=tokens("owner")).status_code == 403
    assert field_errors(
        client.post(f"{url}/answer", json={"accept": "好的"}, headers=tokens("requester"))
    ) == {"accept": "请答复是否接受建议的时间（true 或 false）"}
    answered = client.post(f"{url}/answer", json={"accept": True}, headers=tokens("requester"))
    validate("/bookings/{id}/answer", "post", answered, 200)
    body = answered.get_json()
    assert (body["status"], body["starts_at"], body["ends_at"]) == ("approved", bj(14), bj(15))
    assert (body["proposed_starts_at"], body["proposed_ends_at"]) == (None, None)
    validate(
        "/bookings/{id}/answer",
        "post",
        client.post(f"{url}/answer", json={"accept": False}, headers=tokens("requester")),
        409,
    )


def test_declining_a_proposal_cancels_the_booking(client, world, tokens, booked):
    booking = booked(at(9), at(10))
    url = f"{API}/bookings/{booking['id']}"
    client.post(
        f"{url}/decision",
        json={"decision": "propose", "starts_at": at(14), "ends_at": at(15)},
        headers=tokens("owner"),
    )
    body = client.post(f"{url}/answer", json={"accept": False}, headers=tokens("requester")).get_json()
    assert body["status"] == "cancelled"
    assert booked(at(14), at(15), who="other")["status"] == "requested"


def test_a_rejection_needs_a_reason(client, world, tokens, booked, validate):
    url = f"{API}/bookings/{booked()['id']}"
    refused = client.post(f"{url}/decision", json={"decision": "reject"}, headers=tokens("owner"))
    validate("/bookings/{id}/decision", "post", refused, 422)
    assert field_errors(refused) == {"reason": "请填写原因"}
    assert field_errors(
        client.post(f"{url}/decision", json={"decision": "同意"}, headers=tokens("owner"))
    ) == {"decision": "请选择批准、拒绝或建议改期"}
    body = client.post(
        f"{url}/decision", json={"decision": "reject", "reason": "样品不符合要求"}, headers=tokens("owner")
    ).get_json()
    assert (body["status"], body["reason"]) == ("rejected", "样品不符合要求")


def test_the_requester_cancels_and_the_time_is_free_again(client, world, tokens, booked, validate):
    booking = booked()
    url = f"{API}/bookings/{booking['id']}"
    client.post(f"{url}/decision", json={"decision": "approve"}, headers=tokens("owner"))
    cancelled = client.post(f"{url}/cancel", json={"reason": "样品未准备好"}, headers=tokens("requester"))
    validate("/bookings/{id}/cancel", "post", cancelled, 200)
    assert (cancelled.get_json()["status"], cancelled.get_json()["reason"]) == ("cancelled", "样品未准备好")
    again = client.post(f"{url}/cancel", headers=tokens("requester"))  # no body at all is fine
    validate("/bookings/{id}/cancel", "post", again, 409)
    assert error_of(again, 409)["code"] == "invalid_transition"
    assert booked(who="other")["status"] == "requested"


def test_the_owner_cancels_only_with_a_reason(client, world, tokens, booked):
    url = f"{API}/bookings/{booked()['id']}"
    assert field_errors(client.post(f"{url}/cancel", json={}, headers=tokens("owner"))) == {
        "reason": "请填写取消原因"
    }
    body = client.post(f"{url}/cancel", json={"reason": "仪器故障"}, headers=tokens("owner")).get_json()
    assert (body["status"], body["reason"]) == ("cancelled", "仪器故障")


# ---- overlap and bad input -----------------------------------------------------------------------------


def test_an_overlapping_request_gets_409_in_chinese_and_nothing_is_stored(
    client, world, tokens, booked, validate
):
    booked(at(9), at(11))
    before = counts()
    taken = client.post(
        f"{API}/bookings", json=booking_body(world, at(10, 30), at(11, 30)), headers=tokens("other")
    )
    validate("/bookings", "post", taken, 409)
    assert taken.get_json() == {"error": {"code": "conflict", "message": "时段已被预约", "fields": {}}}
    assert counts() == before == (1, 4)
    assert booked(at(11), at(12), who="other")["status"] == "requested"  # touching is not overlapping


@pytest.mark.parametrize(
    "change,fields",
    [
        ({"starts_at": at(9, 15)}, {"starts_at": "时间须为整点或半点（预约以 30 分钟为单位）"}),
        ({"starts_at": at(11), "ends_at": at(10)}, {"ends_at": "结束时间须晚于开始时间"}),
        (
            {"starts_at": "下周一上午"},
            {"starts_at": "开始时间格式应为 年-月-日T时:分，例如 2026-12-03T09:00"},
        ),
        ({"starts_at": at(8), "ends_at": at(10)}, {"starts_at": "所选时段不在仪器开放时间内"}),
        (
            {"starts_at": at(11), "ends_at": at(14)},
            {"starts_at": "所选时段不在仪器开放时间内"},
        ),  # over the lunch break
        ({"kind": "samples", "samples": 0}, {"samples": "样品数量应在1到10000之间"}),
        ({"kind": "samples", "samples": "十个"}, {"samples": "样品数量必须是整数"}),
        ({"purpose": ""}, {"purpose": "请填写用途说明"}),
        ({"kind": "包场"}, {"kind": "预约类型“包场”无效，可选：slot、samples"}),
        ({"equipment_id": None}, {"equipment_id": "请选择仪器"}),
        ({"status": "approved"}, {"status": "未知字段"}),
    ],
)
def test_bad_requests_get_422_on_the_field_and_store_nothing(client, world, tokens, validate, change, fields):
    response = client.post(
        f"{API}/bookings", json={**booking_body(world), **change}, headers=tokens("requester")
    )
    validate("/bookings", "post", response, 422)
    assert field_errors(response) == fields
    assert counts() == (0, 0)


def test_who_may_book(client, world, tokens, make_user, api_token, validate):
    for who in ("viewer", "anonymous"):
        response = client.post(f"{API}/bookings", json=booking_body(world), headers=tokens(who))
        validate("/bookings", "post", response, 401 if who == "anonymous" else 403)
    unverified = api_token(make_user("enterprise", verified=False))
    assert (
        error_of(client.post(f"{API}/bookings", json=booking_body(world), headers=unverified), 403)["message"]
        == "请使用已通过平台认证的账号预约仪器"
    )
    missing = client.post(
        f"{API}/bookings", json={**booking_body(world), "equipment_id": 999999}, headers=tokens("requester")
    )
    assert error_of(missing, 404)["message"] == "该仪器不存在"
    assert counts() == (0, 0)


# ---- who sees and does what ----------------------------------------------------------------------------

READERS = {
    "requester": (200, True),
    "requester_colleague": (200, False),
    "owner": (200, True),
    "owner_colleague": (200, True),
    "admin": (200, True),
    "owner_viewer": (404, None),
    "other": (404, None),
    "viewer": (404, None),
    "anonymous": (401, None),
}


@pytest.mark.parametrize("who", sorted(READERS))
def test_a_booking_is_seen_by_its_parties_and_the_requester_only_by_some(
    client, world, tokens, booked, validate, who
):
    booking = booked()
    status, names_requester = READERS[who]
    response = client.get(f"{API}/bookings/{booking['id']}", headers=tokens(who))
    validate("/bookings/{id}", "get", response, status)
    if status == 200:
        requester = response.get_json()["requester"]
        assert (requester is not None) == names_requester
        if names_requester:
            assert requester["name"] == world["requester"].display_name
    elif status == 404:  # exactly what a booking that does not exist answers: nothing leaks
        assert response.get_json() == client.get(f"{API}/bookings/999999", headers=tokens(who)).get_json()


# who: (decision status, complete status)
ACTORS = {
    "requester": (403, 403),
    "requester_colleague": (403, 403),
    "other": (404, 404),
    "viewer": (404, 404),
    "owner_viewer": (404, 404),
    "anonymous": (401, 401),
}


@pytest.mark.parametrize("who", sorted(ACTORS))
def test_only_the_instruments_organisation_decides_and_records_use(
    client, world, tokens, booked, validate, who
):
    booking = booked()
    url = f"{API}/bookings/{booking['id']}"
    decide, complete = ACTORS[who]
    validate(
        "/bookings/{id}/decision",
        "post",
        client.post(f"{url}/decision", json={"decision": "approve"}, headers=tokens(who)),
        decide,
    )
    booking_service.decide_booking(world["owner"], booking["id"], "approve")
    validate(
        "/bookings/{id}/complete",
        "post",
        client.post(f"{url}/complete", json={"actual_minutes": 60}, headers=tokens(who)),
        complete,
    )
    db.session.expire_all()
    assert (
        db.session.get(Booking, booking["id"]).status,
        db.session.get(Booking, booking["id"]).fee_fen,
    ) == ("approved", None)


def test_the_lists_show_mine_and_incoming(client, world, tokens, booked, validate):
    first = booked(at(9), at(10))
    second = booked(at(13), at(14), who="other")
    for who, role, expected in (
        ("requester", "mine", [first]),
        ("other", "mine", [second]),
        ("owner", "incoming", [second, first]),
        ("admin", "incoming", [second, first]),
        ("other", "incoming", []),
        ("owner", "mine", []),
    ):
        response = client.get(f"{API}/bookings?role={role}", headers=tokens(who))
        validate("/bookings", "get", response, 200)
        body = response.get_json()
        assert [item["id"] for item in body["items"]] == [b["id"] for b in expected], (who, role)
        assert body["meta"]["total"] == len(expected)
    # the owner sees who asked; another requester in the list of mine sees themselves only
    incoming = client.get(f"{API}/bookings?role=incoming", headers=tokens("owner")).get_json()["items"]
    assert {item["requester"]["id"] for item in incoming} == {world["requester"].id, world["other"].id}
    booking_service.decide_booking(world["owner"], first["id"], "approve")
    filtered = client.get(
        f"{API}/bookings?role=incoming&status=approved&equipment_id={world['instrument'].id}",
        headers=tokens("owner"),
    ).get_json()
    assert [item["id"] for item in filtered["items"]] == [first["id"]]
    validate("/bookings", "get", client.get(f"{API}/bookings"), 401)


# ---- the week, the rules, blocks and the calendar ----------------------------------------------------


def test_the_week_shows_free_booked_blocked_and_mine(client, world, tokens, booked, validate):
    booked(at(9), at(10))
    booking_service.block_period(
        world["owner"], world["instrument"].id, {"starts_at": at(13), "ends_at": at(14), "reason": "保养"}
    )
    url = f"{API}/equipment/{world['instrument'].id}/availability?week={DAY.isoformat()}"
    for who, expected in (("requester", "mine"), ("other", "booked"), ("anonymous", "booked")):
        response = client.get(url, headers=tokens(who))
        validate("/equipment/{id}/availability", "get", response, 200)
        week = response.get_json()
        assert (week["equipment_id"], week["week"], week["slot_minutes"]) == (
            world["instrument"].id,
            MONDAY.isoformat(),
            30,
        )
        assert [day["date"] for day in week["days"]] == [
            (MONDAY + timedelta(days=n)).isoformat() for n in range(7)
        ]
        day = next(d for d in week["days"] if d["date"] == DAY.isoformat())
        assert len(day["slots"]) == 14  # 09–12 and 13–17 in half hours
        assert day["slots"][0] == {"start": bj(9), "end": bj(9, 30), "state": expected}
        assert [s["state"] for s in day["slots"]] == [expected] * 2 + ["free"] * 4 + ["blocked"] * 2 + [
            "free"
        ] * 6
    bad = client.get(f"{API}/equipment/{world['instrument'].id}/availability?week=下周")
    validate("/equipment/{id}/availability", "get", bad, 422)
    assert field_errors(bad) == {"week": "周的日期格式应为 年-月-日，例如 2026-12-07"}
    this_week = client.get(f"{API}/equipment/{world['instrument'].id}/availability").get_json()
    assert date.fromisoformat(this_week["week"]).weekday() == 0
    validate("/equipment/{id}/availability", "get", client.get(f"{API}/equipment/999999/availability"), 404)


def test_an_unpublished_instrument_has_no_public_week(client, world, tokens, make_listing):
    draft = make_listing("equipment", world["owner"], submit=False, **EQUIPMENT)
    assert client.get(f"{API}/equipment/{draft.id}/availability").status_code == 404
    assert client.get(f"{API}/equipment/{draft.id}/availability", headers=tokens("owner")).status_code == 200


def test_the_owner_sets_the_rules_and_everyone_reads_them(client, world, tokens, validate):
    url = f"{API}/equipment/{world['instrument'].id}/booking-rules"
    rules = {
        "opening_hours": {"0": [["08:30", "12:00"]], "4": [["14:00", "24:00"]]},
        "training_required": True,
        "sample_types": "粉末、块体",
        "booking_rules": "首次使用须参加培训。",
        "cancel_hours": 48,
    }
    saved = client.put(url, json=rules, headers=tokens("owner"))
    validate("/equipment/{id}/booking-rules", "put", saved, 200)
    read = client.get(url)
    validate("/equipment/{id}/booking-rules", "get", read, 200)
    assert read.get_json() == {"equipment_id": world["instrument"].id, **rules}
    for who, status in (("requester", 403), ("viewer", 403), ("anonymous", 401)):
        validate(
            "/equipment/{id}/booking-rules",
            "put",
            client.put(url, json={"cancel_hours": 1}, headers=tokens(who)),
            status,
        )
    bad = client.put(url, json={"opening_hours": {"0": [["09:15", "12:00"]]}}, headers=tokens("owner"))
    validate("/equipment/{id}/booking-rules", "put", bad, 422)
    assert "整点或半点" in field_errors(bad)["opening_hours"]
    assert client.get(url).get_json()["cancel_hours"] == 48


def test_the_owner_blocks_a_period_and_lifts_it(client, world, tokens, booked, validate):
    url = f"{API}/equipment/{world['instrument'].id}/blocks"
    blocked = client.post(
        url, json={"starts_at": at(13), "ends_at": at(15), "reason": "年度校准"}, headers=tokens("owner")
    )
    validate("/equipment/{id}/blocks", "post", blocked, 201)
    block = blocked.get_json()
    assert (block["starts_at"], block["ends_at"], block["reason"]) == (bj(13), bj(15), "年度校准")
    taken = client.post(
        f"{API}/bookings", json=booking_body(world, at(14), at(15)), headers=tokens("requester")
    )
    assert error_of(taken, 409)["message"] == "时段已被预约"
    booked(at(9), at(10))
    over = client.post(
        url, json={"starts_at": at(9), "ends_at": at(12), "reason": "保养"}, headers=tokens("owner")
    )
    validate("/equipment/{id}/blocks", "post", over, 409)
    assert "请先处理" in error_of(over, 409)["message"]
    for who, status in (("requester", 403), ("anonymous", 401)):
        validate(
            "/equipment/{id}/blocks",
            "post",
            client.post(
                url, json={"starts_at": at(16), "ends_at": at(17), "reason": "x"}, headers=tokens(who)
            ),
            status,
        )
    validate(
        "/equipment/{id}/blocks/{block_id}",
        "delete",
        client.delete(f"{url}/{block['id']}", headers=tokens("requester")),
        403,
    )
    validate(
        "/equipment/{id}/blocks/{block_id}",
        "delete",
        client.delete(f"{url}/{block['id']}", headers=tokens("owner")),
        204,
    )
    validate(
        "/equipment/{id}/blocks/{block_id}",
        "delete",
        client.delete(f"{url}/{block['id']}", headers=tokens("owner")),
        404,
    )
    assert db.session.scalar(select(func.count()).select_from(EquipmentBlock)) == 0
    assert booked(at(14), at(15), who="other")["status"] == "requested"


def test_the_calendar_lists_approved_bookings_and_blocks(client, world, tokens, booked):
    approved = booked(at(9), at(10))
    booked(at(15), at(16), who="other")  # still waiting: not in the calendar
    booking_service.decide_booking(world["owner"], approved["id"], "approve")
    booking_service.block_period(
        world["owner"], world["instrument"].id, {"starts_at": at(13), "ends_at": at(14), "reason": "保养"}
    )
    url = f"{API}/equipment/{world['instrument'].id}/calendar.ics"
    public = client.get(url)
    assert public.status_code == 200
    assert public.mimetype == "text/calendar" and public.mimetype_params.get("charset") == "utf-8"
    assert f'filename="equipment-{world["instrument"].id}.ics"' in public.headers["Content-Disposition"]
    text = public.get_data(as_text=True)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 2
    stamp = DAY.strftime("%Y%m%d")
    assert (
        f"DTSTART:{stamp}T010000Z\r\nDTEND:{stamp}T020000Z\r\nSUMMARY:预约：已预约" in text
    )  # 09:00 Beijing = 01:00 UTC
    assert f"DTSTART:{stamp}T050000Z\r\nDTEND:{stamp}T060000Z\r\nSUMMARY:停机：保养" in text
    assert "秦汉新材料" not in text
    assert "SUMMARY:预约：秦汉新材料有限公司" in client.get(url, headers=tokens("owner")).get_data(
        as_text=True
    )
    assert "秦汉新材料" not in client.get(url, headers=tokens("requester")).get_data(as_text=True)
    assert error_of(client.get(f"{API}/equipment/999999/calendar.ics"), 404)["code"] == "not_found"


# ---- utilisation ---------------------------------------------------------------------------------------


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def test_utilisation_per_instrument_and_month(
    client, world, tokens, booked, make_user, make_listing, validate
):
    other_owner = make_user("enterprise")
    elsewhere = make_listing("equipment", other_owner, **{**EQUIPMENT, "name": "高分辨透射电镜"})
    used = booked(at(9), at(11), fee_item_id=world["fee_item"].id)  # 120 minutes
    waiting = booked(at(13), at(14), who="other")  # requested only: not counted
    booking_service.decide_booking(world["owner"], used["id"], "approve")
    booking_service.complete_booking(world["owner"], used["id"], {"actual_minutes": 120})  # 600.00 元, today
    assert waiting["status"] == "requested"
    booked_in, paid_in = _month(DAY), _month(datetime.now(booking_service.BEIJING).date())
    days_in_month = ((DAY.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    for month in sorted({booked_in, paid_in}):
        response = client.get(f"{API}/equipment/utilisation?month={month}", headers=tokens("owner"))
        validate("/equipment/utilisation", "get", response, 200)
        body = response.get_json()
        assert body["meta"] == {"month": month}
        [row] = body["items"]
        assert (row["equipment"], row["month"]) == (
            {"id": world["instrument"].id, "name": EQUIPMENT["name"]},
            month,
        )
        minutes = 120 if month == booked_in else 0
        assert row["booked_minutes"] == minutes
        assert row["blocked_minutes"] == 0 and row["available_minutes"] == row["open_minutes"]
        if month == booked_in:
            assert row["open_minutes"] == days_in_month * 7 * 60
            assert row["utilisation"] == pytest.approx(minutes / row["open_minutes"])
        assert (row["revenue"], row["revenue_fen"]) == (
            ("600.00", 600_00) if month == paid_in else ("0.00", 0)
        )
    admin = client.get(f"{API}/equipment/utilisation?month={booked_in}", headers=tokens("admin")).get_json()
    assert [row["equipment"]["id"] for row in admin["items"]] == [world["instrument"].id, elsewhere.id]
    # an instrument without opening hours has no rate rather than a division by zero
    assert admin["items"][1]["open_minutes"] == 0 and admin["items"][1]["utilisation"] is None
    assert client.get(f"{API}/equipment/utilisation", headers=tokens("other")).get_json()["items"] == []
    bad = client.get(f"{API}/equipment/utilisation?month=2026-13", headers=tokens("owner"))
    validate("/equipment/utilisation", "get", bad, 422)
    assert field_errors(bad) == {"month": "月份格式应为 年-月，例如 2026-12"}
    validate("/equipment/utilisation", "get", client.get(f"{API}/equipment/utilisation"), 401)
