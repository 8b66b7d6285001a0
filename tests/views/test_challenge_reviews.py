"""评榜 pages: the panel, a reviewer's queue and score form (draft, confirm, submit, never edited), the
ranking with the 路演答辩 shortlist, the workspace's 待评审 card, and who may open each page; on both
databases."""

import html
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from market.clock import today_in_beijing
from market.extensions import db
from market.models import Notification
from market.models.challenge_review import ChallengeReview, ChallengeScore
from market.services import challenges
from tests.challenge_review_fixtures import declaration, scores_of
from tests.conftest import PASSWORD


def text_of(response) -> str:
    """The page's visible text, tags removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


@pytest.fixture
def signed_in(app):
    """A test client signed in as `user` (None: an anonymous client), one per user."""
    clients = {}

    def get(user):
        key = getattr(user, "id", None)
        if key not in clients:
            client = app.test_client()
            if user is not None:
                response = client.post("/login", data={"email": user.email, "password": PASSWORD})
                assert response.status_code == 302
            clients[key] = client
        return clients[key]

    return get


@pytest.fixture
def grid_world(review_world, make_user):
    """The review world with reviewer 0 declared without conflicts, reviewer 1 not yet declared, and a third
    reviewer who declared a conflict with application 0."""
    w = review_world
    challenges.declare_conflicts(w.reviewers[0], w.challenge.id, declaration(w))
    w.conflicted = make_user("broker")
    challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": w.conflicted.id})
    challenges.declare_conflicts(w.conflicted, w.challenge.id, declaration(w, {w.applications[0]: "同事"}))
    return w


ROLES = (
    "owner",
    "colleague",
    "admin",
    "declared",
    "undeclared",
    "conflicted",
    "applicant",
    "other_org",
    "broker",
    "other_reviewer",
    "viewer",
    "anonymous",
)
PAGES = {
    # page: {role: status}; a role not named gets 403
    "panel": {"owner": 200, "colleague": 200, "admin": 200},
    "queue": {"declared": 200, "undeclared": 200, "conflicted": 200},
    "form": {
        "declared": 200,
        "conflicted": 404,
        "other_org": 404,
        "broker": 404,
        "other_reviewer": 404,
        "viewer": 404,
    },
    "ranking": {
        "owner": 200,
        "colleague": 200,
        "admin": 200,
        "declared": 200,
        "undeclared": 200,
        "conflicted": 200,
    },
}


def _user(w, role):
    return {
        "owner": w.owner,
        "colleague": w.colleague,
        "admin": w.admin,
        "declared": w.reviewers[0],
        "undeclared": w.reviewers[1],
        "conflicted": w.conflicted,
        "applicant": w.applicants[0],
        "other_org": w.other_org,
        "broker": w.broker,
        "other_reviewer": w.other_reviewer,
        "viewer": w.viewer,
        "anonymous": None,
    }[role]


@pytest.mark.parametrize("page", sorted(PAGES))
def test_who_may_open_each_page(grid_world, signed_in, page):
    w = grid_world
    path = {
        "panel": f"/challenges/{w.challenge.id}/panel",
        "queue": f"/challenges/{w.challenge.id}/review",
        "form": f"/challenges/applications/{w.applications[0].id}/review",
        "ranking": f"/challenges/{w.challenge.id}/ranking",
    }[page]
    found = {}
    for role in ROLES:
        found[role] = signed_in(_user(w, role)).get(path).status_code
    expected = {role: PAGES[page].get(role, 403) for role in ROLES}
    expected["anonymous"] = 302  # to the sign-in page
    assert found == expected


def test_the_owner_forms_the_panel_on_its_page(review_world, signed_in, make_user):
    w = review_world
    owner = signed_in(w.owner)
    page = text_of(owner.get(f"/challenges/{w.challenge.id}/panel"))
    assert w.reviewers[0].display_name in page and "未声明" in page
    expert = make_user("university", display_name="李教授")
    refused = owner.post(f"/challenges/{w.challenge.id}/panel", data={"email": w.colleague.email})
    assert refused.status_code == 422 and "发榜单位的成员不能担任评审专家" in text_of(refused)
    added = owner.post(
        f"/challenges/{w.challenge.id}/panel", data={"email": expert.email, "expertise": "电化学"}
    )
    assert added.status_code == 302
    page = text_of(owner.get(f"/challenges/{w.challenge.id}/panel"))
    assert "李教授" in page and "电化学" in page
    assert db.session.scalars(select(Notification).where(Notification.user_id == expert.id)).one()
    removed = owner.post(f"/challenges/{w.challenge.id}/panel/{w.seats[0].id}/delete")
    assert removed.status_code == 302
    assert w.reviewers[0].display_name not in text_of(owner.get(f"/challenges/{w.challenge.id}/panel"))
    assert 'data-confirm="确定将' in owner.get(f"/challenges/{w.challenge.id}/panel").get_data(as_text=True)


def test_a_reviewer_declares_on_the_queue_page_and_an_unanswered_row_is_named(review_world, signed_in):
    w = review_world
    reviewer = signed_in(w.reviewers[0])
    a, b, c = w.applications
    page = reviewer.get(f"/challenges/{w.challenge.id}/review").get_data(as_text=True)
    assert "data-confirm" in page and a.organisation.name in page
    incomplete = {
        "application_id": [str(a.id), str(b.id), str(c.id)],
        f"conflict_{a.id}": "no",
        f"conflict_{b.id}": "yes",
        f"reason_{b.id}": "",
    }
    refused = reviewer.post(f"/challenges/{w.challenge.id}/conflicts", data=incomplete)
    assert refused.status_code == 422
    shown = text_of(refused)
    assert f"{b.organisation.name}：存在利益冲突时请说明原因" in shown
    assert f"{c.organisation.name}：请选择是否存在利益冲突" in shown
    assert w.seats[0].declared_at is None
    done = reviewer.post(
        f"/challenges/{w.challenge.id}/conflicts",
        data={**incomplete, f"reason_{b.id}": "近三年合作", f"conflict_{c.id}": "no"},
    )
    assert done.status_code == 302
    page = text_of(reviewer.get(f"/challenges/{w.challenge.id}/review"))
    assert "已回避" in page and page.count("待评分") == 2
    assert reviewer.get(f"/challenges/applications/{b.id}/review").status_code == 404


def test_the_score_form_saves_drafts_confirms_then_submits_and_nothing_edits_it_after(
    declared_world, signed_in
):
    w = declared_world
    a = w.applications[0]
    first, second, third = w.challenge.criteria
    reviewer = signed_in(w.reviewers[0])
    url = f"/challenges/applications/{a.id}/review"
    form = {"criterion_id": [str(first.id), str(second.id), str(third.id)], "comment": "总体可行"}
    typed = {f"score_{first.id}": "101", f"score_{second.id}": "80", f"comment_{first.id}": "有创新"}
    refused = reviewer.post(url, data={**form, **typed, "action": "draft"})
    assert refused.status_code == 422 and "技术先进性：评分应在0到100之间" in text_of(refused)
    assert 'value="101"' in refused.get_data(as_text=True)  # what was typed stays
    assert db.session.scalars(select(ChallengeReview)).first() is None
    draft = reviewer.post(url, data={**form, **typed, f"score_{first.id}": "88", "action": "draft"})
    assert draft.status_code == 302 and draft.headers["Location"].endswith(url)
    assert 'value="88"' in reviewer.get(url).get_data(as_text=True)
    confirm = reviewer.post(url, data={**form, **typed, f"score_{first.id}": "88", "action": "review"})
    assert confirm.status_code == 302 and "confirm=1" in confirm.headers["Location"]
    summary = reviewer.get(url + "?confirm=1")
    assert "确认提交评分" in text_of(summary) and 'data-confirm="评分提交后不能修改' in summary.get_data(
        as_text=True
    )
    missing = reviewer.post(url + "/submit")
    assert missing.status_code == 422 and "请为“团队与前期基础”打分" in text_of(missing)
    reviewer.post(
        url, data={**form, **typed, f"score_{first.id}": "88", f"score_{third.id}": "70", "action": "draft"}
    )
    assert reviewer.post(url + "/submit").status_code == 302
    page = text_of(reviewer.get(url))
    assert "已提交" in page and "80.70" in page  # 88·.40 + 80·.35 + 70·.25
    assert 'name="score_' not in reviewer.get(url).get_data(as_text=True)
    for again in (
        reviewer.post(url, data={**form, f"score_{first.id}": "1", "action": "draft"}),
        reviewer.post(url + "/submit"),
    ):
        assert again.status_code == 409 and "评分已提交，不能修改" in text_of(again)
    assert sorted(db.session.scalars(select(ChallengeScore.score))) == [70, 80, 88]
    for other in (w.owner, w.admin):
        assert signed_in(other).post(url, data={**form, f"score_{first.id}": "1"}).status_code == 403
    assert sorted(db.session.scalars(select(ChallengeScore.score))) == [70, 80, 88]


def test_a_reviewer_sees_the_others_scores_on_the_form_only_after_submitting(declared_world, signed_in):
    w = declared_world
    a = w.applications[0]
    challenges.submit_review(w.reviewers[0], a.id, scores_of(w.challenge, 90, 90, 90))
    second = signed_in(w.reviewers[1])
    url = f"/challenges/applications/{a.id}/review"
    before = second.get(url).get_data(as_text=True)
    assert 'data-testid="all-scores"' not in before and "90.00" not in before
    assert "还没有提交任何方案的评分" in text_of(second.get(f"/challenges/{w.challenge.id}/ranking"))
    challenges.submit_review(w.reviewers[1], a.id, scores_of(w.challenge, 70, 70, 70))
    after = text_of(second.get(url))
    assert "评审专家 1" in after and "90.00" in after and "80.00" in after
    assert w.reviewers[0].display_name not in after


def test_the_ranking_page_shows_exact_totals_ties_missing_reviews_and_links(declared_world, signed_in):
    w = declared_world
    a, b, c = w.applications
    for reviewer in w.reviewers:
        challenges.submit_review(reviewer, a.id, scores_of(w.challenge, 75, 75, 75))
        challenges.submit_review(reviewer, b.id, scores_of(w.challenge, 75, 75, 75))
    challenges.submit_review(w.reviewers[0], c.id, scores_of(w.challenge, 82, 60, 94))
    response = signed_in(w.owner).get(f"/challenges/{w.challenge.id}/ranking")
    page = response.get_data(as_text=True)
    assert f'href="/challenges/applications/{a.id}"' in page
    shown = text_of(response)
    assert "并列" in shown and "75.00" in shown
    assert "77.30" in shown  # 82·.40 + 60·.35 + 94·.25
    assert f"待提交：{w.reviewers[1].display_name}（尚未评分）" in shown
    assert (
        shown.index(c.organisation.name) < shown.index(a.organisation.name) < shown.index(b.organisation.name)
    )


def test_the_owner_shortlists_on_the_ranking_page_with_a_slot(review_world, signed_in):
    w = review_world
    a = w.applications[0]
    owner = signed_in(w.owner)
    yesterday = datetime.combine(today_in_beijing() - timedelta(days=1), datetime.min.time()).replace(hour=10)
    past = owner.post(
        f"/challenges/applications/{a.id}/shortlist",
        data={"defense_at": yesterday.strftime("%Y-%m-%dT%H:%M"), "defense_place": "路演厅"},
    )
    assert past.status_code == 422 and "答辩时间不能早于当前时间" in text_of(past)
    assert a.status == "submitted"
    later = (yesterday + timedelta(days=8)).strftime("%Y-%m-%dT%H:%M")
    done = owner.post(
        f"/challenges/applications/{a.id}/shortlist", data={"defense_at": later, "defense_place": "路演厅"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    page = text_of(owner.get(f"/challenges/{w.challenge.id}/ranking"))
    assert "入围答辩" in page and later.replace("T", " ") in page
    told = db.session.scalars(select(Notification).where(Notification.user_id == w.applicants[0].id)).one()
    assert later.replace("T", " ") in told.body
    for not_owner in (w.applicants[0], w.reviewers[0]):
        response = signed_in(not_owner).post(
            f"/challenges/applications/{a.id}/shortlist", data={"defense_at": later, "defense_place": "x"}
        )
        assert response.status_code in (403, 404)


def test_the_workspace_shows_what_a_reviewer_still_owes(review_world, signed_in):
    w = review_world
    page = signed_in(w.reviewers[0]).get("/my/")
    assert "待评审" in text_of(page) and f'href="/challenges/{w.challenge.id}/review"' in page.get_data(
        as_text=True
    )
    assert "待声明利益冲突" in text_of(page)
    for other in (w.owner, w.broker, w.applicants[0]):
        assert 'data-testid="review-todo"' not in signed_in(other).get("/my/").get_data(as_text=True)


def test_names_are_escaped_on_the_review_pages(
    review_world, signed_in, make_user, make_application, make_org
):
    w = review_world
    sly = make_org(name="<script>alert(1)</script>大学")
    make_application(w.challenge, org=sly)
    page = signed_in(w.reviewers[0]).get(f"/challenges/{w.challenge.id}/review").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    page = signed_in(w.owner).get(f"/challenges/{w.challenge.id}/ranking").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize("write", ("add", "remove", "reopen", "declare", "save", "submit", "shortlist"))
def test_who_may_write_through_the_pages_and_nothing_is_written_when_refused(grid_world, signed_in, write):
    w = grid_world
    a = w.applications[0]  # the applicant's; the conflicted reviewer's conflict
    day = (today_in_beijing() + timedelta(days=5)).isoformat()
    first = w.challenge.criteria[0]
    path, data = {
        "add": (f"/challenges/{w.challenge.id}/panel", {"user_id": str(w.broker.id)}),
        "remove": (f"/challenges/{w.challenge.id}/panel/{w.seats[1].id}/delete", {}),
        "reopen": (f"/challenges/{w.challenge.id}/panel/{w.seats[0].id}/reopen", {"reason": "更正"}),
        "declare": (
            f"/challenges/{w.challenge.id}/conflicts",
            {
                "application_id": [str(x.id) for x in w.applications],
                **{f"conflict_{x.id}": "no" for x in w.applications},
            },
        ),
        "save": (
            f"/challenges/applications/{a.id}/review",
            {"criterion_id": str(first.id), f"score_{first.id}": "9"},
        ),
        "submit": (f"/challenges/applications/{a.id}/review/submit", {}),
        "shortlist": (
            f"/challenges/applications/{a.id}/shortlist",
            {"defense_at": f"{day}T10:00", "defense_place": "路演厅"},
        ),
    }[write]
    allowed = {
        "add": {"owner", "colleague", "admin"},
        "remove": {"owner", "colleague", "admin"},
        "reopen": {"admin"},
        "declare": {"undeclared"},
        "save": {"declared"},
        "submit": {"declared"},
        "shortlist": {"owner", "colleague", "admin"},
    }[write]
    strangers = {"other_org", "broker", "other_reviewer", "viewer"}
    special = {
        "declare": {"declared": 409, "conflicted": 409},
        "save": {role: 404 for role in strangers | {"conflicted"}},
        "submit": {role: 404 for role in strangers | {"conflicted"}},
        "shortlist": {role: 404 for role in strangers | {"undeclared", "conflicted"}},
    }.get(write, {})
    tables = (ChallengeReview, ChallengeScore)
    before = [len(db.session.scalars(select(model)).all()) for model in tables]
    seats_before = len(challenges.panel_members(w.owner, w.challenge.id)[1])
    refused = [role for role in ROLES if role not in allowed]
    found = {role: signed_in(_user(w, role)).post(path, data=data).status_code for role in refused}
    expected = {role: special.get(role, 403) for role in refused}
    expected["anonymous"] = 302  # to the sign-in page
    assert found == expected
    assert [len(db.session.scalars(select(model)).all()) for model in tables] == before
    db.session.expire_all()
    members = challenges.panel_members(w.owner, w.challenge.id)[1]
    assert len(members) == seats_before and members[0].declared and not members[1].declared
    assert w.applications[0].status == "submitted"
    if write == "submit":
        challenges.save_review(w.reviewers[0], a.id, scores_of(w.challenge, 9, 9, 9))
    role = sorted(allowed)[0]  # and an allowed one gets through
    assert signed_in(_user(w, role)).post(path, data=data).status_code == 302
