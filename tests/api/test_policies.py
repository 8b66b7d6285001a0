"""The policy library over JSON: admins write, everyone reads, lists page and filter."""

from tests.api.conftest import error_of

POLICY = {
    "title": "陕西省促进科技成果转化若干规定",
    "issuer": "陕西省人民政府",
    "doc_number": "陕政发〔2023〕5号",
    "published_on": "2023-03-01",
    "effective_on": "2023-04-01",
    "expires_on": "2028-03-31",
    "summary": "赋予科研人员职务科技成果所有权或长期使用权。",
    "body": "第一条……",
    "tags": ["成果转化", "赋权"],
    "link": "https://www.shaanxi.gov.cn/zfxxgk/example.html",
}


def test_admin_creates_reads_updates_and_deletes_a_policy(client, make_user, api_token):
    headers = api_token(make_user("admin"))
    created = client.post("/api/v1/policies", json=POLICY, headers=headers)
    assert created.status_code == 201
    policy = created.get_json()
    assert {k: policy[k] for k in POLICY} == POLICY and isinstance(policy["id"], int)
    url = f"/api/v1/policies/{policy['id']}"
    assert client.get(url).get_json() == policy  # anyone may read

    patched = client.patch(url, json={"tags": ["赋权"]}, headers=headers).get_json()
    assert patched["tags"] == ["赋权"] and patched["title"] == POLICY["title"]
    replaced = client.put(url, json={"title": "新规定", "issuer": "西咸新区"}, headers=headers).get_json()
    assert (replaced["title"], replaced["doc_number"], replaced["tags"], replaced["summary"]) == (
        "新规定",
        None,
        [],
        "",
    )

    assert client.delete(url, headers=headers).status_code == 204
    error_of(client.get(url), 404)
    error_of(client.delete(url, headers=headers), 404)


def test_policy_list_filters_and_pages(client, make_user, api_token):
    headers = api_token(make_user("admin"))
    for n in range(12):
        client.post(
            "/api/v1/policies",
            headers=headers,
            json={
                "title": f"政策{n:02d}",
                "issuer": "科技厅" if n % 3 == 0 else "西咸新区",
                "tags": ["人才"] if n % 2 else [],
                "published_on": f"2024-01-{n + 1:02d}",
            },
        )
    first = client.get("/api/v1/policies?per_page=5").get_json()
    assert first["meta"] == {"page": 1, "per_page": 5, "total": 12}
    assert [p["title"] for p in first["items"]] == [
        "政策11",
        "政策10",
        "政策09",
        "政策08",
        "政策07",
    ]  # newest first
    assert client.get("/api/v1/policies?issuer=科技厅").get_json()["meta"]["total"] == 4
    tagged = client.get("/api/v1/policies?tag=人才&per_page=4&page=2").get_json()
    assert tagged["meta"] == {"page": 2, "per_page": 4, "total": 6}
    assert [p["title"] for p in tagged["items"]] == ["政策03", "政策01"]
    assert client.get("/api/v1/policies?q=政策1").get_json()["meta"]["total"] == 2
    assert client.get("/api/v1/policies?q=%00&tag=%00").status_code == 200
