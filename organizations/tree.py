"""The tree of child organizations as the children page reads it: one level, the path
down to a subtree, a search by name below an org; each a statement written once per
process (as `statements` are), however deep or wide the tree.

Groups may nest a thousand levels deep, so nothing here stores or reads a whole path of
ancestors. A search from the top of a tree (the page of a standard org) filters the
tree by its indexed `root`, without walking it; from a group or a customer it walks
down once. Either way the page's rows are chosen first (filter, order, LIMIT and
OFFSET, with the length of the whole list as a window count beside each), and only those
rows get their counts, allotments and parent's name: one statement a page, whose cost
follows the rows it matches, not the depth of the tree.

`selectors.child_rows_orm` is the queryset these statements are tested against.
"""

from typing import NamedTuple

from django.db import connections

from config.rows import Columns

from .models import Device, Membership, Organization

USING = "default"
# The words of a search that count; the rest of a long search is ignored.
SEARCH_WORDS = 5
# What a row of the children page reads of an org; the rest (metadata, branding) stays
# in the database.
ROW_FIELDS = (
    "id",
    "name",
    "display_name",
    "kind",
    "parent_id",
    "user_seat_limit",
    "device_seat_limit",
)
# What each row gets besides its fields, in the order the statement selects them.
ROW_ANNOTATIONS = (
    "total",
    "member_count",
    "device_count",
    "child_count",
    "groups_user_allotment",
    "groups_device_allotment",
    "parent_name",
)

_statements: dict = {}


def _vendor() -> str:
    return connections[USING].vendor


def lateral(step: str) -> str:
    """The recursive step of a tree walk on PostgreSQL: a LATERAL subquery kept apart by
    OFFSET 0, so that each level is an index lookup per row. As a plain join the
    planner hash-joins a scan of the whole table on every level of depth (25 ms at
    depth 100, growing with the table)."""
    return f"CROSS JOIN LATERAL ({step} OFFSET 0) step"


def walk_down_sql() -> str:
    """`WITH RECURSIVE ... SELECT id ...`: the ids of every org below the org whose id is
    the one parameter (PostgreSQL, SQLite). UNION, not UNION ALL, so that a cycle in
    bad data ends the walk."""
    key = ("walk_down", USING, _vendor())
    if key not in _statements:
        table = Organization._meta.db_table
        if _vendor() == "postgresql":
            step = f"SELECT child.id FROM {table} child WHERE child.parent_id = below.id"
            recursive = f"SELECT step.id FROM below {lateral(step)}"
        else:
            recursive = (
                f"SELECT child.id FROM {table} child JOIN below ON child.parent_id = below.id"
            )
        _statements[key] = (
            f"WITH RECURSIVE below(id) AS ("
            f" SELECT id FROM {table} WHERE parent_id = %s UNION {recursive}"
            f") SELECT id FROM below"
        )
    return _statements[key]


def _word_pattern(word: str) -> str:
    """The LIKE pattern of a searched word: `%word%`, its wildcards escaped."""
    return f"%{connections[USING].ops.prep_for_like_query(word)}%"


def _contains_word(column: str) -> str:
    """`column` (upper-cased as it was stored: `Organization.search_names`) contains the
    word whose pattern is the parameter, whatever its case, as `icontains` matches.

    `icontains` upper-cases the column on every row; here only the pattern is, and on
    PostgreSQL once a statement (a scalar subquery): a prepared statement's generic plan
    would otherwise upper-case its parameter again for every row it filters. SQLite's
    LIKE ignores the case of ASCII letters, which are all its UPPER changes.
    """
    if _vendor() == "postgresql":
        return f"{column} LIKE (SELECT UPPER(%s::text))"
    return f"{column} {connections[USING].operators['icontains']}"


