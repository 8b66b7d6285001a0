"""GET /api/v1/openapi.json describes the API as it really behaves: routes, methods and response shapes."""

import re

import pytest
from jsonschema import Draft202012Validator

from market.services.filters import LISTING_FILTER_KEYS
from tests.api.conftest import COLLECTION_OF, PAYLOADS, field_errors, to_json_schema
from tests.conftest import PASSWORD

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}
PREFIX = "/api/v1"
CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def _expand(rule: str, first: bool = True) -> list[str]:
    """Werkzeug rule → OpenAPI paths: any(...) becomes one path per option, the first other variable {id},
    later ones keep their name (e.g. {attachment_id})."""
    match = CONVERTER.search(rule)
    if not match:
        return [rule]
    head, tail = rule[: match.start()], rule[match.end() :]
    if match["converter"] == "any":
        options = [option.strip().strip("'\"") for option in match["args"].split(",")]
        return [path for option in options for path in _expand(head + option + tail, first)]
    return _expand(head + ("{id}" if first else "{" + match["name"] + "}") + tail, False)


def _routes(app) -> dict:
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIX + "/"):
            for path in _expand(rule.rule[len(PREFIX) :]):
                routes.setdefault(path, set()).update(
                    m.lower() for m in rule.methods if m.lower() in HTTP_METHODS
                )
    return routes


def test_every_api_route_is_in_the_spec_with_the_same_methods(app, spec):
    routes = _routes(app)
    documented = {
        path: {m for m in operations if m in HTTP_METHODS} for path, operations in spec["paths"].items()
    }
    assert "/achievements/{id}/approve" in routes and "/policies/{id}" in routes  # the expansion works
    assert documented == routes


def test_a_route_method_without_a_declaration_stops_the_document():
    from market.api.docs import UndocumentedOperation, operation
    from market.api.openapi import route_paths

    def undocumented(thing_id): ...

    @operation("只读", method="get")
    def read_only_documented(thing_id): ...

    with pytest.raises(UndocumentedOperation):
        route_paths("/things/<int:thing_id>", {"GET", "HEAD", "OPTIONS"}, undocumented)
    with pytest.raises(UndocumentedOperation, match="PATCH"):
        route_paths("/things/<int:thing_id>", {"GET", "PATCH"}, read_only_documented)
    documented = route_paths("/things/<int:thing_id>", {"GET", "HEAD"}, read_only_documented)
    assert list(documented) == ["/things/{id}"] and documented["/things/{id}"]["get"]["summary"] == "只读"


def test_a_route_with_an_any_converter_is_one_path_per_option_with_its_own_declaration():
    from market.api.docs import operation
    from market.api.openapi import route_paths

    @operation(vary=lambda kind: {"summary": f"{kind} 的部件"})
    def get_part(kind, thing_id, part_id): ...

    paths = route_paths("/<any(a, b):kind>/<int:thing_id>/parts/<part_id>", {"GET"}, get_part)
    assert {path: item["get"]["summary"] for path, item in paths.items()} == {
        "/a/{id}/parts/{part_id}": "a 的部件",
        "/b/{id}/parts/{part_id}": "b 的部件",
    }
    assert [(p["name"], p["schema"]["type"]) for p in paths["/a/{id}/parts/{part_id}"]["parameters"]] == [
        ("id", "integer"),
        ("part_id", "string"),
    ]


def test_path_parameters_are_declared(spec):
    for path, item in spec["paths"].items():
        if "{id}" in path:
            names = [p["name"] for p in item["parameters"] if p["in"] == "path"]
            assert names == re.findall(r"\{(\w+)\}", path), path


def test_money_is_documented_as_decimal_strings(spec):
    schemas = spec["components"]["schemas"]
    for name, prop in [
        ("AchievementOut", "price_yuan"),
        ("DemandOut", "budget_min_yuan"),
        ("FeeItemOut", "price_yuan"),
        ("AchievementIn", "price_yuan"),
        ("DemandIn", "reward_yuan"),
        ("FeeItemIn", "price_yuan"),
    ]:
        assert schemas[name]["properties"][prop]["type"] == "string", (name, prop)


