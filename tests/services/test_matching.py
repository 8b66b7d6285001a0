"""Vectors follow the outbox, matches come back explained, strong matches notify, and eval-matching
measures."""

import json
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import select

from market.evaluation.matching import baseline_ranking
from market.extensions import db
from market.matching import scoring
from market.models import ListingVector, Notification, SearchIndexCursor
from market.models.base import utcnow
from market.services import listings, matching
from market.services.indexing import VECTOR_CURSOR, prune_outbox
from tests.conftest import ACHIEVEMENT, DEMAND
from tests.matching_support import RICE


@pytest.fixture
def embedding_on_commit(app):
    app.config["INLINE_WORKER_EMBEDS"] = True
    yield
    app.config["INLINE_WORKER_EMBEDS"] = False


def vector_of(listing):
    db.session.expire_all()
    return db.session.get(ListingVector, (listing.kind, listing.id))


def test_publishing_stores_vectors_through_the_outbox(embedding_on_commit, make_user, make_listing):
    demand = make_listing("demand", make_user("enterprise"))
    row = vector_of(demand)
    assert row is not None and len(row.as_query) == len(row.as_passage) == len(row.title_as_query) == 384 * 4
    cursor = db.session.get(SearchIndexCursor, VECTOR_CURSOR)
    assert (
        cursor is not None and cursor.seq > 0
    )  # registered, so the outbox is not pruned before vectors are made


def test_a_draft_gets_no_vector_and_an_unchanged_text_is_not_recomputed(
    embedding_on_commit, make_user, make_listing
):
    owner = make_user("university")
    draft = make_listing("achievement", owner, submit=False)
    assert vector_of(draft) is None
    published = make_listing("achievement", owner, title="钠离子电池硬碳负极材料")
    stamp = vector_of(published).updated_at
    assert matching.store_vector(published) is False  # a restart or a re-save does not embed again
    listings.update_listing(owner, "achievement", published.id, {"keywords": ["硬碳", "钠电"]}, partial=True)
    assert vector_of(published).updated_at >= stamp


def test_editing_the_title_recomputes_and_deleting_removes_the_vector(
    embedding_on_commit, make_user, make_listing
):
    owner = make_user("enterprise")
    demand = make_listing("demand", owner)
    before = vector_of(demand).as_query
    listings.update_listing(owner, "demand", demand.id, {"title": "寻求盐碱地水稻高产栽培技术"}, partial=True)
    if demand.status != "published":  # edits may go back to review; publish again as the admin would
        listings.change_status(make_user("admin"), "demand", demand.id, "approve")
    assert vector_of(demand).as_query != before
    listings.change_status(owner, "demand", demand.id, "withdraw")
    listings.delete_listing(owner, "demand", demand.id)
    matching.refresh_vectors()
    assert vector_of(demand) is None


def test_vectors_survive_pruning_only_after_they_are_made(make_user, make_listing):
    make_listing("demand", make_user("enterprise"))  # embedding on commit is off: the worker's job
    db.session.add(SearchIndexCursor(name="some-host:index", seq=10**9))
    db.session.add(SearchIndexCursor(name=VECTOR_CURSOR, seq=0))
    db.session.commit()
    assert prune_outbox() == 0  # the vector cursor holds the rows back
    assert matching.refresh_vectors() == 1
    assert db.session.scalar(select(ListingVector.object_id)) is not None


def test_matches_rank_the_fitting_result_first_with_reasons(make_user, make_listing):
    enterprise, lab, farm = make_user("enterprise"), make_user("university"), make_user("university")
    demand = make_listing("demand", enterprise, **DEMAND)
    make_listing("achievement", farm, **RICE)
    battery = make_listing("achievement", lab, **ACHIEVEMENT)
    matching.backfill_vectors()
    matches = matching.compute_matches(demand, 5)
    assert matches[0][0].id == battery.id
    best, unrelated = matches[0][1], matches[1][1]
    assert any("正极材料" in r or "锂电池" in r for r in best.reasons)
    assert any("新材料" in r for r in best.reasons) and any("预算" in r for r in best.reasons)
    assert 0 <= unrelated.probability < best.probability <= 1 and best.score == round(best.probability, 4)
    assert not any(
        r.startswith("共同关键词") for r in unrelated.reasons
    )  # rice and batteries share no distinctive word
    # and the other way round
    assert matching.compute_matches(battery, 5)[0][0].id == demand.id