def _walk_down_rows_sql(columns: Columns) -> str:
    """`below(...)`, a recursive CTE of every org below the org whose id is its one
    parameter, with `columns`' fields. The walk reads each org's row as it passes it, so
    the list filters and orders what it carries: joined back to the table instead, an
    unknown selectivity of the words once made the planner rescan the walk for every
    row of the table."""
    table = Organization._meta.db_table
    names = [field.column for field in columns.fields]
    listed = ", ".join(names)
    if _vendor() == "postgresql":
        step = f"SELECT {listed} FROM {table} child WHERE child.parent_id = below.id"
        recursive = f"SELECT {', '.join(f'step.{c}' for c in names)} FROM below {lateral(step)}"
    else:
        recursive = (
            f"SELECT {', '.join(f'child.{c}' for c in names)}"
            f" FROM {table} child JOIN below ON child.parent_id = below.id"
        )
    return (
        f"below({listed}) AS (SELECT {listed} FROM {table} WHERE parent_id = %s UNION {recursive})"
    )


def _source(scope: str, words: int) -> tuple[str, str, Columns]:
    """(CTEs before the list, `FROM ... WHERE ...` of the list, its columns) of one list
    of the children page; the parameters: the org's id, then `words` word patterns.

    `scope`: "level" (the children of the org given), "tree" (every org under the
    standard org given, by its root) or "walk" (every org below the org given)."""
    o = Columns(Organization, "o", [*ROW_FIELDS, "search_names"], using=USING)
    quote = connections[USING].ops.quote_name
    ctes, conditions = "", []
    if scope == "walk":
        ctes = f"WITH RECURSIVE {_walk_down_rows_sql(o)}, "
        source = f"below {quote('o')}"
    else:
        source = o.table()
        field = "parent" if scope == "level" else "root"
        conditions.append(f"{o.column(field)} = %s")
    conditions += [_contains_word(o.column("search_names"))] * words
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return ctes, f"FROM {source}{where}", o


def _rows_statement(scope: str, words: int, paged: bool) -> tuple[str, Columns]:
    """(sql, row columns) of one list of the children page: the parameters of `_source`,
    then LIMIT and OFFSET when `paged`, then the group kind twice (the allotments)."""
    key = ("child_rows", USING, scope, words, paged)
    if key not in _statements:
        quote = connections[USING].ops.quote_name
        ctes, source, o = _source(scope, words)
        row = Columns(Organization, "o", ROW_FIELDS, using=USING)
        page = Columns(Organization, "page", ROW_FIELDS, using=USING)
        p = Columns(Organization, "p", ["name"], using=USING)
        orgs = quote(Organization._meta.db_table)
        parent = quote(Organization._meta.get_field("parent").column)
        kind = quote(Organization._meta.get_field("kind").column)
        order = ("kind", "display_name", "name")

        def count(model, fk: str) -> str:
            column = quote(model._meta.get_field(fk).column)
            return (
                f"(SELECT COUNT(*) FROM {quote(model._meta.db_table)}"
                f" WHERE {column} = {page.column('id')})"
            )

        def allotment(field: str) -> str:
            limit = quote(Organization._meta.get_field(field).column)
            return (
                f"(SELECT COALESCE(SUM({limit}), 0) FROM {orgs}"
                f" WHERE {parent} = {page.column('id')} AND {kind} = %s)"
            )

        sql = (
            f"{ctes or 'WITH '}{quote('page')} AS ("
            f"SELECT {row.sql()}, COUNT(*) OVER () AS {quote('total')} {source}"
            f" ORDER BY {', '.join(o.column(name) for name in order)}"
            f"{' LIMIT %s OFFSET %s' if paged else ''}"
            f") SELECT {page.sql()}, {quote('page')}.{quote('total')},"
            f" {count(Membership, 'organization')}, {count(Device, 'organization')},"
            f" {count(Organization, 'parent')},"
            f" {allotment('user_seat_limit')}, {allotment('device_seat_limit')},"
            f" {p.column('name')}"
            f" FROM {quote('page')} LEFT OUTER JOIN {p.table()}"
            f" ON {p.column('id')} = {page.column('parent')}"
            f" ORDER BY {', '.join(page.column(name) for name in order)}"
        )
        _statements[key] = (sql, page)
    return _statements[key]


def _count_statement(scope: str, words: int) -> str:
    """The length of one list of the children page; the parameters of `_source`."""
    key = ("child_count", USING, scope, words)
    if key not in _statements:
        ctes, source, _ = _source(scope, words)
        _statements[key] = f"{ctes.removesuffix(', ')} SELECT COUNT(*) {source}".lstrip()
    return _statements[key]