@pytest.mark.parametrize("kind", sorted(COLLECTION_OF))
def test_the_documented_example_bodies_are_valid_input(spec, kind):
    name = {"achievement": "AchievementIn", "demand": "DemandIn", "equipment": "EquipmentIn"}[kind]
    defs = {n: to_json_schema(s) for n, s in spec["components"]["schemas"].items()}
    schema = {"$ref": f"#/$defs/{name}", "$defs": defs}
    assert not list(Draft202012Validator(schema).iter_errors(PAYLOADS[kind]))


@pytest.mark.parametrize("kind", sorted(COLLECTION_OF))
def test_listing_responses_match_their_schemas(client, make_user, api_token, validate, kind):
    collection = COLLECTION_OF[kind]
    verified = api_token(make_user("enterprise"))
    admin = api_token(make_user("admin"))
    created = client.post(f"{PREFIX}/{collection}", json=PAYLOADS[kind], headers=verified)
    validate(f"/{collection}", "post", created, 201)
    listing_id = created.get_json()["id"]
    item = f"/{collection}/{{id}}"
    url = f"{PREFIX}/{collection}/{listing_id}"
    for headers in ({}, verified):  # with and without contact details
        validate(f"/{collection}", "get", client.get(f"{PREFIX}/{collection}", headers=headers), 200)
        validate(item, "get", client.get(url, headers=headers), 200)
    validate(f"/{collection}", "get", client.get(f"{PREFIX}/{collection}?mine=1", headers=verified), 200)
    validate(f"/{collection}", "get", client.get(f"{PREFIX}/{collection}?mine=1"), 401)
    validate(item, "get", client.get(url, headers={"Authorization": "Bearer expired-or-made-up"}), 401)
    title = "title" if kind != "equipment" else "name"
    validate(item, "patch", client.patch(url, json={title: "改"}, headers=verified), 200)
    validate(item, "put", client.put(url, json=PAYLOADS[kind], headers=verified), 200)
    validate(item, "patch", client.patch(url, json={title: ""}, headers=verified), 422)
    validate(
        item,
        "patch",
        client.patch(url, json={title: "改"}, headers=admin | {"Authorization": "Bearer x"}),
        401,
    )
    validate(
        item, "patch", client.patch(url, json={title: "改"}, headers=api_token(make_user("broker"))), 403
    )
    validate(f"{item}/withdraw", "post", client.post(f"{url}/withdraw", headers=verified), 200)
    validate(f"{item}/withdraw", "post", client.post(f"{url}/withdraw", headers=verified), 409)
    validate(f"{item}/reopen", "post", client.post(f"{url}/reopen", headers=verified), 200)
    validate(f"{item}/submit", "post", client.post(f"{url}/submit", json={}, headers=verified), 200)
    validate(f"{item}/withdraw", "post", client.post(f"{url}/withdraw", headers=admin), 200)
    validate(item, "delete", client.delete(url, headers=verified), 204)
    validate(item, "get", client.get(url), 404)


def test_unverified_owner_and_review_responses_match_their_schemas(client, make_user, api_token, validate):
    owner = api_token(make_user("university", verified=False))
    admin = api_token(make_user("admin"))
    created = client.post(
        f"{PREFIX}/achievements", json={**PAYLOADS["achievement"], "price_yuan": None}, headers=owner
    )
    validate("/achievements", "post", created, 201)
    url = f"{PREFIX}/achievements/{created.get_json()['id']}"
    validate(
        "/achievements/{id}/reject",
        "post",
        client.post(f"{url}/reject", json={"note": "缺少附件"}, headers=admin),
        200,
    )
    validate("/achievements/{id}/submit", "post", client.post(f"{url}/submit", headers=owner), 200)
    validate("/achievements/{id}/approve", "post", client.post(f"{url}/approve", headers=admin), 200)


