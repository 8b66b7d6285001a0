"""The outbox keeps the search index in step with the database: at once, after a rollback, after a crash."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from market import search
from market.extensions import db as _db
from market.models import Achievement, SearchIndexCursor, SearchOutboxEntry
from market.services import indexing, listings, organisations, taxonomy
from market.services.base import unit_of_work
from market.services.indexing import GAP_GRACE, drain, index_status, prune_outbox, safe_cursor
from market.services.matching import refresh_vectors
from market.services.search import search_catalogue


def found(q, actor=None, **params) -> list[int]:
    return [hit.object_id for hit in search_catalogue(actor, {"q": q, **params}).hits]


def outbox_rows() -> int:
    return _db.session.scalar(select(func.count()).select_from(SearchOutboxEntry))


def new_achievement(owner, title):
    """A published achievement made directly, without the service's unit of work."""
    return Achievement(
        org_id=owner.organisation_id,
        created_by_id=owner.id,
        status="published",
        title=title,
        summary="简介",
        form="新技术",
        field_id=taxonomy.find_field("新材料").id,
    )


# ---- what a user sees --------------------------------------------------------------------------------


def test_a_published_listing_is_findable_at_once(make_user, make_listing):
    listing = make_listing("achievement", make_user("university"), title="钙钛矿叠层太阳电池")
    assert found("钙钛矿") == [listing.id]
    assert index_status()["pending"] == 0


def test_a_draft_is_found_only_by_its_organisation_and_admins(make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, submit=False, title="钙钛矿叠层太阳电池")
    colleague = make_user("university", org=owner.organisation)
    assert found("钙钛矿") == [] and found("钙钛矿", make_user("university")) == []
    assert found("钙钛矿", owner) == [listing.id] == found("钙钛矿", colleague)
    assert found("钙钛矿", make_user("admin")) == [listing.id]


def test_withdrawing_removes_it_from_public_results(make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="钙钛矿叠层太阳电池")
    listings.change_status(owner, "achievement", listing.id, "withdraw")
    assert found("钙钛矿") == []
    assert found("钙钛矿", owner) == [listing.id]


def test_deleting_removes_it_for_everyone(make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="钙钛矿叠层太阳电池")
    listings.change_status(owner, "achievement", listing.id, "withdraw")
    listings.delete_listing(owner, "achievement", listing.id)
    assert found("钙钛矿", owner) == [] and found("钙钛矿", make_user("admin")) == []
    assert search.backend().counts()["achievement"] == 0


def test_expiring_removes_a_demand_from_public_results(make_user, make_listing):
    owner = make_user("enterprise")
    deadline = listings.today() + timedelta(days=10)
    demand = make_listing("demand", owner, title="寻求氢燃料电池催化剂", deadline=deadline.isoformat())
    assert found("催化剂") == [demand.id]
    assert listings.expire_overdue_listings(on=deadline + timedelta(days=1)) == 1
    assert found("催化剂") == []
    assert found("催化剂", status="expired") == [demand.id]


def test_editing_the_title_updates_the_hit(make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="钙钛矿叠层太阳电池")
    listings.update_listing(owner, "achievement", listing.id, {"title": "柔性有机光伏薄膜"}, partial=True)
    assert found("钙钛矿") == []
    [hit] = search_catalogue(None, {"q": "光伏"}).hits
    assert (hit.object_id, hit.title) == (listing.id, "柔性有机光伏薄膜")


def test_an_organisation_rename_reaches_its_listings(make_user, make_org, make_listing):
    org = make_org(kind="university", name="西北某大学")
    owner = make_user("university", org=org)
    first = make_listing("achievement", owner, title="钙钛矿叠层太阳电池")
    second = make_listing("equipment", owner)
    organisations.update_organisation_profile(make_user("admin"), org.id, {"name": "秦岭理工大学"})
    assert found("秦岭理工") == [first.id, second.id] or sorted(found("秦岭理工")) == sorted(
        [first.id, second.id]
    )
    assert found("西北某大学") == []
    [hit] = search_catalogue(None, {"q": "钙钛矿"}).hits
    assert hit.stored["org_name"] == "秦岭理工大学"


