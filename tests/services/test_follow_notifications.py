"""关注动态: a newly published listing is notified to the followers of its organisation and of its field,
once per person, never to its own organisation, and not to those who switched it off."""

from sqlalchemy import select

from market.models import EventJob, Field, Notification
from market.services import event_jobs, follows, notifications
from market.services.listings import change_status, create_listing, update_listing
from market.services.settings import update_settings
from tests.conftest import ACHIEVEMENT


def field_id(db, name) -> int:
    return db.session.scalar(select(Field.id).where(Field.name == name))


def follow(user, kind, target_id):
    return follows.follow(user, {"kind": kind, "target_id": target_id})


def told(db, user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_an_organisations_followers_hear_of_its_new_listing_with_a_link_to_it(db, make_user, make_listing):
    university = make_user("university")
    me = make_user("enterprise")
    follow(me, "organisation", university.organisation_id)
    listing = make_listing("achievement", university, field="人工智能")
    [note] = told(db, me)
    assert note.category == "follow" and note.link == f"/achievements/{listing.id}"
    assert university.organisation.name in note.title and listing.title in note.title
    assert note.data == {
        "kind": "achievement",
        "listing_id": listing.id,
        "because": "organisation",
        "org_id": university.organisation_id,
    }
    assert notifications.unread_count(me) == 1
    equipment = make_listing("equipment", university)
    assert [n.link for n in told(db, me)][-1] == f"/equipment/{equipment.id}"


def test_a_fields_followers_hear_of_a_new_listing_in_it_and_not_of_others(db, make_user, make_listing):
    me = make_user("university")
    follow(me, "field", field_id(db, "新材料"))
    enterprise = make_user("enterprise")
    demand = make_listing("demand", enterprise, field="新材料")
    make_listing("demand", enterprise, field="人工智能", title="人工智能领域的另一项技术需求")
    [note] = told(db, me)
    assert note.link == f"/demands/{demand.id}" and "新材料" in note.title and demand.title in note.title
    assert note.data["because"] == "field"


def test_following_both_the_organisation_and_the_field_gives_one_notification(db, make_user, make_listing):
    university = make_user("university")
    me = make_user("enterprise")
    follow(me, "organisation", university.organisation_id)
    follow(me, "field", field_id(db, "新材料"))
    listing = make_listing("achievement", university, field="新材料")
    [note] = told(db, me)
    assert note.link == f"/achievements/{listing.id}" and note.data["because"] == "organisation"


def test_publishing_again_after_a_withdrawal_notifies_no_one_twice(db, make_user, make_listing):
    university = make_user("university")
    me = make_user("enterprise")
    follow(me, "organisation", university.organisation_id)
    listing = make_listing("achievement", university)
    change_status(university, "achievement", listing.id, "withdraw")
    change_status(university, "achievement", listing.id, "reopen")
    change_status(university, "achievement", listing.id, "submit")
    update_listing(
        university, "achievement", listing.id, {"summary": "修改后的成果简介，内容更完整。"}, partial=True
    )
    assert len(told(db, me)) == 1


def test_a_listing_waiting_for_review_is_notified_when_an_admin_approves_it(db, make_user):
    admin = make_user("admin")
    update_settings(admin, {"auto_publish_verified": False})
    university = make_user("university")
    me = make_user("enterprise")
    follow(me, "organisation", university.organisation_id)
    listing = create_listing(university, "achievement", dict(ACHIEVEMENT))
    assert listing.status == "pending" and told(db, me) == []
    change_status(admin, "achievement", listing.id, "approve")
    assert [n.link for n in told(db, me)] == [f"/achievements/{listing.id}"]


def test_its_own_organisation_and_inactive_users_are_not_told(db, make_user, make_listing):
    university = make_user("university")
    colleague = make_user("university", org=university.organisation)
    gone = make_user("enterprise")
    for user in (university, colleague, gone):
        follow(user, "organisation", university.organisation_id)
        follow(user, "field", field_id(db, "新材料"))
    gone.active = False
    db.session.commit()
    make_listing("achievement", university, field="新材料")
    assert told(db, university) == told(db, colleague) == told(db, gone) == []


def test_switching_follow_updates_off_stops_them_and_on_again_brings_them_back(db, make_user, make_listing):
    university = make_user("university")
    quiet, keen = make_user("enterprise"), make_user("enterprise")
    for user in (quiet, keen):
        follow(user, "organisation", university.organisation_id)
    assert notifications.notification_settings(quiet) == {"follow": True}
    assert notifications.update_notification_settings(quiet, {"follow": "off"}) == {"follow": False}
    make_listing("achievement", university)
    assert told(db, quiet) == [] and len(told(db, keen)) == 1
    notifications.update_notification_settings(quiet, {"follow": True})
    make_listing("equipment", university)
    assert len(told(db, quiet)) == 1 and len(told(db, keen)) == 2
    # the switch is each user's own, and other kinds of notification are not switched off by it
    notifications.update_notification_settings(quiet, {"follow": False})
    assert notifications.notification_settings(keen) == {"follow": True}
    notifications.add_notifications([quiet.id], "booking", "您的预约已通过")
    db.session.commit()
    assert [n.category for n in told(db, quiet)] == ["follow", "booking"]


def test_a_listing_withdrawn_before_the_worker_runs_is_not_announced(db, make_user, make_listing, worker_off):
    university = make_user("university")
    me = make_user("enterprise")
    follow(me, "organisation", university.organisation_id)
    listing = make_listing("achievement", university)
    change_status(university, "achievement", listing.id, "withdraw")
    jobs = list(db.session.scalars(select(EventJob).where(EventJob.event == "listing.published")))
    assert [job.payload for job in jobs] == [{"kind": "achievement", "listing_id": listing.id}]
    while event_jobs.run_due_jobs(raise_errors=True):
        pass
    assert told(db, me) == []
