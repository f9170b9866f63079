"""organizations/tree.py: the children page's lists as statements give what the queryset
that walks the tree and matches each name gives (`selectors.child_rows_orm`), on SQLite
and PostgreSQL alike, for trees deep and wide; the root every child org carries; the
breadcrumb of a deep subtree; and a page whose queries do not grow with the tree."""

import importlib

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations import selectors, services, tree
from organizations.models import Device, Membership, Organization

from ..factories import OrganizationFactory, UserFactory
from ..plans import generic_plan_of

pytestmark = pytest.mark.django_db

PAYLOAD = "<b>x</b>&amp;\"'<script>alert(1)</script>"
WIDE = 70
DEEP = 30
# Names that LIKE, UPPER and the HTML of the page could each get wrong.
ODD_NAMES = [
    ("pct", "100% _under\\score"),
    ("hostile", f"Hostile {PAYLOAD}"),
    ("aerzte", "Ärzte Straße"),
    ("istanbul", "İstanbul ǅemal"),
    ("mixed", "MiXeD cAsE wide"),
]


def _group(parent, name, display_name, *, kind="group", users=1):
    return Organization(
        name=name,
        display_name=display_name,
        kind=kind,
        parent=parent,
        created_by=parent.created_by,
        user_seat_limit=users,
        device_seat_limit=users,
    )


@pytest.fixture
def forest(org, owner):
    return build_forest(org)


def build_forest(org):
    """`org` (a reseller) with a wide level, a deep chain, customers with groups of
    their own, odd names, members, devices; and a second tree whose names match too."""
    Organization.objects.filter(pk=org.pk).update(is_reseller=True, user_seat_limit=1000)
    org.refresh_from_db()
    wide = Organization.objects.bulk_create(
        _group(org, f"wide-{i:02d}", f"Wide {i:02d}", users=i % 3) for i in range(WIDE)
    )
    customers = Organization.objects.bulk_create(
        _group(org, f"cust-{i}", f"Customer {i}", kind="customer", users=5) for i in range(3)
    )
    for customer in customers:
        Organization.objects.bulk_create(
            _group(customer, f"{customer.name}-team-{i}", f"Cust team {i}") for i in range(4)
        )
    parent = wide[0]
    for depth in range(DEEP):
        [parent] = Organization.objects.bulk_create(
            [_group(parent, f"deep-{depth}", f"Deep level {depth}", users=2)]
        )
    Organization.objects.bulk_create(_group(wide[1], name, label) for name, label in ODD_NAMES)
    for target in (wide[0], wide[5], customers[0]):
        Membership.objects.create(organization=target, user=UserFactory(), role="member")
        Device.objects.create(organization=target, name="Kiosk", identifier="K-1")
    elsewhere = OrganizationFactory(name="elsewhere", display_name="Wide elsewhere")
    Organization.objects.bulk_create(
        [_group(elsewhere, "wide-elsewhere", "Wide 01 elsewhere", users=0)]
    )
    return org


SEARCHES = [
    "wide",
    "WIDE 0",
    "deep 3",
    "Deep level 1",
    "7",
    "e",
    "%",
    "_",
    "\\",
    "100%",
    "<script>",
    "ärzte",
    "ÄRZTE",
    "straße",
    "STRASSE",
    "İstanbul",
    "istanbul",
    "ǆemal",
    "cust team",
    "zzz",
    "e e e e e zzz",  # only the first five words count
    "  deep   level  ",
]


def _row(org) -> tuple:
    return (
        org.pk,
        org.name,
        org.display_name,
        org.kind,
        org.parent_id,
        org.user_seat_limit,
        org.device_seat_limit,
        org.total,
        org.member_count,
        org.device_count,
        org.child_count,
        org.groups_user_allotment,
        org.groups_device_allotment,
        org.parent_name,
    )


def _same(rows: tree.ChildRows, reference) -> None:
    everything = [_row(org) for org in reference]
    assert [_row(org) for org in rows] == everything
    assert rows.count() == len(everything)
    for start in (0, 10, 45):
        assert [_row(org) for org in rows[start : start + 10]] == everything[start : start + 10]


@pytest.mark.parametrize("search", SEARCHES)
@pytest.mark.parametrize("searched_from", ["acme", "wide-00", "wide-01", "cust-0", "deep-12"])
def test_a_search_finds_what_the_walk_and_icontains_find(forest, searched_from, search):
    org = Organization.objects.get(name=searched_from)
    _same(selectors.child_rows(org, search=search), selectors.child_rows_orm(org, search=search))


def test_the_searches_find_across_the_tree_and_only_below_the_org(forest):
    found = [org.name for org in selectors.child_rows(forest, search="wide 0")]
    assert found == [f"wide-0{i}" for i in range(10)] + [f"wide-{i}0" for i in range(1, 7)]
    below_wide = [org.name for org in selectors.child_rows(forest, search="deep level 2")]
    assert below_wide == ["deep-12", "deep-2", *(f"deep-2{i}" for i in range(10))]
    assert [org.name for org in selectors.child_rows(forest, search="100%")] == ["pct"]
    assert [org.name for org in selectors.child_rows(forest, search="_under")] == ["pct"]
    assert not list(selectors.child_rows(forest, search="0_0"))  # "_" is no wildcard
    deep = Organization.objects.get(name="deep-12")
    assert [o.name for o in selectors.child_rows(deep, search="deep 1")] == [
        *(f"deep-{i}" for i in range(13, 20)),
        "deep-21",
    ]


