"""揭榜 through the pages: the 我要揭榜 button, applying with the plan PDF (draft, then submit), the
application's page, and who may open which page of a call and an application (every role, anonymous, another
organisation)."""

import io
from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.extensions import db
from market.models.challenge_application import ChallengeApplication
from tests.challenge_support import notices
from tests.file_samples import PDF

TODAY = today_in_beijing()


def _application_form(challenge, **overrides) -> dict:
    data = {
        "plan": "采用硫化物固态电解质路线。",
        "budget_yuan": "250",
        "budget_yuan_unit": "万元",
        "team-0-name": "张教授",
        "team-0-title": "教授",
        "team-0-role": "项目负责人",
        "team-1-name": "",
    }
    for i, milestone in enumerate(challenge.milestones):
        data[f"schedule-{i}-milestone_id"] = str(milestone.id)
        data[f"schedule-{i}-planned_on"] = (milestone.due_on - timedelta(days=3)).isoformat()
    data.update(overrides)
    return data


def test_only_eligible_signed_in_users_see_the_apply_button_while_collecting(
    client, login, make_user, publish_call, make_challenge
):
    challenge = publish_call()
    url = f"/challenges/{challenge.id}"
    assert "登录后揭榜" in client.get(url).get_data(as_text=True)
    login(make_user("university"))
    assert 'data-testid="apply"' in client.get(url).get_data(as_text=True)
    closed = make_challenge(open_on=TODAY - timedelta(days=9), close_on=TODAY - timedelta(days=1))
    assert 'data-testid="apply"' not in client.get(f"/challenges/{closed.id}").get_data(as_text=True)
    client.post("/logout")
    login(make_user("enterprise"))  # the call takes universities and institutes
    page = client.get(url).get_data(as_text=True)
    assert 'data-testid="apply"' not in page and "本榜单只接受高校、科研院所揭榜" in page


