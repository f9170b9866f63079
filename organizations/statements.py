"""The two lookups every org page makes, as SQL written once per process.

`membership_for` (the user's access to the org of the URL) and the top-bar switcher
run on every page; as querysets, building their SQL took longer than the database took
to answer them. Here each statement is built on first use from the models' `_meta`
(tables and columns quoted by the connection, see `config.rows`), kept for the life of
the process, and its rows become model instances with `Model.from_db` — the same
instances, related objects and annotations the querysets give (tests/organizations/
test_statements.py compares them on SQLite and PostgreSQL).

`selectors` calls these and keeps the queryset versions as the reference; the access
lookup falls back to them when an app registers an access annotation
(`hooks.register_access_annotation`), whose expressions only the ORM can compile.
"""

from allauth.mfa.models import Authenticator
from django.db import connections

from config.rows import Columns

from .models import Membership, Organization, SecurityPolicy, Team
from .security import MFA_TYPES

USING = "default"
_statements: dict = {}


def _access_statement():
    """(sql, membership, org, parent, policy columns) of the direct-membership lookup."""
    key = ("access", USING)
    if key not in _statements:
        quote = connections[USING].ops.quote_name
        m = Columns(Membership, "m", using=USING)
        o = Columns(Organization, "o", using=USING)
        p = Columns(Organization, "p", using=USING)
        sp = Columns(SecurityPolicy, "sp", using=USING)
        a = Columns(Authenticator, "a", [], using=USING)
        types = ", ".join(["%s"] * len(MFA_TYPES))
        sql = (
            f"SELECT {m.sql()}, {o.sql()}, {p.sql()}, {sp.sql()},"
            f" EXISTS(SELECT 1 FROM {a.table()} WHERE {a.column('user')} = {m.column('user')}"
            f" AND {a.column('type')} IN ({types})) AS {quote('user_has_mfa')}"
            f" FROM {m.table()}"
            f" INNER JOIN {o.table()} ON {o.column('id')} = {m.column('organization')}"
            f" LEFT OUTER JOIN {p.table()} ON {p.column('id')} = {o.column('parent')}"
            f" LEFT OUTER JOIN {sp.table()} ON {sp.column('organization')} = {o.column('id')}"
            f" WHERE {m.column('user')} = %s AND {o.column('name')} = %s"
            f" LIMIT 1"
        )
        _statements[key] = (sql, m, o, p, sp)
    return _statements[key]


def direct_membership(user, org_name: str) -> Membership | None:
    """The user's own membership of the org named `org_name`, with the org, its parent,
    its security policy and the member's `user_has_mfa` loaded; one statement."""
    sql, m, o, p, sp = _access_statement()
    with connections[USING].cursor() as cursor:
        cursor.execute(sql, [*MFA_TYPES, user.pk, org_name])
        row = cursor.fetchone()
    if row is None:
        return None
    membership = m.load(row)
    offset = len(m)
    org = o.load(row, offset)
    offset += len(o)
    parent = p.load(row, offset)
    offset += len(p)
    policy = sp.load(row, offset)
    Organization.parent.field.set_cached_value(org, parent)
    Organization.security_policy.related.set_cached_value(org, policy)
    if policy is not None:
        SecurityPolicy.organization.field.set_cached_value(policy, org)
    Membership.organization.field.set_cached_value(membership, org)
    membership.user_has_mfa = bool(row[-1])
    return membership


def _switcher_statement(recent_count: int, size: int):
    """(sql, membership, org columns) of the switcher's candidates for `recent_count`
    recent names: those orgs, then the user's first `size` memberships. Both parts are
    index lookups (org names, the memberships' (user, id) index), so the statement costs
    the same for a user in 10,000 orgs as for a user in one; sorting the user's every
    membership by name to take the first few would not."""
    key = ("switcher", USING, recent_count, size)
    if key not in _statements:
        m = Columns(Membership, "m", ["role", "organization"], using=USING)
        o = Columns(Organization, "o", ["name", "display_name", "status"], using=USING)

        def select(source: int) -> str:
            return (
                f"SELECT {m.sql()}, {o.sql()}, {source} AS source FROM {m.table()}"
                f" INNER JOIN {o.table()} ON {o.column('id')} = {m.column('organization')}"
                f" WHERE {m.column('user')} = %s"
            )

        sql = f"SELECT * FROM ({select(1)} ORDER BY {m.column('id')} LIMIT {int(size)}) first_orgs"
        if recent_count:
            recent = f"{select(0)} AND {o.column('name')} IN ({_in_list(recent_count)})"
            sql = f"{recent} UNION ALL {sql}"
        _statements[key] = (sql, m, o)
    return _statements[key]