class ChildRows:
    """One list of the children page: the children of `under` (else of `org`), or with
    `search`, every org below `org` whose display name or name contains each of its
    words (the first five), ordered by kind, display name and name.

    Read a page at a time: `rows[start:stop]` is one statement, and each row carries
    `total`, the length of the whole list, for `views.base.CountedPaginator`; `count()`
    asks for the length alone. Each row is an Organization with the page's fields
    (`ROW_FIELDS`) and `ROW_ANNOTATIONS`.
    """

    ordered = True  # for Django's Paginator, which warns about lists in no order

    def __init__(
        self, org: Organization, *, under: "Organization | PathNode | None" = None, search: str = ""
    ):
        words = search.split()[:SEARCH_WORDS]
        if not words:
            self.scope, self.params = "level", [(under or org).pk]
        else:
            self.scope = "tree" if org.parent_id is None else "walk"
            self.params = [org.pk, *(_word_pattern(word) for word in words)]
        self.words = len(words)

    def __getitem__(self, index: slice) -> list[Organization]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("ChildRows are read a slice at a time.")
        start, stop = index.start or 0, index.stop
        if start < 0 or (stop is not None and stop < 0):
            raise ValueError("ChildRows take no negative index.")
        if stop is None:
            return self._fetch()
        if stop <= start:
            return []
        return self._fetch(limit=stop - start, offset=start)

    def __iter__(self):
        return iter(self._fetch())

    def count(self) -> int:
        with connections[USING].cursor() as cursor:
            cursor.execute(_count_statement(self.scope, self.words), self.params)
            return cursor.fetchone()[0]

    def _fetch(self, *, limit: int | None = None, offset: int = 0) -> list[Organization]:
        sql, page = _rows_statement(self.scope, self.words, paged=limit is not None)
        params = [*self.params]
        if limit is not None:
            params += [limit, offset]
        params += [Organization.Kind.GROUP.value] * 2
        with connections[USING].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        width = len(page)
        orgs = []
        for row in rows:
            org = page.load(row)
            for name, value in zip(ROW_ANNOTATIONS, row[width:], strict=True):
                setattr(org, name, value)
            orgs.append(org)
        return orgs


class PathNode(NamedTuple):
    """An org on the path down to a subtree, as its breadcrumb shows it. A tuple rather
    than an Organization: a path may be a thousand orgs long, and a model instance of
    this table costs some twenty times more to make."""

    pk: int
    name: str
    display_name: str
    parent_id: int


def _path_statement() -> str:
    """The walk up from a named org; see `path_below`."""
    key = ("path_below", USING, _vendor())
    if key not in _statements:
        table = Organization._meta.db_table
        names = ["id", "name", "display_name", "parent_id"]
        columns = ", ".join(names)
        if _vendor() == "postgresql":
            step = f"SELECT {columns} FROM {table} o WHERE o.id = up.parent_id"
            recursive = f"SELECT {', '.join(f'step.{c}' for c in names)} FROM up {lateral(step)}"
        else:
            recursive = (
                f"SELECT {', '.join(f'o.{c}' for c in names)}"
                f" FROM {table} o JOIN up ON o.id = up.parent_id"
            )
        # The walk carries the columns the breadcrumb shows, rather than ids to look up
        # again: an IN over the walk's ids let the planner scan the whole table.
        _statements[key] = (
            f"WITH RECURSIVE up({columns}) AS ("
            f" SELECT {columns} FROM {table} WHERE name = %s AND id <> %s"
            f" UNION {recursive} WHERE up.parent_id <> %s"
            f") SELECT {columns} FROM up"
        )
    return _statements[key]


def path_below(org: Organization, name: str) -> list[PathNode] | None:
    """The orgs from just below `org` down to the org called `name`, for the subtree's
    breadcrumb; None unless that org sits below `org`. One statement that walks up from
    the named org, however deep it sits and however large the tree."""
    with connections[USING].cursor() as cursor:
        cursor.execute(_path_statement(), [name, org.pk, org.pk])
        found = {row[0]: PathNode(*row) for row in cursor.fetchall()}
    node = next((row for row in found.values() if row.name == name), None)
    path, current = [], node
    while current is not None and len(path) <= len(found):
        path.append(current)
        current = found.get(current.parent_id)
    path.reverse()
    return path if path and path[0].parent_id == org.pk else None