def test_the_combined_ranking_reads_text_and_title_both_ways_and_the_baseline_one_way(
    make_user, make_listing
):
    """Semantic rank: cos(query, passage) + cos(query, query) of the whole text; title rank: the same of the
    titles (against the other's whole passage, then its title). The embedding baseline ranks by the first
    cosine alone."""
    enterprise = make_user("enterprise")
    demand = make_listing("demand", enterprise, **DEMAND)
    results = [
        make_listing("achievement", make_user("university"), **values)
        for values in (
            RICE,
            ACHIEVEMENT,
            {**ACHIEVEMENT, "title": "锂电池正极材料碳包覆技术"},
            {**RICE, "title": "盐碱地改良技术"},
        )
    ]
    matching.backfill_vectors()

    def vector(kind, row_id, name):
        return np.frombuffer(getattr(db.session.get(ListingVector, (kind, row_id)), name), dtype=np.float32)

    whole, title = vector("demand", demand.id, "as_query"), vector("demand", demand.id, "title_as_query")
    passage = {r.id: vector("achievement", r.id, "as_passage") for r in results}
    text_both = {
        r.id: float(passage[r.id] @ whole + vector("achievement", r.id, "as_query") @ whole) for r in results
    }
    title_both = {
        r.id: float(passage[r.id] @ title + vector("achievement", r.id, "title_as_query") @ title)
        for r in results
    }
    evidence = matching.evidence_for(demand)
    assert evidence.semantic_ranks == scoring.ranks_of(
        text_both
    ) and evidence.title_ranks == scoring.ranks_of(title_both)
    assert evidence.cosines == pytest.approx({r.id: float(passage[r.id] @ whole) for r in results})
    assert evidence.paraphrases == pytest.approx(
        {r.id: float(vector("achievement", r.id, "as_query") @ whole) for r in results}
    )
    by_passage = scoring.ranks_of({r.id: float(passage[r.id] @ whole) for r in results})
    assert baseline_ranking(demand, "embedding") == sorted(by_passage, key=by_passage.get)


def test_a_candidate_found_only_by_the_index_still_gets_its_semantic_evidence(
    monkeypatch, make_user, make_listing
):
    demand = make_listing("demand", make_user("enterprise"), **DEMAND)
    battery = make_listing("achievement", make_user("university"), **ACHIEVEMENT)
    rice = make_listing("achievement", make_user("university"), **RICE)
    matching.backfill_vectors()

    def index_finds_rice(listing, target, evidence):
        evidence.lexical_ranks, evidence.lexical_scores = {rice.id: 1}, {rice.id: 1.0}

    monkeypatch.setattr(matching.evidence, "_lexical", index_finds_rice)
    monkeypatch.setattr(matching.evidence, "POOL", 1)  # the embeddings alone propose only the battery result
    evidence = matching.evidence_for(demand)
    assert evidence.lexical_ranks == {rice.id: 1}
    assert set(evidence.cosines) == set(evidence.cosines_z) == {battery.id, rice.id}
    assert evidence.semantic_ranks == {battery.id: 1} and evidence.title_ranks == {
        battery.id: 1
    }  # each keeps its best


def test_cosines_are_also_read_against_the_whole_catalogue(make_user, make_listing):
    """cosine_z: how far above this listing's usual closeness to the catalogue a candidate stands."""
    demand = make_listing("demand", make_user("enterprise"), **DEMAND)
    battery = make_listing("achievement", make_user("university"), **ACHIEVEMENT)
    rice = make_listing("achievement", make_user("university"), **RICE)
    matching.backfill_vectors()
    evidence = matching.evidence_for(demand)
    assert evidence.cosines_z[battery.id] > 0 > evidence.cosines_z[rice.id]
    assert evidence.title_z[battery.id] > evidence.title_z[rice.id]


