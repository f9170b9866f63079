"""accounts/session_store.py: Django's database sessions, loaded with one statement and
not written back when a request left them as they were."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def stored(key: str) -> Session:
    return Session.objects.get(session_key=key)


def test_the_portal_uses_it():
    assert settings.SESSION_ENGINE == "accounts.session_store"


def test_a_saved_session_loads_in_one_query(django_assert_num_queries):
    session = SessionStore()
    session["colour"] = "blue"
    session.create()
    session.save()
    with django_assert_num_queries(1):
        assert SessionStore(session.session_key)["colour"] == "blue"


def test_an_expired_or_unknown_session_loads_empty_and_loses_its_key():
    session = SessionStore()
    session["colour"] = "blue"
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(session.session_key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None


def test_an_unchanged_session_is_not_written_again(django_assert_num_queries):
    session = SessionStore()
    session["colour"] = "blue"
    session.save()
    again = SessionStore(session.session_key)
    again["colour"] = "blue"  # the same value: marked modified, nothing changed
    assert again.modified
    with django_assert_num_queries(0):  # loaded already by the assignment
        again.save()


def test_a_changed_session_is_written():
    session = SessionStore()
    session["colour"] = "blue"
    session.save()
    again = SessionStore(session.session_key)
    again["colour"] = "green"
    again.save()
    assert SessionStore(session.session_key)["colour"] == "green"


def test_an_unchanged_session_is_written_once_its_expiry_would_move_by_an_interval():
    session = SessionStore()
    session["colour"] = "blue"
    session.save()
    before = stored(session.session_key).expire_date
    later = timezone.now() + timedelta(
        seconds=settings.ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS + 5
    )
    with time_machine.travel(later, tick=False):
        again = SessionStore(session.session_key)
        again["colour"] = "blue"
        again.save()
    assert stored(session.session_key).expire_date > before


def test_sign_in_cycles_the_key_and_sign_out_ends_the_session(client, owner, password):
    client.get(reverse("account_login"))
    anonymous_key = client.cookies["sessionid"].value if "sessionid" in client.cookies else None
    response = client.post(reverse("account_login"), {"login": owner.email, "password": password})
    assert response.status_code == 302
    key = client.cookies["sessionid"].value
    assert key and key != anonymous_key
    assert stored(key).get_decoded()["_auth_user_id"] == str(owner.pk)
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("accounts:profile")).status_code == 302
