"""Brokers' decisions on suggestions: stored as labels, kept out of the queue, summed up as weekly
precision."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.matching import model as relevance
from market.models import AuditEntry, MatchDecision
from market.models.base import utcnow
from market.services import matching
from tests.matching_support import publish_catalogue


@pytest.fixture
def catalogue(make_user, make_listing):
    return publish_catalogue(make_user, make_listing)


@pytest.fixture
def broker(make_user):
    return make_user("broker")


def _queued_pairs(actor) -> set:
    page = matching.match_queue(actor, 1, 10)
    return {
        (entry["demand"].id, achievement.id)
        for entry in page.items
        for achievement, _ in entry["matches"] + entry["weak"]
    }


def test_an_accepted_pair_is_stored_audited_and_leaves_the_queue(catalogue, broker):
    demand, battery = catalogue["demand"], catalogue["battery"]
    assert (demand.id, battery.id) in _queued_pairs(broker)
    row = matching.decide_match(broker, demand.id, battery.id, "accepted", note=" 已约见 ", score=0.8)
    assert (row.decision, row.decided_by_id, row.note, row.score, row.reason_code) == (
        "accepted",
        broker.id,
        "已约见",
        0.8,
        None,
    )
    assert (demand.id, battery.id) not in _queued_pairs(broker)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "match_accepted"))
    assert entry.object_id == row.id and entry.changes["achievement_id"] == battery.id


def test_rejecting_needs_one_of_the_reason_codes(catalogue, broker):
    with pytest.raises(ValidationFailed) as raised:
        matching.decide_match(broker, catalogue["demand"].id, catalogue["rice"].id, "rejected")
    assert "领域不符" in raised.value.fields["reason_code"]
    with pytest.raises(ValidationFailed):
        matching.decide_match(
            broker, catalogue["demand"].id, catalogue["rice"].id, "rejected", reason_code="boring"
        )
    assert db.session.scalar(select(func.count()).select_from(MatchDecision)) == 0
    row = matching.decide_match(
        broker, catalogue["demand"].id, catalogue["rice"].id, "rejected", reason_code="field"
    )
    assert (row.decision, row.reason_code) == ("rejected", "field")


def test_deciding_a_pair_again_replaces_the_label(catalogue, broker, make_user):
    pair = (catalogue["demand"].id, catalogue["battery"].id)
    matching.decide_match(broker, *pair, "rejected", reason_code="unclear")
    row = matching.decide_match(make_user("admin"), *pair, "accepted")
    assert db.session.scalar(select(func.count()).select_from(MatchDecision)) == 1
    assert (row.decision, row.reason_code) == ("accepted", None)


@pytest.mark.parametrize("role", ["enterprise", "university"])
def test_only_brokers_and_admins_decide_and_see_the_queue(catalogue, make_user, role):
    user = make_user(role)
    with pytest.raises(PermissionDenied):
        matching.decide_match(user, catalogue["demand"].id, catalogue["battery"].id, "accepted")
    with pytest.raises(PermissionDenied):
        matching.match_queue(user)
    with pytest.raises(PermissionDenied):
        matching.match_queue(None)


def test_drafts_and_unknown_listings_cannot_be_decided(catalogue, broker, make_user, make_listing):
    draft = make_listing("demand", make_user("enterprise"), submit=False)
    with pytest.raises(ValidationFailed) as raised:
        matching.decide_match(broker, draft.id, 999999, "accepted")
    assert set(raised.value.fields) == {"demand_id", "achievement_id"}


def test_suggestions_check_who_asks(catalogue, make_user, make_listing):
    with pytest.raises(PermissionDenied):
        matching.suggestions_for(make_user("enterprise"), "demand", catalogue["demand"].id)
    draft = make_listing("demand", make_user("enterprise"), submit=False)
    with pytest.raises(NotFound):
        matching.suggestions_for(make_user("broker"), "demand", draft.id)
    with pytest.raises(NotFound):
        matching.suggestions_for(make_user("admin"), "equipment", 1)
    listing, suggestions = matching.suggestions_for(
        catalogue["enterprise"], "demand", catalogue["demand"].id, "2"
    )
    assert listing.id == catalogue["demand"].id and len(suggestions) <= 2


def test_precision_is_accepted_over_acted_per_week(catalogue, broker, make_user, make_listing):
    admin = make_user("admin")
    assert matching.decision_precision(admin) == []
    other = make_listing("demand", make_user("enterprise"), title="寻求耐盐碱水稻品种")
    matching.decide_match(broker, catalogue["demand"].id, catalogue["battery"].id, "accepted")
    matching.decide_match(broker, other.id, catalogue["rice"].id, "accepted")
    matching.decide_match(
        broker, catalogue["demand"].id, catalogue["rice"].id, "rejected", reason_code="field"
    )
    last_week = matching.decide_match(
        broker, other.id, catalogue["battery"].id, "rejected", reason_code="field"
    )
    last_week.created_at = utcnow() - timedelta(days=7)
    db.session.commit()
    weeks = matching.decision_precision(admin)
    assert [(w["acted"], w["accepted"]) for w in weeks] == [(3, 2), (1, 0)]  # newest week first
    assert weeks[0]["precision"] == pytest.approx(2 / 3) and weeks[1]["precision"] == 0
    assert weeks[0]["week"] > weeks[1]["week"]
    with pytest.raises(PermissionDenied):
        matching.decision_precision(broker)


def test_a_decision_records_the_pairs_evidence(catalogue, broker):
    demand, battery, rice = catalogue["demand"], catalogue["battery"], catalogue["rice"]
    fitting = matching.decide_match(broker, demand.id, battery.id, "accepted").features
    unrelated = matching.decide_match(broker, demand.id, rice.id, "rejected", reason_code="field").features
    assert set(fitting) == set(relevance.committed().features)
    assert fitting["lexical"] > unrelated["lexical"] and fitting["semantic"] > unrelated["semantic"]
    assert fitting["field"] == 1.0 and unrelated["field"] == 0.0


def test_the_model_is_refitted_once_enough_brokers_decided(catalogue, broker, make_user, make_listing):
    admin = make_user("admin")
    committed = relevance.committed()
    assert matching.relevance_model() is committed
    assert matching.fusion_weights_report(admin)["learned"] is False
    # Brokers who accepted the pairs that read alike (paraphrase) and rejected those that only share words.
    owner = make_user("enterprise")
    demands = [make_listing("demand", owner, title=f"需求{n}") for n in range(12)]
    for n, demand in enumerate(demands):
        for achievement, alike in ((catalogue["battery"], n % 3 != 0), (catalogue["rice"], n % 3 == 0)):
            features = dict(zip(committed.features, committed.mean))
            features["paraphrase"] = 0.12 if alike else 0.0
            features["lexical"] = 0.1 if alike else 0.9
            db.session.add(
                MatchDecision(
                    demand_id=demand.id,
                    achievement_id=achievement.id,
                    decided_by_id=broker.id,
                    decision="accepted" if alike else "rejected",
                    features=features,
                    reason_code=None if alike else "field",
                )
            )
    # a decision recorded before today's features existed is left out
    db.session.add(
        MatchDecision(
            demand_id=catalogue["demand"].id,
            achievement_id=catalogue["rice"].id,
            decided_by_id=broker.id,
            decision="rejected",
            reason_code="field",
            features={"lexical": 1.0, "fresh": 1.0},
        )
    )
    db.session.commit()
    refitted = matching.relevance_model()
    position = {name: n for n, name in enumerate(committed.features)}
    assert refitted.coef[position["paraphrase"]] > committed.coef[position["paraphrase"]]
    assert refitted.coef[position["lexical"]] < committed.coef[position["lexical"]]
    report = matching.fusion_weights_report(admin)
    assert report["learned"] is True and report["labels"] == 24
    assert report["current"]["paraphrase"] == refitted.coef[position["paraphrase"]]
    with pytest.raises(PermissionDenied):
        matching.fusion_weights_report(broker)
