"""Schemathesis fuzzes every operation of /api/v1/openapi.json as an admin, an enterprise user and an
anonymous client.

It fails the build on any 5xx, any status code the document does not list for the operation, any response
whose content type or body breaks the document, and any request that breaks the document (a wrong type, null
where the document does not say nullable, a missing required field, a page number that is no number) but is
not refused with a 4xx. Valid requests may still be refused (403, 404, 409, 422: business rules the schema
cannot express).

Bounded and reproducible: a fixed seed and deterministic generation (CI finds the same cases every run), a few
examples per operation and the schemathesis "fuzzing" and "examples" phases only (the "coverage" phase sends
about ten times as many requests: some 6,000 per client, 90 s each on SQLite alone). Both databases run,
because what one refuses the other may store or choke on (NUL characters, 64-bit overflow); the module takes
about two minutes on the 2-core machine.

Before the run a little data is seeded so that ids in paths hit real rows: two published achievements and
equipment (with a fee item) of a university user, two published demands of the enterprise user. Integer path
ids are folded onto the three lowest ids of the table they name (its rows, then ids past them), so most
requests reach a row that exists and some do not, whatever numbers the database handed out. Writes stay in the
test's transaction, rolled back after it; the fuzzer's clients are guarded against locking themselves out
(sign-in throttling raised, the admin never signs itself out everywhere).
"""

import pytest
import schemathesis  # no importorskip: without schemathesis this module fails to collect, and the run fails
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from market.extensions import db
from market.models.base import Base
from tests.conftest import PASSWORD

SEED = 20260316
EXAMPLES = 5  # per operation and client; each example is one request
IDS = 3  # integer path ids are folded onto this many ids of their table
# The table whose rows an integer path parameter names, by the path segment before it.
TABLE_BEFORE = {
    "achievements": "achievements",
    "demands": "demands",
    "equipment": "equipment",
    "jobs": "event_jobs",
    "bookings": "bookings",
    "brokers": "broker_profiles",
    "challenges": "challenges",
    "challenge-applications": "challenge_applications",
    "project-milestones": "project_milestones",
    "documents": "challenge_documents",
    "contracts": "contracts",
    "attachments": "contract_attachments",
    "deals": "deals",
    "messages": "deal_messages",
    "blocks": "equipment_blocks",
    "fields": "fields",
    "files": "listing_files",
    "kpis": "kpis",
    "notifications": "notifications",
    "organisations": "organisations",
    "orgs": "organisations",
    "policies": "policies",
    "saved-searches": "saved_searches",
    "users": "users",
    # /my/following/<kind>/<id> names one row of the kind's table
    "achievement": "achievements",
    "demand": "demands",
    "organisation": "organisations",
    "field": "fields",
    # 揭榜挂帅 (评榜): panel seats
    "reviewers": "challenge_reviewers",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "suppress-health-check": ["all"],  # slow or filtered generation is no reason to fail
        "generation": {
            "mode": "all",
            "max-examples": EXAMPLES,
            "deterministic": True,
            "database": "none",
            "no-shrink": True,
            # the clients' own bearer tokens are sent; made-up Authorization headers only produce 401s
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": True},
            "fuzzing": {"enabled": True},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
    }
)
CLIENTS = ("admin", "enterprise", "anonymous")
REQUESTS = {"sent": 0}


@pytest.fixture
def fuzz_world(app, make_user, make_listing, publish_call, make_application):
    """The fuzzer's users, a few published listings, and a 揭榜挂帅 call of the enterprise user with an
    application of the university."""
    # The fuzzer signs in with made-up passwords and registers in bursts: it must not lock the accounts it
    # uses nor spend the run on 429s (the limits have tests of their own).
    app.config.update(
        SIGN_IN_FREE_FAILURES_PER_ACCOUNT=10**6,
        SIGN_IN_FREE_FAILURES_PER_ADDRESS=10**6,
        RATE_LIMIT_SIGN_IN="100000 per minute",
        RATE_LIMIT_REGISTRATION="100000 per minute",
        RATE_LIMIT_PASSWORD_RESET="100000 per minute",
    )
    users = {role: make_user(role) for role in ("admin", "enterprise", "university")}
    for _ in range(2):
        make_listing("achievement", users["university"])
        make_listing("demand", users["enterprise"])
        make_listing("equipment", users["university"])
    make_application(publish_call(owner=users["enterprise"]), org=users["university"].organisation)
    return users


@pytest.fixture(params=CLIENTS)
def fuzz_client(request, fuzz_world, client):
    """(the acting user or None, the headers it sends): a bearer token from POST /api/v1/tokens, or none."""
    if request.param == "anonymous":
        return None, {}
    user = fuzz_world[request.param]
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201, response.get_json()
    return user, {"Authorization": f"Bearer {response.get_json()['token']}"}


@pytest.fixture
def api_schema(app, fuzz_client):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)


@pytest.fixture(scope="module", autouse=True)
def _report_requests():
    yield
    print(f"\nschemathesis sent {REQUESTS['sent']} requests")  # shown with -s


schema = schemathesis.pytest.from_fixture("api_schema")


def lowest_ids(path: str, name: str) -> list[int]:
    """The IDS lowest ids of the table the parameter names: those of its rows, then ids past them."""
    segments = path.split("/")
    table = Base.metadata.tables[TABLE_BEFORE[segments[segments.index("{" + name + "}") - 1]]]
    ids = list(db.session.scalars(select(table.c.id).order_by(table.c.id).limit(IDS)))
    past = max(ids, default=0)
    return ids + list(range(past + 1, past + 1 + IDS - len(ids)))


# Schemathesis' WSGI transport reads a streamed file (an uploaded picture it then downloads) without closing
# the response, leaving the file to the garbage collector: only that case passes "warnings are errors".
FILE_LEFT_OPEN = (
    "ignore:Exception ignored in. <_io.FileIO name='[^']*/attachments/"
    ":pytest.PytestUnraisableExceptionWarning",
    "ignore:unclosed file <_io.BufferedReader name='[^']*/attachments/:ResourceWarning",
)


@pytest.mark.filterwarnings(FILE_LEFT_OPEN[0])
@pytest.mark.filterwarnings(FILE_LEFT_OPEN[1])
@schema.parametrize()
def test_api_conforms_to_its_document(case, fuzz_client, fuzz_world):
    user, headers = fuzz_client
    for name, value in (case.path_parameters or {}).items():
        if isinstance(value, int) and not isinstance(value, bool):
            case.path_parameters[name] = lowest_ids(case.operation.path, name)[abs(value) % IDS]
    if (
        case.operation.path == "/users/{id}/sign-out"
        and user is not None
        and case.path_parameters.get("id") == user.id
    ):
        case.path_parameters["id"] = fuzz_world["university"].id  # its own token would die with it
    REQUESTS["sent"] += 1
    case.call_and_validate(headers=headers, checks=CHECKS)


def test_seeding_random_does_not_name_two_index_segments_alike():
    """Found by this fuzzer: Hypothesis seeds `random` before every example, Whoosh named each new segment of
    the in-memory index from it, and the second commit of a run failed (a 500 on whatever wrote a listing)."""
    import random

    from whoosh.codec.base import Segment

    import market.search.whoosh_backend  # noqa: F401  (names segments on import)

    names = set()
    for _ in range(3):
        random.seed(0)
        names.add(Segment._random_id())
    assert len(names) == 3
