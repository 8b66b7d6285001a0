import pytest

from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import BrokerProfile
from market.services import brokers


@pytest.fixture
def broker(make_user):
    user = make_user("broker")
    db.session.add(BrokerProfile(user=user, bio="原简介"))
    db.session.commit()
    return user


def test_an_emptied_bio_clears_it(broker):
    assert brokers.update_broker_profile(broker, broker.id, {"bio": ""}).bio == ""
    assert brokers.update_broker_profile(broker, broker.id, {"bio": "新简介"}).bio == "新简介"
    assert brokers.update_broker_profile(broker, broker.id, {"bio": None}).bio == ""


def test_a_profile_edit_leaves_out_what_is_not_sent(broker):
    profile = brokers.update_broker_profile(broker, broker.id, {"specialties": ["氢能"]})
    assert profile.bio == "原简介" and [f.name for f in profile.specialties] == ["氢能"]


@pytest.mark.parametrize("level", [None, "", "guru"])
def test_admin_cannot_blank_the_certification_level(broker, make_user, level):
    with pytest.raises(ValidationFailed) as caught:
        brokers.update_broker_profile(make_user("admin"), broker.id, {"certification_level": level})
    assert "certification_level" in caught.value.fields


def test_update_broker_names_the_broker_by_profile_id(broker, make_user):
    profile_id = broker.broker_profile.id
    assert brokers.update_broker(broker, profile_id, {"bio": "经纪人本人"}).bio == "经纪人本人"
    assert (
        brokers.update_broker(
            make_user("admin"), profile_id, {"certification_level": "senior"}
        ).certification_level
        == "senior"
    )
    with pytest.raises(PermissionDenied):
        brokers.update_broker(make_user("enterprise"), profile_id, {"bio": "别人"})


@pytest.mark.parametrize("profile_id", [0, 2**31, "x", 999999])
def test_unknown_profile_ids_are_not_found(make_user, profile_id):
    with pytest.raises(NotFound):
        brokers.get_broker(profile_id)
    with pytest.raises(NotFound):
        brokers.update_broker(make_user("admin"), profile_id, {"bio": "x"})
