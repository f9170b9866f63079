"""Keyset pages and their cursors: organizations/keyset.py, and the constants filter of
organizations/expressions.py the invitations list uses."""

import base64
import json
from datetime import UTC, datetime

import pytest

from organizations.expressions import InConstants
from organizations.keyset import Keyset
from organizations.models import AuditEvent, Membership

from ..factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

BY_EMAIL = Keyset(Membership, "user__email")
NEWEST_FIRST = Keyset(AuditEvent, "-created_at", "-id")


def raw_token(text: str) -> str:
    """A cursor as the keyset writes one, around any text: what a crafted URL may hold."""
    return base64.urlsafe_b64encode(text.encode("utf-8", "surrogatepass")).rstrip(b"=").decode()


def token(data) -> str:
    return raw_token(json.dumps(data))


def test_a_cursor_names_its_row_exactly():
    at = datetime(2026, 3, 1, 12, 30, 45, 123457, tzinfo=UTC)
    event = AuditEvent(created_at=at, pk=2**40)
    assert NEWEST_FIRST.decode(NEWEST_FIRST.cursor(event)) == (at, 2**40)
    member = Membership(user=UserFactory.build(email="zoë+tag@exämple.com"))
    assert BY_EMAIL.decode(BY_EMAIL.cursor(member)) == ("zoë+tag@exämple.com",)
    # Opaque and safe in a URL as it stands.
    assert set(BY_EMAIL.cursor(member)) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


@pytest.mark.parametrize(
    "cursor",
    [
        None,
        "",
        "garbage",
        "é",
        "%00",
        "=" * 8,
        "A" * 5000,
        token({"a": 1}),
        token([]),
        token([1]),  # an email is text
        token(["a", "b"]),  # one column, two values
        token([None]),
        token(["a\x00b"]),  # PostgreSQL refuses NUL in text
        token(["\ud800"]),  # a lone surrogate is no text a database takes
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        raw_token("[" * 700 + "]" * 700),  # deep, yet short enough to be read
        raw_token("[" * 3000 + "]" * 3000),
        raw_token('["a"'),
    ],
)
def test_malformed_email_cursors_decode_to_nothing(cursor):
    assert BY_EMAIL.decode(cursor) is None


@pytest.mark.parametrize(
    "data",
    [
        ["1", 1],  # a time is a number of microseconds
        [1.5, 1],
        [True, 1],
        [1, False],
        [1, "1"],
        [2**70, 1],  # past every date
        [-(2**62), 1],  # before the year 1
        [1, 2**64],  # past a bigint: the database would refuse it
    ],
)
def test_malformed_time_cursors_decode_to_nothing(data):
    assert NEWEST_FIRST.decode(token(data)) is None


def test_a_keyset_orders_by_columns_that_all_run_one_way():
    with pytest.raises(ValueError):
        Keyset(AuditEvent, "-created_at", "id")
    with pytest.raises(TypeError):
        Keyset(Membership, "organization")  # a relation is no value a cursor carries


@pytest.mark.parametrize("value", ["pending'); DROP TABLE x; --", "a b", ""])
def test_written_constants_are_plain_words(value):
    with pytest.raises(ValueError):
        InConstants("status", ["pending", value])


def test_pages_walk_a_list_both_ways_and_recover_from_stale_cursors(org):
    for _ in range(12):
        MembershipFactory(organization=org)
    members = Membership.objects.filter(organization=org).select_related("user")
    emails = sorted(m.user.email for m in members)  # the owner's among them
    assert len(emails) == 13

    def walk(step, start):
        seen, page = [], BY_EMAIL.page(members, size=5, **start)
        while True:
            seen.append([m.user.email for m in page.rows])
            cursor = getattr(page, step)
            if cursor is None:
                return seen, page
            page = BY_EMAIL.page(
                members, size=5, **{"after" if step == "next" else "before": cursor}
            )

    forward, last = walk("next", {})
    assert forward == [emails[0:5], emails[5:10], emails[10:13]]
    assert last.previous is not None and last.next is None
    backward, first = walk("previous", {"last": True})
    assert backward == [emails[8:13], emails[3:8], emails[0:3]]
    assert first.previous is None and first.next is not None

    def at(email):
        return token([email])

    # A cursor past either end (its rows were removed since) gives the end it ran into.
    assert [m.user.email for m in BY_EMAIL.page(members, size=5, after=at("zzzz")).rows] == (
        emails[8:13]
    )
    assert [m.user.email for m in BY_EMAIL.page(members, size=5, before=at("")).rows] == (
        emails[0:5]
    )
    after_fourth = BY_EMAIL.page(members, size=5, after=at(emails[3]))
    assert [m.user.email for m in after_fourth.rows] == emails[4:9]
    empty = BY_EMAIL.page(Membership.objects.none(), size=5, after=at("a"))
    assert empty.rows == [] and not empty.has_other_pages