@pytest.mark.parametrize("under", [None, "wide-00", "wide-01", "cust-0", "deep-12", "deep-29"])
def test_a_level_is_what_the_queryset_lists(forest, under):
    under_org = Organization.objects.get(name=under) if under else None
    _same(
        selectors.child_rows(forest, under=under_org),
        selectors.child_rows_orm(forest, under=under_org),
    )


def test_a_level_slices_like_a_list(forest):
    rows = selectors.child_rows(forest)
    assert rows[5:5] == [] and rows[200:250] == []
    assert [org.name for org in rows[0:2]] == ["cust-0", "cust-1"]  # customers first
    assert rows[0:1][0].total == WIDE + 3
    with pytest.raises(TypeError):
        rows[3]
    with pytest.raises(ValueError):
        rows[-1:]


# --- the root ---------------------------------------------------------------------------


def test_every_way_of_creating_a_child_gives_it_its_tree_root(forest, owner):
    deep = Organization.objects.get(name="deep-29")
    assert deep.root_id == forest.pk and forest.root_id is None
    assert forest.tree_root_id == forest.pk and deep.tree_root_id == forest.pk
    made = services.create_child_organization(
        parent=forest,
        creator=owner,
        kind="group",
        display_name="Made",
        admin_email=owner.email,
        user_seats=1,
        device_seats=0,
    )
    by_id = Organization.objects.create(
        name="by-id", display_name="By id", kind="group", parent_id=deep.pk, created_by=owner
    )
    assert made.root_id == by_id.root_id == forest.pk
    elsewhere = Organization.objects.get(name="wide-elsewhere")
    assert elsewhere.root_id == Organization.objects.get(name="elsewhere").pk
    assert Organization.objects.filter(root=forest).count() == (
        WIDE + 3 + 12 + DEEP + len(ODD_NAMES) + 2
    )


def test_the_database_refuses_a_child_without_a_root(forest):
    child = Organization.objects.get(name="deep-3")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=child.pk).update(root=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=forest.pk).update(root=child)


def test_the_migration_gives_every_child_its_root(forest):
    migration = importlib.import_module("organizations.migrations.0013_tree_root_and_search_names")
    elsewhere = Organization.objects.get(name="elsewhere")
    Organization.objects.filter(root=forest).update(root=elsewhere)
    migration.fill_roots(apps, None)
    assert not Organization.objects.filter(root=elsewhere).exclude(name="wide-elsewhere").exists()
    assert Organization.objects.get(name="deep-29").root_id == forest.pk


def test_the_search_column_follows_a_renamed_org(forest, owner):
    group = Organization.objects.get(name="wide-03")
    group.display_name = "Renamed Quokka"
    group.save()
    assert [org.name for org in selectors.child_rows(forest, search="quokka")] == ["wide-03"]
    assert Organization.objects.get(pk=group.pk).search_names == "RENAMED QUOKKA WIDE-03"


# --- the path down to a subtree -----------------------------------------------------------


def test_the_path_below_is_the_chain_of_parents(forest):
    path = selectors.path_below(forest, "deep-5")
    assert [node.name for node in path] == ["wide-00", *(f"deep-{i}" for i in range(6))]
    assert path[-1].display_name == "Deep level 5"
    below_wide = Organization.objects.get(name="wide-00")
    assert [node.name for node in selectors.path_below(below_wide, "deep-1")] == [
        "deep-0",
        "deep-1",
    ]
    for outside in ("wide-elsewhere", "elsewhere", "acme", "nope"):
        assert selectors.path_below(forest, outside) is None
    assert selectors.path_below(Organization.objects.get(name="deep-5"), "deep-1") is None


def test_a_deep_subtree_shows_the_top_and_the_nearest_levels(client_for, forest, owner):
    url = reverse("organizations:children", args=[forest.name])
    page = client_for(owner).get(url, {"under": "deep-20"})
    crumbs = page.context["crumbs"]
    assert [c.name if c else None for c in crumbs] == [
        "wide-00",
        None,
        "deep-17",
        "deep-18",
        "deep-19",
        "deep-20",
    ]
    html = page.content.decode()
    assert html.count('class="breadcrumb-item"') == 6  # the org, 4 links, the gap
    assert 'title="17 levels between">…</li>' in html
    assert f'href="{url}?under=deep-19"' in html and f'href="{url}?under=deep-15"' not in html
    shallow = client_for(owner).get(url, {"under": "deep-2"})
    assert [c.name for c in shallow.context["crumbs"]] == [
        "wide-00",
        "deep-0",
        "deep-1",
        "deep-2",
    ]
    assert "levels between" not in shallow.content.decode()