def test_a_field_rename_reaches_its_listings(make_user, make_listing):
    listing = make_listing("achievement", make_user("university"), title="钙钛矿叠层太阳电池", field="新材料")
    field = taxonomy.find_field("新材料")
    taxonomy.update_field(make_user("admin"), field.id, {"name": "前沿新材料"})
    result = search_catalogue(None, {"q": "钙钛矿"})
    assert result.facets["field"] == {"前沿新材料": 1}
    assert found("钙钛矿", field="前沿新材料") == [listing.id] and found("钙钛矿", field="新材料") == []


# ---- the outbox and the transaction --------------------------------------------------------------------


def test_a_rolled_back_unit_of_work_leaves_no_outbox_row_and_nothing_to_find(make_user):
    owner = make_user("university")
    before = outbox_rows()

    @unit_of_work
    def publish_then_fail():
        listing = new_achievement(owner, "幽灵钙钛矿成果")
        _db.session.add(listing)
        _db.session.flush()
        assert _db.session.scalar(select(func.count()).select_from(SearchOutboxEntry)) > before
        raise RuntimeError("something failed after the flush")

    with pytest.raises(RuntimeError):
        publish_then_fail()
    assert outbox_rows() == before
    assert _db.session.scalar(select(func.count()).select_from(Achievement)) == 0
    drain()
    assert found("幽灵钙钛矿") == [] and found("钙钛矿", make_user("admin")) == []


@pytest.mark.slow  # another connection must not see the rows before the commit, and must after it
def test_outbox_rows_are_written_in_the_listing_transaction(make_user, db):
    owner = make_user("university")
    listing = new_achievement(owner, "钙钛矿叠层太阳电池")
    db.session.add(listing)
    db.session.flush()
    mine = select(SearchOutboxEntry).where(
        SearchOutboxEntry.kind == "achievement", SearchOutboxEntry.object_id == listing.id
    )
    assert db.session.scalars(mine).all()  # visible inside the transaction …
    with db.engine.connect() as other:
        assert other.execute(mine).all() == []  # … and to nobody else until it commits
    db.session.commit()
    with db.engine.connect() as other:
        assert other.execute(mine).all()


def test_the_outbox_is_an_append_only_log(make_user, make_listing, worker_off):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="钙钛矿叠层太阳电池")
    listings.update_listing(owner, "achievement", listing.id, {"title": "钙钛矿组件"}, partial=True)
    rows = _db.session.scalars(select(SearchOutboxEntry).order_by(SearchOutboxEntry.seq)).all()
    assert len(rows) >= 2 and {(r.kind, r.object_id) for r in rows} == {("achievement", listing.id)}
    assert [r.seq for r in rows] == sorted({r.seq for r in rows})


# ---- safe_cursor ---------------------------------------------------------------------------------------

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
YOUNG = NOW - timedelta(seconds=1)
OLD = NOW - GAP_GRACE - timedelta(seconds=1)


def test_safe_cursor_follows_contiguous_rows():
    assert safe_cursor(10, [(11, YOUNG), (12, YOUNG), (13, OLD)], NOW) == 13
    assert safe_cursor(10, [], NOW) == 10


def test_safe_cursor_stops_before_a_young_gap():
    # 12 may still be committing in another transaction: do not move past it yet.
    assert safe_cursor(10, [(11, YOUNG), (13, YOUNG), (14, YOUNG)], NOW) == 11
    assert safe_cursor(10, [(12, YOUNG)], NOW) == 10


def test_safe_cursor_skips_an_old_gap():
    # A number missing this long was a rolled-back transaction.
    assert safe_cursor(10, [(11, OLD), (13, OLD), (14, YOUNG)], NOW) == 14
    assert safe_cursor(10, [(15, OLD), (17, YOUNG)], NOW) == 15


# ---- drain, busy index, pruning, status ----------------------------------------------------------------