def test_shared_terms_are_only_the_distinctive_words(monkeypatch, make_user, make_listing):
    """A word most of the catalogue uses, or one on the generic list, is never named as a shared keyword."""
    enterprise = make_user("enterprise")
    demand = make_listing(
        "demand",
        enterprise,
        title="寻求一体化自主高镍正极包覆技术",
        description="我公司需要一体化、自主可控的高镍正极材料包覆工艺，循环寿命达到2000次以上。",
    )
    battery = make_listing("achievement", make_user("university"), **ACHIEVEMENT)
    for n in range(4):  # the catalogue: most listings speak of 循环寿命
        make_listing(
            "achievement",
            make_user("university"),
            title=f"电池循环寿命评测方法{n}",
            summary="循环寿命加速评测，完成以上测试。",
            keywords=["循环寿命"],
        )
    matching.backfill_vectors()
    [reason] = [
        r
        for c, s in matching.compute_matches(demand, 10)
        if c.id == battery.id
        for r in s.reasons
        if r.startswith("共同关键词")
    ]
    named = reason.split("：")[1].split("、")
    assert "高镍" in named or "包覆" in named
    assert not {"一体化", "自主", "达到", "以上", "完成", "循环寿命"} & set(named)


def test_an_organisation_never_sees_its_own_listings_suggested(make_user, make_listing):
    enterprise = make_user("enterprise")
    demand = make_listing("demand", enterprise, **DEMAND)
    make_listing("achievement", enterprise, **ACHIEVEMENT)
    matching.backfill_vectors()
    assert matching.compute_matches(demand, 5) == []


def test_only_a_strong_new_match_notifies_the_other_organisation(
    app, embedding_on_commit, make_user, make_listing
):
    lab, farm = make_user("university"), make_user("university")
    colleague = make_user("university", org=lab.organisation)
    battery = make_listing("achievement", lab, **ACHIEVEMENT)
    make_listing("achievement", farm, **RICE)
    enterprise = make_user("enterprise")
    app.config["MATCH_STRONG_PROBABILITY"] = 1.01  # nothing is strong
    demand = make_listing("demand", enterprise, **DEMAND)

    def notes(user):
        db.session.expire_all()
        return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))

    assert notes(lab) == notes(farm) == []
    # the threshold (a setting) between the two results' probabilities: the battery result is strong, rice is
    # not
    probability = {c.id: s.probability for c, s in matching.compute_matches(demand, 10)}
    [rice_probability] = [p for i, p in probability.items() if i != battery.id]
    assert probability[battery.id] > rice_probability
    app.config["MATCH_STRONG_PROBABILITY"] = (
        rice_probability + (probability[battery.id] - rice_probability) / 4
    )
    edit = {"description": DEMAND["description"] + "急需。"}
    listings.update_listing(enterprise, "demand", demand.id, edit, partial=True)
    for member in (lab, colleague):
        [note] = notes(member)
        assert (
            note.category == "match"
            and DEMAND["title"][:10] in note.title
            and note.link == f"/demands/{demand.id}"
        )
        assert "高度匹配" in note.title
    assert notes(farm) == [] and notes(enterprise) == []  # not the weaker result, not the publisher itself
    listings.update_listing(
        enterprise, "demand", demand.id, {"description": edit["description"] + "很急。"}, partial=True
    )
    assert len(notes(lab)) == 1  # the same pair never notifies twice


def test_a_listing_published_weeks_ago_does_not_notify_when_it_is_embedded_again(
    app, embedding_on_commit, make_user, make_listing
):
    """The demo data embedded on a first start, or listings embedded again after a model change: no news."""
    lab, enterprise = make_user("university"), make_user("enterprise")
    make_listing("achievement", lab, **ACHIEVEMENT)
    app.config["MATCH_STRONG_PROBABILITY"] = 1.01  # nothing is strong while the demand is published
    demand = make_listing("demand", enterprise, **DEMAND)
    app.config["MATCH_STRONG_PROBABILITY"] = 0.0  # from here on, every match is strong

    def notes():
        db.session.expire_all()
        return list(db.session.scalars(select(Notification).where(Notification.user_id == lab.id)))

    demand.published_at = utcnow() - timedelta(days=20)
    db.session.commit()
    listings.update_listing(
        enterprise, "demand", demand.id, {"description": DEMAND["description"] + "急需。"}, partial=True
    )
    assert notes() == []
    demand = db.session.get(type(demand), demand.id)
    demand.published_at = utcnow() - timedelta(days=1)
    db.session.commit()
    listings.update_listing(
        enterprise, "demand", demand.id, {"description": DEMAND["description"] + "很急。"}, partial=True
    )
    assert [n.link for n in notes()] == [f"/demands/{demand.id}"]