def switcher_candidates(
    user, recent_names: list[str], size: int
) -> tuple[list[Membership], list[Membership]]:
    """The user's memberships in the orgs named in `recent_names`, and their first
    `size` memberships (the earliest), each with its org's name, display name and
    status, in one statement."""
    sql, m, o = _switcher_statement(len(recent_names), size)
    params = [user.pk, *recent_names, user.pk] if recent_names else [user.pk]
    with connections[USING].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    recent, first = [], []
    for row in rows:
        membership = m.load(row)
        Membership.organization.field.set_cached_value(membership, o.load(row, len(m)))
        (first if row[-1] else recent).append(membership)
    return recent, first


def _in_list(count: int) -> str:
    return ", ".join(["%s"] * count)


def _team_names_statement() -> tuple[str, str]:
    """(head, tail) of the team names statement; the page's membership ids go between."""
    key = ("team_names", USING)
    if key not in _statements:
        quote = connections[USING].ops.quote_name
        through, team = Team.members.through._meta, Team._meta

        def column(meta, name):
            return quote(meta.get_field(name).column)

        head = (
            f"SELECT tm.{column(through, 'membership')}, t.{column(team, 'name')}"
            f" FROM {quote(through.db_table)} tm"
            f" INNER JOIN {quote(team.db_table)} t"
            f" ON t.{column(team, 'id')} = tm.{column(through, 'team')}"
            f" WHERE tm.{column(through, 'membership')} IN ("
        )
        tail = f") ORDER BY t.{column(team, 'is_default')} DESC, t.{column(team, 'name')} ASC"
        _statements[key] = (head, tail)
    return _statements[key]


def team_names(membership_ids: list[int]) -> list[tuple[int, str]]:
    """(membership id, team name) of each team of the memberships, default team first,
    then by name; no query for no memberships."""
    if not membership_ids:
        return []
    head, tail = _team_names_statement()
    with connections[USING].cursor() as cursor:
        cursor.execute(f"{head}{_in_list(len(membership_ids))}{tail}", membership_ids)
        return cursor.fetchall()


def _first_teams_statement(size: int):
    """(sql, team columns) of an org's first `size` teams with their member counts."""
    key = ("first_teams", USING, size)
    if key not in _statements:
        t = Columns(Team, "t", using=USING)
        quote = connections[USING].ops.quote_name
        through = Team.members.through._meta
        team_column = quote(through.get_field("team").column)
        sql = (
            f"SELECT {t.sql()}, (SELECT COUNT(*) FROM {quote(through.db_table)} tm"
            f" WHERE tm.{team_column} = {t.column('id')}) FROM {t.table()}"
            f" WHERE {t.column('organization')} = %s"
            f" ORDER BY {t.column('is_default')} DESC, {t.column('name')} ASC LIMIT {int(size)}"
        )
        _statements[key] = (sql, t)
    return _statements[key]


def first_teams(org, size: int) -> list[Team]:
    """The org's first `size` teams, default first then by name, each with its
    `member_count`: the dashboard's list, as `selectors.teams_with_counts` orders it."""
    sql, t = _first_teams_statement(size)
    with connections[USING].cursor() as cursor:
        cursor.execute(sql, [org.pk])
        rows = cursor.fetchall()
    teams = []
    for row in rows:
        team = t.load(row)
        team.member_count = row[-1]
        teams.append(team)
    return teams


def _mfa_users_statement() -> tuple[str, str]:
    """(head, tail) of the statement naming which users have MFA; their ids go between."""
    key = ("mfa_users", USING)
    if key not in _statements:
        a = Columns(Authenticator, "a", [], using=USING)
        head = f"SELECT DISTINCT {a.column('user')} FROM {a.table()} WHERE {a.column('user')} IN ("
        tail = f") AND {a.column('type')} IN ({_in_list(len(MFA_TYPES))})"
        _statements[key] = (head, tail)
    return _statements[key]


def users_with_mfa(user_ids: set[int]) -> set[int]:
    """Which of `user_ids` have set up MFA; no query for none."""
    if not user_ids:
        return set()
    head, tail = _mfa_users_statement()
    ids = list(user_ids)
    with connections[USING].cursor() as cursor:
        cursor.execute(f"{head}{_in_list(len(ids))}{tail}", [*ids, *MFA_TYPES])
        return {row[0] for row in cursor.fetchall()}