def test_policy_responses_match_their_schemas(client, make_user, api_token, validate):
    admin = api_token(make_user("admin"))
    created = client.post(
        f"{PREFIX}/policies", json={"title": "若干措施", "issuer": "科技厅", "tags": ["人才"]}, headers=admin
    )
    validate("/policies", "post", created, 201)
    url = f"{PREFIX}/policies/{created.get_json()['id']}"
    validate("/policies", "get", client.get(f"{PREFIX}/policies"), 200)
    validate("/policies/{id}", "get", client.get(url), 200)
    validate(
        "/policies/{id}",
        "patch",
        client.patch(url, json={"link": "https://kjt.shaanxi.gov.cn/a.html"}, headers=admin),
        200,
    )
    validate(
        "/policies/{id}", "put", client.put(url, json={"title": "新", "issuer": "科技厅"}, headers=admin), 200
    )
    validate("/policies", "post", client.post(f"{PREFIX}/policies", json={"title": ""}, headers=admin), 422)
    validate("/policies", "post", client.post(f"{PREFIX}/policies", json={"title": "x", "issuer": "y"}), 401)
    validate("/policies/{id}", "delete", client.delete(url, headers=admin), 204)
    validate("/policies/{id}", "get", client.get(url), 404)


def test_account_responses_match_their_schemas(client, make_user, validate):
    user = make_user("broker")
    token = client.post(f"{PREFIX}/tokens", json={"email": user.email, "password": PASSWORD})
    validate("/tokens", "post", token, 201)
    validate(
        "/tokens", "post", client.post(f"{PREFIX}/tokens", json={"email": user.email, "password": "x"}), 401
    )
    validate("/tokens", "post", client.post(f"{PREFIX}/tokens", json=["x"]), 422)
    headers = {"Authorization": f"Bearer {token.get_json()['token']}"}
    validate("/me", "get", client.get(f"{PREFIX}/me", headers=headers), 200)
    validate("/me", "get", client.get(f"{PREFIX}/me"), 401)
    validate("/fields", "get", client.get(f"{PREFIX}/fields"), 200)
    validate("/openapi.json", "get", client.get(f"{PREFIX}/openapi.json"), 200)


def test_the_validator_catches_a_response_that_breaks_the_schema(spec, validate):
    """Guard against a check that cannot fail: a string id must be refused."""

    class Fake:
        status_code, data = 200, b"{}"

        @staticmethod
        def get_json():
            return {"items": [{"id": "1"}], "meta": {"page": 1, "per_page": 20, "total": 1}}

    with pytest.raises(AssertionError):
        validate("/achievements", "get", Fake, 200)


def test_documented_list_filters_are_the_ones_the_api_reads(spec):
    documented = {p["name"] for p in spec["paths"]["/achievements"]["get"]["parameters"]}
    assert documented == set(LISTING_FILTER_KEYS) | {
        "budget_min",
        "budget_max",
        "price_max",
        "page",
        "per_page",
        "mine",
    }


def test_broker_and_summary_responses_match_their_schemas(
    client, make_user, make_listing, api_token, validate
):
    from market.extensions import db
    from market.models import BrokerProfile

    broker = make_user("broker")
    db.session.add(BrokerProfile(user=broker))
    db.session.commit()
    own = api_token(broker)
    url = f"{PREFIX}/brokers/{broker.broker_profile.id}"
    make_listing("achievement", make_user("university"))
    for headers in ({}, own):  # with and without the email
        validate("/brokers", "get", client.get(f"{PREFIX}/brokers?field=氢能", headers=headers), 200)
        validate("/brokers/{id}", "get", client.get(url, headers=headers), 200)
        validate("/summary", "get", client.get(f"{PREFIX}/summary", headers=headers), 200)
    validate("/brokers/{id}", "get", client.get(f"{PREFIX}/brokers/999999"), 404)
    validate(
        "/brokers/{id}",
        "patch",
        client.patch(url, json={"bio": "简介", "specialties": ["氢能"]}, headers=own),
        200,
    )
    validate(
        "/brokers/{id}", "patch", client.patch(url, json={"certification_level": "senior"}, headers=own), 422
    )
    validate(
        "/brokers/{id}",
        "patch",
        client.patch(url, json={"bio": "x"}, headers=api_token(make_user("broker"))),
        403,
    )
    validate("/brokers/{id}", "patch", client.patch(url, json={"bio": "x"}), 401)


