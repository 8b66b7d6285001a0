"""GET /api/v1/{demands,achievements}/<id>/matches, the brokers' queue and decisions, weekly precision."""

import pytest

from tests.api.conftest import CHINESE, error_of
from tests.matching_support import embed_published, publish_catalogue

PREFIX = "/api/v1"
WHOLE_RANKING = {"min_band": "弱"}  # the test catalogue is three listings: too few to be sure of any pair


@pytest.fixture
def catalogue(make_user, make_listing):
    return publish_catalogue(make_user, make_listing)


def test_a_battery_demand_gets_the_cathode_result_first_with_chinese_reasons(client, catalogue, api_token):
    response = client.get(
        f"{PREFIX}/demands/{catalogue['demand'].id}/matches",
        headers=api_token(catalogue["enterprise"]),
        query_string=WHOLE_RANKING,
    )
    assert response.status_code == 200
    items = response.get_json()["items"]
    ids = [item["achievement"]["id"] for item in items]
    assert ids[0] == catalogue["battery"].id  # the rice result, published first, may follow but never lead
    best = items[0]
    assert set(best) == {"achievement", "score", "probability", "band", "reasons"}
    assert best["achievement"]["title"] == catalogue["battery"].title
    assert (
        0 < best["probability"] <= 1
        and best["score"] == best["probability"]
        and best["band"] in ("强", "中", "弱")
    )
    assert best["reasons"] and all(CHINESE.search(reason) for reason in best["reasons"])
    assert [item["score"] for item in items] == sorted((item["score"] for item in items), reverse=True)


def test_a_result_gets_the_demands_it_could_serve(client, catalogue, api_token):
    response = client.get(
        f"{PREFIX}/achievements/{catalogue['battery'].id}/matches",
        headers=api_token(catalogue["lab"]),
        query_string=WHOLE_RANKING,
    )
    assert response.status_code == 200
    best = response.get_json()["items"][0]
    assert best["demand"]["id"] == catalogue["demand"].id and best["reasons"]
    assert set(best) == {"demand", "score", "probability", "band", "reasons"}


@pytest.mark.parametrize(
    "who,status",
    [
        ("owner", 200),
        ("broker", 200),
        ("admin", 200),
        ("enterprise", 403),
        ("university", 403),
        ("anonymous", 401),
    ],
)
def test_only_the_owner_brokers_and_admins_see_a_demands_matches(
    client, catalogue, make_user, api_token, who, status
):
    headers = {"owner": lambda: api_token(catalogue["enterprise"]), "anonymous": dict}.get(
        who, lambda: api_token(make_user(who))
    )()
    response = client.get(
        f"{PREFIX}/demands/{catalogue['demand'].id}/matches", headers=headers, query_string=WHOLE_RANKING
    )
    if status == 200:
        assert response.status_code == 200 and response.get_json()["items"]
    else:
        error_of(response, status)


def test_the_results_own_university_sees_its_matches_but_another_does_not(client, catalogue, api_token):
    url = f"{PREFIX}/achievements/{catalogue['battery'].id}/matches"
    assert client.get(url, headers=api_token(catalogue["lab"])).status_code == 200
    error_of(client.get(url, headers=api_token(catalogue["farm"])), 403)


def test_someone_elses_draft_and_unknown_ids_are_not_found(
    client, catalogue, make_user, make_listing, api_token
):
    owner = make_user("enterprise")
    draft = make_listing("demand", owner, submit=False, title="未发布的正极材料需求")
    broker = api_token(make_user("broker"))
    error_of(client.get(f"{PREFIX}/demands/{draft.id}/matches", headers=broker), 404)
    error_of(client.get(f"{PREFIX}/demands/999999/matches", headers=broker), 404)
    error_of(client.get(f"{PREFIX}/achievements/{catalogue['demand'].id + 999}/matches", headers=broker), 404)
    own = client.get(
        f"{PREFIX}/demands/{draft.id}/matches", headers=api_token(owner), query_string=WHOLE_RANKING
    )
    assert (
        own.status_code == 200 and own.get_json()["items"][0]["achievement"]["id"] == catalogue["battery"].id
    )


@pytest.mark.parametrize("limit", ["0", "51", "abc", "-1", "2.5"])
def test_a_bad_limit_is_refused_in_chinese(client, catalogue, api_token, limit):
    response = client.get(
        f"{PREFIX}/demands/{catalogue['demand'].id}/matches",
        query_string={"limit": limit},
        headers=api_token(catalogue["enterprise"]),
    )
    assert CHINESE.search(error_of(response, 422)["fields"]["limit"])