def test_drain_applies_pending_rows_once_and_advances_the_cursor(make_user, make_listing, worker_off):
    owner = make_user("university")
    made = [make_listing("achievement", owner, title=f"钙钛矿叠层太阳电池{n}号").id for n in range(3)]
    assert found("钙钛矿") == []
    pending = index_status()["pending"]
    assert pending == outbox_rows() >= 3
    assert drain() == pending
    last = _db.session.scalar(select(func.max(SearchOutboxEntry.seq)))
    assert search.backend().read_cursor() == last and index_status()["pending"] == 0
    assert sorted(found("钙钛矿")) == sorted(made)
    assert drain() == 0 and search.backend().read_cursor() == last
    assert sorted(found("钙钛矿")) == sorted(made)
    assert _db.session.get(SearchIndexCursor, indexing.index_name()).seq == last


def test_a_busy_index_does_not_fail_the_request_and_a_later_drain_applies_it(
    make_user, make_listing, worker_off
):
    owner = make_user("university")
    with search.backend().writer():  # another process is writing the index
        listing = make_listing("achievement", owner, title="钙钛矿叠层太阳电池")
    assert listing.status == "published"
    assert found("钙钛矿") == [] and index_status()["pending"] > 0
    drain()
    assert found("钙钛矿") == [listing.id] and index_status()["pending"] == 0


def test_a_request_never_touches_the_index_writer(make_user, make_listing, monkeypatch, worker_off):
    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(search.backend(), "writer", broken)
    listing = make_listing("achievement", make_user("university"), title="钙钛矿叠层太阳电池")
    assert listing.status == "published" and index_status()["pending"] > 0
    monkeypatch.undo()
    drain()
    assert found("钙钛矿") == [listing.id]


def test_prune_keeps_rows_another_index_has_not_applied(make_user, make_listing, db):
    owner = make_user("university")
    make_listing("achievement", owner, title="钙钛矿一号")
    behind = db.session.scalar(select(func.max(SearchOutboxEntry.seq)))
    make_listing("achievement", owner, title="钙钛矿二号")
    drain()
    refresh_vectors()  # matching vectors follow the outbox too; pruning waits for them
    db.session.add(SearchIndexCursor(name="other-host:/srv/market/search", seq=behind))
    db.session.commit()
    total = outbox_rows()
    assert prune_outbox() > 0
    remaining = db.session.scalars(select(SearchOutboxEntry.seq)).all()
    assert remaining and min(remaining) == behind + 1 and len(remaining) < total
    db.session.get(SearchIndexCursor, "other-host:/srv/market/search").seq = search.backend().read_cursor()
    db.session.commit()
    prune_outbox()
    assert outbox_rows() == 0
    assert index_status()["pending"] == 0


def test_prune_keeps_everything_while_no_index_has_reported(make_user, make_listing, worker_off):
    make_listing("achievement", make_user("university"), title="钙钛矿一号")
    total = outbox_rows()
    assert prune_outbox() == 0 and outbox_rows() == total


def test_index_status_counts_pending_rows_and_documents(make_user, make_listing, worker_off):
    owner = make_user("university")
    for n in range(3):
        make_listing("achievement", owner, title=f"钙钛矿{n}号")
    make_listing("equipment", owner)
    status = index_status()
    assert status["pending"] == outbox_rows() >= 4 and status["oldest_pending_seconds"] >= 0
    assert status["documents"]["achievement"] == 0
    drain()
    status = index_status()
    assert status["pending"] == 0 and status["oldest_pending_seconds"] == 0
    assert status["documents"] == {"achievement": 3, "demand": 0, "equipment": 1, "policy": 0, "broker": 0}


def test_a_new_index_on_a_pruned_outbox_catches_up_once_the_gap_is_old(
    make_user, make_listing, monkeypatch, db
):
    owner = make_user("university")
    make_listing("achievement", owner, title="钙钛矿一号")
    refresh_vectors()
    assert (
        prune_outbox() > 0
    )  # rows 1.. are gone: the next index to start at cursor 0 sees a gap below the first row
    listing = make_listing("achievement", owner, title="钙钛矿二号")
    search.backend().rebuild([], cursor=0)
    drain()
    assert found("钙钛矿二号") == [listing.id]  # applied at once, even though the cursor waits
    assert search.backend().read_cursor() == 0
    later = indexing.utcnow() + GAP_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(indexing, "utcnow", lambda: later)
    drain()
    assert search.backend().read_cursor() == db.session.scalar(select(func.max(SearchOutboxEntry.seq)))