# --- the page -----------------------------------------------------------------------------

PAGES = [{}, {"under": "wide-00"}, {"q": "wide"}, {"q": "deep level"}]


@pytest.mark.parametrize("params", PAGES)
def test_the_page_takes_as_many_queries_for_one_group_as_for_a_forest(
    client_for, org, owner, params
):
    """A small tree first, then the forest: the same queries, not one more."""
    Organization.objects.filter(pk=org.pk).update(user_seat_limit=1000)
    top = Organization.objects.create(
        name="wide-00", display_name="Wide 00", kind="group", parent=org, created_by=owner
    )
    Organization.objects.create(
        name="deep-0", display_name="Deep level 0", kind="group", parent=top, created_by=owner
    )
    client = client_for(owner)
    url = reverse("organizations:children", args=[org.name])
    client.get(url, params)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url, params).status_code == 200
    Organization.objects.filter(root=org).delete()
    build_forest(org)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url, params)
    assert response.status_code == 200 and response.context["children"]
    assert len(large) == len(small) <= 10
    # Nothing walks the tree down from the top: the seats and counts read one level,
    # a search the tree by its root; a subtree walks up its own path only.
    walks = [query["sql"] for query in large if "RECURSIVE" in query["sql"].upper()]
    assert len(walks) == (1 if "under" in params else 0), walks


def test_a_search_is_paged_with_its_count_from_the_same_statement(client_for, forest, owner):
    url = reverse("organizations:children", args=[forest.name])
    client = client_for(owner)
    first = client.get(url, {"q": "wide"})
    assert first.context["paginator"].count == WIDE + 1  # and "MiXeD cAsE wide"
    second = client.get(url, {"q": "wide", "page": 2})
    shown = [c.name for c in first.context["children"]] + [
        c.name for c in second.context["children"]
    ]
    assert shown == [o.name for o in selectors.child_rows_orm(forest, search="wide")]
    last = client.get(url, {"q": "wide", "page": "last"})
    assert [c.name for c in last.context["children"]] == shown[50:]
    for page in (3, 0, "x", "1.5"):
        assert client.get(url, {"q": "wide", "page": page}).status_code == 404
    none = client.get(url, {"q": "zzz"})
    assert none.context["paginator"].count == 0 and 'data-testid="child-no-match"' in (
        none.content.decode()
    )
    assert client.get(url, {"q": "zzz", "page": 2}).status_code == 404


def test_a_hostile_search_and_hostile_names_are_escaped(client_for, forest, owner):
    url = reverse("organizations:children", args=[forest.name])
    escaped = "&lt;b&gt;x&lt;/b&gt;&amp;amp;&quot;&#x27;&lt;script&gt;alert(1)&lt;/script&gt;"
    found = client_for(owner).get(url, {"q": "<script>"})
    html = found.content.decode()
    assert [c.name for c in found.context["children"]] == ["hostile"]
    assert "<script>alert" not in html and f"Hostile {escaped}" in html
    assert 'value="&lt;script&gt;"' in html
    missing = client_for(owner).get(url, {"q": PAYLOAD}).content.decode()
    assert "<script>alert" not in missing and escaped in missing


# --- plans (production prepares each statement) -------------------------------------------


def _unbounded_reads_of_orgs(plan: str) -> list[str]:
    """The plan's scans of the org table that read it without an index condition."""
    lines = plan.splitlines()
    unbounded = []
    for i, line in enumerate(lines):
        if "Scan" not in line or " organizations_organization" not in line:
            continue
        details = []
        for detail in lines[i + 1 :]:
            if "->" in detail:
                break
            details.append(detail)
        if not any("Cond:" in detail for detail in details):
            unbounded.append(line.strip())
    return unbounded


@pytest.mark.needs_postgres
@pytest.mark.parametrize(
    ("listed_from", "params"),
    [
        ("acme", {}),
        ("acme", {"under": "deep-3"}),
        ("acme", {"search": "deep level"}),
        ("wide-00", {"search": "deep level"}),
    ],
)
def test_every_read_of_the_org_table_is_an_index_lookup_under_any_plan(forest, listed_from, params):
    """The generic plan of a prepared statement does not know the words, so it cannot
    tell how many rows they keep: whatever it guesses, the list reads its tree by index
    (the root, or the walk's parent lookups), never the whole table."""
    org = Organization.objects.get(name=listed_from)
    if "under" in params:
        params = {"under": Organization.objects.get(name=params["under"])}
    rows = selectors.child_rows(org, **params)
    sql, _ = tree._rows_statement(rows.scope, rows.words, paged=True)
    plan = generic_plan_of(sql, [*rows.params, 50, 0, "group", "group"])
    assert not _unbounded_reads_of_orgs(plan), plan
    if rows.scope == "tree":
        assert "(root_id = $1)" in plan, plan
    count_plan = generic_plan_of(tree._count_statement(rows.scope, rows.words), rows.params)
    assert not _unbounded_reads_of_orgs(count_plan), count_plan