def test_limit_caps_the_number_of_items(client, catalogue, api_token):
    response = client.get(
        f"{PREFIX}/demands/{catalogue['demand'].id}/matches",
        query_string={"limit": 1, **WHOLE_RANKING},
        headers=api_token(catalogue["enterprise"]),
    )
    assert [item["achievement"]["id"] for item in response.get_json()["items"]] == [catalogue["battery"].id]


def test_contact_details_follow_the_viewer(client, catalogue, make_user, api_token):
    unverified_broker = api_token(make_user("broker", verified=False))
    items = client.get(
        f"{PREFIX}/demands/{catalogue['demand'].id}/matches",
        headers=unverified_broker,
        query_string=WHOLE_RANKING,
    ).get_json()["items"]
    assert "contact" not in items[0]["achievement"]
    items = client.get(
        f"{PREFIX}/demands/{catalogue['demand'].id}/matches",
        headers=api_token(make_user("admin")),
        query_string=WHOLE_RANKING,
    ).get_json()["items"]
    assert items[0]["achievement"]["contact"]["name"] == "王老师"


def test_by_default_only_suggestions_of_band_medium_or_better_are_listed_else_a_note(
    client, catalogue, api_token, app
):
    url, headers = f"{PREFIX}/demands/{catalogue['demand'].id}/matches", api_token(catalogue["enterprise"])
    whole = client.get(url, headers=headers, query_string=WHOLE_RANKING).get_json()["items"]
    probabilities = [item["probability"] for item in whole]
    assert probabilities == sorted(probabilities, reverse=True)
    app.config["MATCH_MEDIUM_PROBABILITY"] = (
        probabilities[0] + probabilities[1]
    ) / 2  # between the two results
    app.config["MATCH_STRONG_PROBABILITY"] = 1.0
    body = client.get(url, headers=headers).get_json()
    assert [item["achievement"]["id"] for item in body["items"]] == [whole[0]["achievement"]["id"]]
    assert body["items"][0]["band"] == "中" and "note" not in body
    strong = client.get(url, headers=headers, query_string={"min_band": "强"}).get_json()
    assert strong["items"] == [] and "没有候选达到" in strong["note"]
    app.config["MATCH_MEDIUM_PROBABILITY"] = 1.0  # nothing is good enough
    body = client.get(url, headers=headers).get_json()
    assert body["items"] == [] and body["note"].startswith("暂无把握较大的匹配")
    again = client.get(url, headers=headers, query_string=WHOLE_RANKING).get_json()["items"]
    assert [i["achievement"]["id"] for i in again] == [i["achievement"]["id"] for i in whole]
    assert {i["band"] for i in again} == {"弱"}


@pytest.mark.parametrize("band", ["weak", "高", "0"])
def test_an_unknown_band_is_refused_in_chinese(client, catalogue, api_token, band):
    response = client.get(
        f"{PREFIX}/demands/{catalogue['demand'].id}/matches",
        query_string={"min_band": band},
        headers=api_token(catalogue["enterprise"]),
    )
    assert "强、中 或 弱" in error_of(response, 422)["fields"]["min_band"]


# ---- queue and decisions ----------------------------------------------------------------------------