def test_registration_and_password_responses_match_their_schemas(client, make_user, api_token, validate):
    from market.services.codes import credit_code_with_check

    body = {
        "email": "new@example.cn",
        "password": "Secret2025",
        "display_name": "新用户",
        "role": "university",
        "org_name": "新大学",
        "credit_code": credit_code_with_check("12610000MB0009876"),
        "region": "秦汉",
    }
    validate("/registrations", "post", client.post(f"{PREFIX}/registrations", json=body), 201)
    validate("/registrations", "post", client.post(f"{PREFIX}/registrations", json=body), 422)
    user = make_user()
    validate(
        "/me/password",
        "post",
        client.post(
            f"{PREFIX}/me/password",
            json={"old_password": PASSWORD, "new_password": "NewPassw0rd"},
            headers=api_token(user),
        ),
        204,
    )
    validate(
        "/me/password",
        "post",
        client.post(
            f"{PREFIX}/me/password",
            json={"old_password": PASSWORD, "new_password": "NewPassw0rd"},
            headers=api_token(user, "NewPassw0rd"),
        ),
        422,
    )
    validate("/me/password", "post", client.post(f"{PREFIX}/me/password", json={}), 401)


def test_admin_responses_match_their_schemas(client, make_user, make_org, make_listing, api_token, validate):
    admin = api_token(make_user("admin"))
    member = api_token(make_user("enterprise"))
    pending = make_org(verification_state="pending")
    user = make_user("enterprise")
    make_listing("achievement", make_user("university", verified=False))
    for path in (
        "/organisations",
        "/users",
        "/audit",
        "/review/achievements",
        "/review/demands",
        "/settings",
    ):
        validate(path, "get", client.get(f"{PREFIX}{path}", headers=admin), 200)
        validate(path, "get", client.get(f"{PREFIX}{path}", headers=member), 403)
        validate(path, "get", client.get(f"{PREFIX}{path}"), 401)
    validate("/fields", "get", client.get(f"{PREFIX}/fields?all=1", headers=admin), 200)
    validate("/fields", "get", client.get(f"{PREFIX}/fields?all=1", headers=member), 403)
    org_url = f"{PREFIX}/organisations/{pending.id}"
    validate(
        "/organisations/{id}", "patch", client.patch(org_url, json={"region": "泾河"}, headers=admin), 200
    )
    validate(
        "/organisations/{id}", "patch", client.patch(org_url, json={"region": "泾阳"}, headers=admin), 422
    )
    validate("/organisations/{id}", "patch", client.patch(f"{org_url}0000", json={}, headers=admin), 404)
    validate(
        "/organisations/{id}/reject",
        "post",
        client.post(f"{org_url}/reject", json={"note": "材料不全"}, headers=admin),
        200,
    )
    validate(
        "/organisations/{id}/reject",
        "post",
        client.post(f"{org_url}/reject", json={"note": "x"}, headers=admin),
        409,
    )
    validate("/organisations/{id}/verify", "post", client.post(f"{org_url}/verify", headers=admin), 200)
    validate("/organisations/{id}/verify", "post", client.post(f"{org_url}/verify", headers=member), 403)
    user_url = f"{PREFIX}/users/{user.id}"
    validate(
        "/users/{id}",
        "patch",
        client.patch(user_url, json={"role": "broker", "active": True}, headers=admin),
        200,
    )
    validate("/users/{id}", "patch", client.patch(user_url, json={"active": "也许"}, headers=admin), 422)
    created = client.post(f"{PREFIX}/fields", json={"name": "量子信息"}, headers=admin)
    validate("/fields", "post", created, 201)
    validate(
        "/fields", "post", client.post(f"{PREFIX}/fields", json={"name": "量子信息"}, headers=admin), 422
    )
    field_url = f"{PREFIX}/fields/{created.get_json()['id']}"
    validate("/fields/{id}", "patch", client.patch(field_url, json={"active": False}, headers=admin), 200)
    validate("/fields/{id}", "patch", client.patch(field_url, json={"active": False}, headers=member), 403)
    validate(
        "/settings",
        "put",
        client.put(f"{PREFIX}/settings", json={"auto_publish_verified": False}, headers=admin),
        200,
    )
    validate("/settings", "put", client.put(f"{PREFIX}/settings", json={}, headers=admin), 422)
    validate("/audit", "get", client.get(f"{PREFIX}/audit?type=user", headers=admin), 200)


def test_no_schema_carries_a_password_or_token_hash(spec):
    for name, schema in spec["components"]["schemas"].items():
        for prop in schema.get("properties", {}):
            assert "hash" not in prop, (name, prop)
            if not name.endswith("In"):
                assert "password" not in prop, (name, prop)


