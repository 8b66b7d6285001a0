"""The OpenAPI document keeps every path, parameter, body, response and field that outside clients were given
(tests/api/openapi_contract.json, taken on 2026-12-07): it may grow, never lose or change one."""

import json
from pathlib import Path

from tests.api.openapi_contract import contract

BASELINE = json.loads((Path(__file__).parent / "openapi_contract.json").read_text(encoding="utf-8"))


def _differences(baseline: dict, now: dict) -> list[str]:
    problems = []
    for operation, before in baseline["paths"].items():
        after = now["paths"].get(operation)
        if after is None:
            problems.append(f"{operation}: gone")
            continue
        for name, kind in before["parameters"].items():
            if after["parameters"].get(name) != kind:
                problems.append(f"{operation} parameter {name}: {kind} → {after['parameters'].get(name)}")
        if after["body"] != before["body"]:
            problems.append(f"{operation} body: {before['body']} → {after['body']}")
        for code, body in before["responses"].items():
            if after["responses"].get(code) != body:
                problems.append(f"{operation} {code}: {body} → {after['responses'].get(code)}")
        if after["secured"] != before["secured"]:
            problems.append(f"{operation} secured: {before['secured']} → {after['secured']}")
    for name, before in baseline["schemas"].items():
        after = now["schemas"].get(name)
        if after is None:
            problems.append(f"schema {name}: gone")
            continue
        for prop, kind in before["properties"].items():
            if after["properties"].get(prop) != kind:
                problems.append(f"schema {name}.{prop}: {kind} → {after['properties'].get(prop)}")
        problems += [
            f"schema {name}.{prop}: no longer always present"
            for prop in before["required"]
            if prop not in after["required"]
        ]
    return problems


def test_the_document_keeps_every_path_parameter_body_response_and_field_clients_were_given(client):
    now = contract(client.get("/api/v1/openapi.json").get_json())
    assert _differences(BASELINE, now) == []


def test_the_comparison_notices_a_lost_path_a_changed_field_and_a_dropped_response():
    now = json.loads(json.dumps(BASELINE))
    del now["paths"]["POST /deals"]
    now["schemas"]["DealOut"]["properties"]["stage"] = "integer"
    del now["paths"]["GET /contracts/{id}"]["responses"]["404"]
    problems = _differences(BASELINE, now)
    assert "POST /deals: gone" in problems
    assert any(p.startswith("schema DealOut.stage: string|intent") for p in problems)
    assert any(p.startswith("GET /contracts/{id} 404") for p in problems)