def _queue(client, headers, **params):
    response = client.get(f"{PREFIX}/match-queue", query_string={**WHOLE_RANKING, **params}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _pairs(body) -> set:
    return {
        (entry["demand"]["id"], match["achievement"]["id"])
        for entry in body["items"]
        for match in entry["matches"]
    }


def test_a_broker_accepts_a_suggestion_and_it_leaves_the_queue(client, catalogue, make_user, api_token):
    broker = api_token(make_user("broker"))
    pair = (catalogue["demand"].id, catalogue["battery"].id)
    body = _queue(client, broker)
    assert body["meta"]["total"] == 1 and pair in _pairs(body)
    response = client.post(
        f"{PREFIX}/match-decisions",
        headers=broker,
        json={
            "demand_id": pair[0],
            "achievement_id": pair[1],
            "decision": "accepted",
            "note": "已约见",
            "score": 0.7,
        },
    )
    assert response.status_code == 201
    decision = response.get_json()
    assert decision["decision"] == "accepted" and decision["note"] == "已约见" and decision["reason"] is None
    assert pair not in _pairs(_queue(client, broker))


def test_rejecting_needs_a_reason_code(client, catalogue, make_user, api_token):
    broker = api_token(make_user("broker"))
    body = {
        "demand_id": catalogue["demand"].id,
        "achievement_id": catalogue["rice"].id,
        "decision": "rejected",
    }
    fields = error_of(client.post(f"{PREFIX}/match-decisions", headers=broker, json=body), 422)["fields"]
    assert "领域不符" in fields["reason_code"]
    error_of(
        client.post(f"{PREFIX}/match-decisions", headers=broker, json={**body, "reason_code": "无聊"}), 422
    )
    response = client.post(f"{PREFIX}/match-decisions", headers=broker, json={**body, "reason_code": "field"})
    assert response.status_code == 201
    assert response.get_json()["reason_code"] == "field" and response.get_json()["reason"] == "领域不符"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"decision": "maybe"}, "decision"),
        ({"decision": "rejected", "reason_code": ["field"]}, "reason_code"),
        ({"decision": "accepted", "score": 3}, "score"),
        ({"decision": "accepted", "score": "高"}, "score"),
        ({"decision": "accepted", "colour": "red"}, "colour"),
        ({"decision": "accepted", "note": "长" * 501}, "note"),
    ],
)
def test_bad_decisions_are_refused_field_by_field(client, catalogue, make_user, api_token, body, field):
    pair = {"demand_id": catalogue["demand"].id, "achievement_id": catalogue["battery"].id}
    response = client.post(
        f"{PREFIX}/match-decisions", headers=api_token(make_user("broker")), json={**pair, **body}
    )
    assert CHINESE.search(error_of(response, 422)["fields"][field])


def test_unpublished_pairs_cannot_be_decided(client, catalogue, make_user, make_listing, api_token):
    draft = make_listing("achievement", make_user("university"), submit=False)
    response = client.post(
        f"{PREFIX}/match-decisions",
        headers=api_token(make_user("admin")),
        json={"demand_id": catalogue["demand"].id, "achievement_id": draft.id, "decision": "accepted"},
    )
    assert "achievement_id" in error_of(response, 422)["fields"]


@pytest.mark.parametrize("role", ["enterprise", "university"])
def test_only_brokers_and_admins_use_the_queue_and_decide(client, catalogue, make_user, api_token, role):
    headers = api_token(make_user(role))
    error_of(client.get(f"{PREFIX}/match-queue", headers=headers), 403)
    error_of(
        client.post(
            f"{PREFIX}/match-decisions",
            headers=headers,
            json={
                "demand_id": catalogue["demand"].id,
                "achievement_id": catalogue["battery"].id,
                "decision": "accepted",
            },
        ),
        403,
    )
    error_of(client.get(f"{PREFIX}/match-queue"), 401)
    error_of(client.post(f"{PREFIX}/match-decisions", json={}), 401)


def test_the_queue_pages_newest_demands_first(client, catalogue, make_user, make_listing, api_token):
    newer = make_listing(
        "demand",
        make_user("enterprise"),
        title="寻求水稻耐盐碱育种技术",
        description="盐碱地种植水稻产量低，寻求耐盐碱品种。",
        field="现代农业",
    )
    embed_published()
    admin = api_token(make_user("admin"))
    first = _queue(client, admin, per_page=1)
    assert first["meta"] == {"page": 1, "per_page": 1, "total": 2}
    assert first["items"][0]["demand"]["id"] == newer.id
    assert first["items"][0]["matches"][0]["achievement"]["id"] == catalogue["rice"].id
    assert _queue(client, admin, per_page=1, page=2)["items"][0]["demand"]["id"] == catalogue["demand"].id


def test_the_queue_says_plainly_when_a_demand_has_no_good_suggestion(
    client, catalogue, make_user, api_token, app
):
    app.config["MATCH_MEDIUM_PROBABILITY"] = app.config["MATCH_STRONG_PROBABILITY"] = 1.0
    broker = api_token(make_user("broker"))
    response = client.get(f"{PREFIX}/match-queue", headers=broker)
    [entry] = response.get_json()["items"]
    assert entry["matches"] == [] and entry["note"].startswith("暂无把握较大的匹配")
    [entry] = _queue(client, broker)["items"]  # brokers who look further get the weak ones too
    assert entry["matches"] and {m["band"] for m in entry["matches"]} == {"弱"}