def test_eval_matching_prints_every_method_on_a_labelled_set(app, tmp_path):
    corpus, labelled = tmp_path / "corpus", tmp_path / "matching"
    corpus.mkdir()
    labelled.mkdir()
    achievements = [
        {
            "id": "a1",
            "title": "高镍三元正极材料表面包覆改性技术",
            "abstract": "原子层沉积包覆氧化铝，提高锂电池循环寿命。",
            "holder": "西安某大学",
            "field": "新材料",
            "keywords": ["正极材料", "锂电池"],
        },
        {
            "id": "a2",
            "title": "耐盐碱水稻新品种选育技术",
            "abstract": "分子标记辅助选择培育耐盐碱高产水稻。",
            "holder": "西北某农林大学",
            "field": "现代农业",
            "keywords": ["水稻"],
        },
    ]
    demands = [
        {
            "id": "d1",
            "title": "寻求动力电池循环寿命提升方案",
            "description": "我公司生产动力电池，循环寿命不足。",
            "industry": "新材料",
            "publisher": "某电池公司",
            "budget": "50~200万",
        }
    ]
    (corpus / "achievements.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in achievements)
    )
    (corpus / "demands.jsonl").write_text(json.dumps(demands[0], ensure_ascii=False))
    (labelled / "qrels_dev.jsonl").write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {"direction": "demand->achievement", "query": "d1", "candidate": "a1", "grade": 3},
                {"direction": "demand->achievement", "query": "d1", "candidate": "a2", "grade": 0},
                {"direction": "achievement->demand", "query": "a1", "candidate": "d1", "grade": 3},
            ]
        )
    )
    (labelled / "known_items_dev.jsonl").write_text(
        json.dumps(
            {
                "id": "k1",
                "title": "水稻在盐碱地减产",
                "description": "需要能在盐碱地高产的水稻品种。",
                "field": "现代农业",
                "targets": ["a2"],
            },
            ensure_ascii=False,
        )
    )
    result = app.test_cli_runner().invoke(args=["market", "eval-matching", str(labelled)])
    assert result.exit_code == 0, result.output
    for expected in (
        "demand->achievement",
        "achievement->demand",
        "known items",
        "组合（本系统）",
        "仅 BM25",
        "仅向量",
        "nDCG@10",
        "Recall@10",
        "MRR",
        "P@5",
        "目标",
    ):
        assert expected in result.output
    # one query each, and the fitting result is found first by every method on this tiny set
    assert "| 组合（本系统） | 1.000 | 1.000 | 1.000 |" in result.output
    for expected in ("匹配等级的校准", "| 强 |", "| 中 |", "| 弱 |", "概率区间", "| 0.9–1.0 |"):
        assert expected in result.output


def test_eval_matching_refuses_a_path_without_a_corpus(app, tmp_path):
    (tmp_path / "matching").mkdir()
    result = app.test_cli_runner().invoke(args=["market", "eval-matching", str(tmp_path / "matching")])
    assert result.exit_code != 0 and "语料" in result.output


def test_brokers_decisions_shape_later_suggestions(make_user, make_listing):
    enterprise, lab, other_lab = make_user("enterprise"), make_user("university"), make_user("university")
    demand = make_listing("demand", enterprise, **DEMAND)
    battery = make_listing("achievement", lab, **ACHIEVEMENT)
    coating = make_listing("achievement", other_lab, **{**ACHIEVEMENT, "title": "锂电池正极材料碳包覆技术"})
    matching.backfill_vectors()
    broker = make_user("broker")
    matching.decide_match(broker, demand.id, coating.id, "rejected", reason_code="price")
    matching.decide_match(broker, demand.id, battery.id, "accepted")
    suggested = {candidate.id: suggestion for candidate, suggestion in matching.compute_matches(demand, 10)}
    assert coating.id not in suggested
    assert suggested[battery.id].reasons[0] == "技术经纪人已确认可对接"
    # the baselines of the evaluation ignore decisions
    assert coating.id in baseline_ranking(demand, "embedding")
