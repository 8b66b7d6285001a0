"""The product refuses to start on a Whoosh other than the one its internals were written for."""

import pytest
import whoosh

from market import create_app
from market.search.whoosh_internals import PINNED_VERSION, UnsupportedWhoosh, check_version


def test_the_installed_whoosh_is_the_pinned_one():
    check_version()
    assert tuple(whoosh.__version__) == PINNED_VERSION


@pytest.mark.parametrize("other", [(2, 7, 4), (2, 7, 6), (3, 0, 0)])
def test_another_whoosh_version_is_refused_with_both_versions_named(other):
    with pytest.raises(UnsupportedWhoosh) as refused:
        check_version(other)
    message = str(refused.value)
    assert ".".join(map(str, other)) in message and "2.7.5" in message
    assert "requirements.txt" in message


def test_the_app_does_not_start_on_another_whoosh(monkeypatch, tmp_path):
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 6))
    with pytest.raises(UnsupportedWhoosh):
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                "SECRET_KEY": "test",
                "TESTING": True,
                "SEARCH_BACKEND": "memory",
                "INSTANCE_PATH": str(tmp_path),
            }
        )