# ---- precision -------------------------------------------------------------------------------------


def test_admins_see_weekly_precision_of_acted_suggestions(
    client, catalogue, make_user, make_listing, api_token
):
    broker, admin = api_token(make_user("broker")), api_token(make_user("admin"))
    other = make_listing(
        "demand",
        make_user("enterprise"),
        title="寻求水稻耐盐碱育种技术",
        description="盐碱地种植水稻产量低。",
        field="现代农业",
    )
    for demand, achievement, decision in (
        (catalogue["demand"], catalogue["battery"], "accepted"),
        (other, catalogue["rice"], "accepted"),
        (catalogue["demand"], catalogue["rice"], "rejected"),
    ):
        response = client.post(
            f"{PREFIX}/match-decisions",
            headers=broker,
            json={
                "demand_id": demand.id,
                "achievement_id": achievement.id,
                "decision": decision,
                "reason_code": "field" if decision == "rejected" else None,
            },
        )
        assert response.status_code == 201, response.get_json()
    items = client.get(f"{PREFIX}/admin/match-precision", headers=admin).get_json()["items"]
    assert len(items) == 1
    assert (
        items[0]["acted"] == 3 and items[0]["accepted"] == 2 and items[0]["precision"] == pytest.approx(2 / 3)
    )
    weights = client.get(f"{PREFIX}/admin/match-precision", headers=admin).get_json()["weights"]
    assert weights["labels"] == 3 and weights["learned"] is False and weights["current"] == weights["prior"]
    error_of(client.get(f"{PREFIX}/admin/match-precision", headers=broker), 403)
    error_of(client.get(f"{PREFIX}/admin/match-precision"), 401)


# ---- the documented shapes -------------------------------------------------------------------------


def test_matching_responses_match_the_openapi_document(client, catalogue, make_user, api_token, validate):
    owner, broker, admin = (
        api_token(catalogue["enterprise"]),
        api_token(make_user("broker")),
        api_token(make_user("admin")),
    )
    demand, battery = catalogue["demand"].id, catalogue["battery"].id
    for headers in (
        api_token(make_user("broker", verified=False)),
        admin,
    ):  # without and with contact details
        validate(
            "/demands/{id}/matches",
            "get",
            client.get(f"{PREFIX}/demands/{demand}/matches", headers=headers),
            200,
        )
        validate(
            "/achievements/{id}/matches",
            "get",
            client.get(f"{PREFIX}/achievements/{battery}/matches", headers=headers),
            200,
        )
    validate(
        "/demands/{id}/matches",
        "get",
        client.get(f"{PREFIX}/demands/{demand}/matches?limit=0", headers=owner),
        422,
    )
    validate(
        "/demands/{id}/matches",
        "get",
        client.get(f"{PREFIX}/demands/{demand}/matches", headers=api_token(make_user("enterprise"))),
        403,
    )
    validate(
        "/demands/{id}/matches", "get", client.get(f"{PREFIX}/demands/999999/matches", headers=owner), 404
    )
    validate("/demands/{id}/matches", "get", client.get(f"{PREFIX}/demands/{demand}/matches"), 401)
    validate("/match-queue", "get", client.get(f"{PREFIX}/match-queue", headers=broker), 200)
    validate("/match-queue", "get", client.get(f"{PREFIX}/match-queue", headers=owner), 403)
    body = {"demand_id": demand, "achievement_id": battery, "decision": "rejected"}
    validate(
        "/match-decisions", "post", client.post(f"{PREFIX}/match-decisions", json=body, headers=broker), 422
    )
    validate(
        "/match-decisions", "post", client.post(f"{PREFIX}/match-decisions", json=body, headers=owner), 403
    )
    for extra in ({"reason_code": "price", "note": "太贵"}, {"decision": "accepted", "score": 0.9}):
        validate(
            "/match-decisions",
            "post",
            client.post(f"{PREFIX}/match-decisions", json={**body, **extra}, headers=broker),
            201,
        )
    validate(
        "/admin/match-precision", "get", client.get(f"{PREFIX}/admin/match-precision", headers=admin), 200
    )
    validate(
        "/admin/match-precision", "get", client.get(f"{PREFIX}/admin/match-precision", headers=broker), 403
    )
