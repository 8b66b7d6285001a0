"""Suggested applicants and invitations through the pages: the owner invites from the suggestions page, the
invited organisation sees it on the call page and in /my/challenges."""

from tests.challenge_support import notices


def test_the_owner_invites_and_the_invited_organisation_sees_it(client, login, make_user, publish_call):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    invitee = make_user("university")
    login(owner)
    page = client.get(f"/challenges/{challenge.id}/suggestions").get_data(as_text=True)
    assert "暂无匹配度足够的成果单位" in page and "还没有发出邀请" in page
    response = client.post(
        f"/challenges/{challenge.id}/invitations",
        data={"org_id": str(invitee.organisation_id), "message": "欢迎贵单位揭榜"},
    )
    assert response.status_code == 302
    listed = client.get(f"/challenges/{challenge.id}/suggestions").get_data(as_text=True)
    assert invitee.organisation.name in listed and "欢迎贵单位揭榜" in listed
    again = client.post(
        f"/challenges/{challenge.id}/invitations", data={"org_id": str(invitee.organisation_id)}
    )
    assert again.status_code == 302
    assert f"已邀请过{invitee.organisation.name}" in client.get(again.headers["Location"]).get_data(
        as_text=True
    )
    client.post("/logout")

    login(invitee)
    assert notices(invitee) == [
        f"{owner.organisation.name}邀请贵单位揭榜《揭榜挂帅：高能量密度固态电池电解质》"
    ]
    call_page = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert 'data-testid="invitation"' in call_page and "欢迎贵单位揭榜" in call_page
    mine = client.get("/my/challenges?tab=invitations").get_data(as_text=True)
    assert "揭榜挂帅：高能量密度固态电池电解质" in mine and owner.organisation.name in mine


def test_only_the_owner_and_admins_invite_through_the_page(client, login, make_user, publish_call):
    challenge = publish_call()
    invitee = make_user("university")
    for role in ("university", "enterprise", "broker"):
        login(make_user(role))
        assert client.get(f"/challenges/{challenge.id}/suggestions").status_code == 403
        response = client.post(
            f"/challenges/{challenge.id}/invitations", data={"org_id": str(invitee.organisation_id)}
        )
        assert response.status_code == 403
        client.post("/logout")
    assert notices(invitee) == []