def test_every_operation_that_reads_query_parameters_or_a_json_body_documents_422(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            queried = any(p["in"] == "query" for p in operation.get("parameters", ()))
            json_body = "application/json" in operation.get("requestBody", {}).get("content", {})
            if queried or json_body or method == "post":
                assert "422" in operation["responses"], f"{method.upper()} {path}"


def test_patch_bodies_require_nothing_while_post_and_put_do(spec):
    schemas = spec["components"]["schemas"]
    for collection in ("achievements", "demands", "equipment", "policies"):
        post = spec["paths"][f"/{collection}"]["post"]["requestBody"]["content"]["application/json"]["schema"]
        patch = spec["paths"][f"/{collection}/{{id}}"]["patch"]["requestBody"]["content"]["application/json"][
            "schema"
        ]
        full, partial = (schemas[s["$ref"].rpartition("/")[2]] for s in (post, patch))
        assert full["required"] and "required" not in partial and partial["properties"] == full["properties"]


@pytest.mark.parametrize(
    "query",
    [
        "/achievements?per_page=null",
        "/achievements?page=abc",
        "/achievements?page=0",
        "/achievements?per_page=1.5",
        "/achievements?page=1&page=2",
        "/achievements?mine=maybe",
        "/demands?open_call=-3",
        "/policies?page=x",
        "/bookings?equipment_id=abc",
        "/fields?all=yes",
        "/stats/contracts?quarter=5",
        "/search?per_page=0",
        "/audit?page=99999999999999999999",
    ],
)
def test_query_values_the_document_does_not_allow_are_refused(client, make_user, api_token, query):
    response = client.get(PREFIX + query, headers=api_token(make_user("admin")))
    name = query.partition("?")[2].partition("=")[0]
    assert name in field_errors(response), query


def test_query_values_the_document_allows_are_read_and_a_token_is_asked_for_first(
    client, make_user, api_token
):
    assert (
        client.get(f"{PREFIX}/demands?open_call=1&open_for_booking=false&page=2&per_page=5").status_code
        == 200
    )
    assert client.get(f"{PREFIX}/achievements?per_page=5000").get_json()["meta"]["per_page"] == 100
    assert (
        client.get(f"{PREFIX}/users?page=abc").status_code == 401
    )  # no token: 401 before looking at the query


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": 5}, "name"),  # was stored as "5"
        ({"region": None}, "region"),  # not nullable in the document
        ({"kind": ["university"]}, "kind"),
    ],
)
def test_json_fields_of_another_type_or_null_where_not_nullable_are_refused(
    client, make_user, make_org, api_token, validate, body, field
):
    org = make_org()
    response = client.patch(
        f"{PREFIX}/organisations/{org.id}", json=body, headers=api_token(make_user("admin"))
    )
    validate("/organisations/{id}", "patch", response, 422)
    assert field in field_errors(response)


@pytest.mark.parametrize(
    "override, field",
    [
        ({"price_yuan": [1500000]}, "price_yuan"),
        ({"trl": "5"}, "trl"),
        ({"keywords": None}, "keywords"),
        ({"keywords": "正极材料"}, "keywords"),
        ({"keywords": ["正极材料", 7]}, "keywords"),
        ({"draft": "false"}, "draft"),
    ],
)
def test_listing_fields_of_another_json_type_are_refused(client, make_user, api_token, override, field):
    response = client.post(
        f"{PREFIX}/achievements",
        json={**PAYLOADS["achievement"], **override},
        headers=api_token(make_user("university")),
    )
    assert field in field_errors(response)


def test_nullable_fields_take_null_and_required_ones_keep_their_own_message(client, make_user, api_token):
    headers = api_token(make_user("university"))
    created = client.post(
        f"{PREFIX}/achievements",
        json={**PAYLOADS["achievement"], "price_yuan": None, "trl": None},
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    missing = client.post(
        f"{PREFIX}/achievements", json={**PAYLOADS["achievement"], "title": None}, headers=headers
    )
    assert field_errors(missing)["title"] == "请填写成果名称"


def test_money_sent_as_a_json_number_is_read_to_the_fen(client, make_user, api_token):
    created = client.post(
        f"{PREFIX}/achievements",
        json={**PAYLOADS["achievement"], "price_yuan": 1500000.25},
        headers=api_token(make_user("university")),
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["price_yuan"] == "1500000.25"