def test_a_university_saves_a_draft_then_submits_with_its_pdf_and_the_owner_reads_it(
    client, login, make_user, publish_call
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    applicant = login(make_user("university"))
    form = client.get(f"/challenges/{challenge.id}/apply").get_data(as_text=True)
    assert "样机研制" in form and "项目验收" in form  # one schedule row per milestone
    draft = client.post(
        f"/challenges/{challenge.id}/apply", data={**_application_form(challenge), "action": "draft"}
    )
    assert draft.status_code == 302
    application = db.session.scalar(db.select(ChallengeApplication))
    assert application.status == "draft" and application.budget_fen == 250_000_000
    missing = client.post(
        f"/challenges/applications/{application.id}/edit",
        data={**_application_form(challenge), "action": "submit"},
    )
    assert missing.status_code == 422 and "请上传揭榜方案 PDF 文件" in missing.get_data(as_text=True)
    submitted = client.post(
        f"/challenges/applications/{application.id}/edit",
        data={**_application_form(challenge), "action": "submit", "plan_file": (io.BytesIO(PDF), "方案.pdf")},
        content_type="multipart/form-data",
    )
    assert submitted.status_code == 302 and application.status == "submitted"
    mine = client.get(f"/challenges/applications/{application.id}").get_data(as_text=True)
    assert "已提交" in mine and "方案.pdf" in mine and 'data-testid="applicant-actions"' in mine
    assert applicant.organisation.name in client.get("/my/challenges?tab=applications").get_data(as_text=True)
    client.post("/logout")

    login(owner)
    assert notices(owner)[-1].endswith("的揭榜方案")
    listed = client.get(f"/challenges/{challenge.id}/applications").get_data(as_text=True)
    assert applicant.organisation.name in listed and "250万元" in listed
    download = client.get(f"/challenges/applications/{application.id}/plan")
    assert download.status_code == 200 and download.data == PDF
    download.close()


def test_an_applicant_withdraws_and_after_the_deadline_sees_it_read_only(
    client, login, make_user, make_challenge, make_application
):
    challenge = make_challenge(open_on=TODAY - timedelta(days=5), close_on=TODAY)
    application = make_application(challenge)
    login(make_user("university", org=application.organisation))
    assert client.post(f"/challenges/applications/{application.id}/withdraw").status_code == 302
    assert application.status == "withdrawn"
    application.challenge.applications_close_on = TODAY - timedelta(days=1)
    db.session.commit()
    page = client.get(f"/challenges/applications/{application.id}").get_data(as_text=True)
    assert "征集已截止，揭榜方案不能再修改" in page and 'data-testid="applicant-actions"' not in page
    assert client.get(f"/challenges/applications/{application.id}/edit").status_code == 302


ROLES = (
    "anonymous",
    "owner",
    "colleague",
    "applicant",
    "other_university",
    "other_enterprise",
    "broker",
    "viewer",
    "admin",
)
# page → roles that open it (200); everyone else signed in gets 403 or 404, anonymous the login page.
CALL_PAGES = {
    "/challenges/{call}/edit": ("owner", "colleague", "admin"),
    "/challenges/{call}/applications": ("owner", "colleague", "admin"),
    "/challenges/{call}/suggestions": ("owner", "colleague", "admin"),
    "/challenges/applications/{application}": ("owner", "colleague", "applicant", "admin"),
    "/challenges/applications/{application}/edit": ("applicant",),
    "/challenges/applications/{application}/plan": (),  # no plan uploaded: 404 for everyone
}
READ_ONLY = ("/challenges/applications/{application}/edit",)
HIDDEN = ("/challenges/applications/{application}", "/challenges/applications/{application}/edit")


@pytest.fixture
def grid(make_user, make_challenge, make_application):
    """A call collecting applications with one handed in, and one user of every kind around them."""
    owner = make_user("enterprise")
    challenge = make_challenge(owner=owner)
    application = make_application(challenge)
    return {
        "challenge": challenge,
        "application": application,
        "owner": owner,
        "colleague": make_user("enterprise", org=owner.organisation),
        "applicant": make_user("university", org=application.organisation),
        "other_university": make_user("university"),
        "other_enterprise": make_user("enterprise"),
        "broker": make_user("broker"),
        "viewer": make_user("viewer"),
        "admin": make_user("admin"),
    }


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_which_page_of_a_call_and_an_application(client, login, grid, role):
    if role != "anonymous":
        login(grid[role])
    ids = {"call": grid["challenge"].id, "application": grid["application"].id}
    for template, allowed in CALL_PAGES.items():
        url = template.format(**ids)
        status = client.get(url).status_code
        if role == "anonymous":
            assert status == 302, url
        elif role in allowed:
            # the call's edit page redirects with its reason once an application is handed in
            assert status in (200, 302), (url, status)
        elif template in READ_ONLY and role in ("owner", "colleague", "admin"):
            assert status == 302, url  # they read it; the page says only the applicant changes it
        else:
            assert status in (403, 404), (url, status)
            if template in HIDDEN and role not in ("owner", "colleague", "admin"):
                assert status == 404, url  # nobody else learns the application exists


@pytest.mark.parametrize("role", ROLES)
def test_who_may_cancel_a_call_through_its_page(client, login, grid, role):
    if role != "anonymous":
        login(grid[role])
    client.post(f"/challenges/{grid['challenge'].id}/cancel", data={"reason": "不再需要"})
    db.session.expire_all()
    assert grid["challenge"].phase == ("cancelled" if role in ("owner", "colleague", "admin") else "open")


@pytest.mark.parametrize("role", ROLES)
def test_who_may_withdraw_an_application_through_its_page(client, login, grid, role):
    if role != "anonymous":
        login(grid[role])
    client.post(f"/challenges/applications/{grid['application'].id}/withdraw")
    db.session.expire_all()
    assert grid["application"].status == ("withdrawn" if role == "applicant" else "submitted")
