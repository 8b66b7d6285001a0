"""Real published listings (../shared/data/corpus) imported through the API: accepted, or refused clearly —
never a 500 — and all findable once the worker has run.

As in production, requests only write (worker_off): one worker pass indexes the whole import at the end,
instead of a Whoosh commit and segment merge after every request (73 of 87 s of this test on SQLite)."""

import json

import pytest

from market.config import PROJECT_ROOT
from market.evaluation.corpus import achievement_from, demand_from, equipment_from
from market.services.indexing import drain
from tests.api.conftest import CHINESE

CORPUS = PROJECT_ROOT.parent / "shared" / "data" / "corpus"


def _records(name: str) -> list[dict]:
    path = CORPUS / name
    assert path.exists(), f"corpus not found at {path}: check out the project beside ../shared"
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


@pytest.mark.parametrize(
    "file, collection, mapper, role, minimum_share",
    [
        ("achievements.jsonl", "achievements", achievement_from, "university", 0.95),
        ("demands.jsonl", "demands", demand_from, "enterprise", 0.95),
        ("equipment.jsonl", "equipment", equipment_from, "university", 0.9),
    ],
)
def test_corpus_imports_through_the_api(
    client, make_user, api_token, worker_off, file, collection, mapper, role, minimum_share
):
    records = _records(file)
    headers = api_token(make_user(role))
    created, refused, broken = [], [], []
    for record in records:
        response = client.post(f"/api/v1/{collection}", json=mapper(record), headers=headers)
        if response.status_code == 201:
            created.append(response.get_json())
            assert response.get_json()["status"] == "published"
        elif 400 <= response.status_code < 500 and response.is_json:
            error = response.get_json()["error"]
            messages = [error["message"], *error["fields"].values()]
            if all(CHINESE.search(m) for m in messages) and error["fields"]:
                refused.append(f"{record['id']}: {error['fields']}")
            else:
                broken.append(f"{record['id']}: unclear {response.status_code} {error}")
        else:
            broken.append(f"{record['id']}: {response.status_code} {response.get_data(as_text=True)[:200]}")
    summary = f"{file}: {len(created)}/{len(records)} created, {len(refused)} refused clearly"
    assert not broken, summary + "\n" + "\n".join(broken[:10])
    assert len(created) >= minimum_share * len(records), summary + "\n" + "\n".join(refused[:20])
    listed = client.get(f"/api/v1/{collection}?per_page=1").get_json()["meta"]["total"]
    assert listed == len(created), summary

    drain()
    kind = {"achievements": "achievement", "demands": "demand", "equipment": "equipment"}[collection]
    for listing in (created[0], created[len(created) // 2], created[-1]):
        title = listing.get("title") or listing.get("name")
        found = client.get("/api/v1/search", query_string={"q": title, "per_page": 50}).get_json()["items"]
        assert listing["id"] in [hit["id"] for hit in found if hit["kind"] == kind], title
