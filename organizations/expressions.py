"""Subquery expressions that count an org's rows, shared by the seat arithmetic and the
list pages: each keeps a page at one query however many rows it counts; the row
comparison keyset pages continue from; and a filter that writes its constants."""

import re

from django.db.models import BooleanField, Count, F, Func, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce


def count_of(model, fk: str, *, outer: str = "pk", **filters):
    """The number of `model` rows whose `fk` is the outer row's `outer`; 0, never NULL."""
    return Coalesce(
        Subquery(
            model.objects.filter(**{fk: OuterRef(outer)}, **filters)
            .order_by()
            .values(fk)
            # COUNT(*), not COUNT(id): the index on `fk` alone can answer it.
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
        0,
    )


def group_allotment(field: str, *, outer: str = "pk"):
    """The seats (`field`: a limit column) the outer org gives its groups; 0, never NULL."""
    from .models import Organization

    return Coalesce(
        Subquery(
            Organization.objects.filter(parent=OuterRef(outer), kind=Organization.Kind.GROUP)
            .order_by()
            .values("parent")
            .annotate(total=Sum(field))
            .values("total")[:1]
        ),
        0,
    )


class RowCompare(Func):
    """`(col1, col2, ...) op (value1, value2, ...)`: one row comparison, as a keyset page
    continues from its last row.

    Spelt out as `col1 < v1 OR (col1 = v1 AND col2 < v2)` the condition is a range of
    an index on (col1, col2) only for a planner that sees the values; a prepared
    statement's generic plan may walk the index from the other end instead. A row
    comparison is that range for any values, on PostgreSQL and SQLite alike.
    """

    output_field = BooleanField()
    conditional = True
    OPERATORS = ("<", ">")

    def __init__(self, columns, op: str, values):
        if op not in self.OPERATORS or len(columns) != len(values) or not columns:
            raise ValueError("RowCompare needs as many columns as values and < or >")
        self.op = op
        super().__init__(*(F(c) for c in columns), *(Value(v) for v in values))

    def as_sql(self, compiler, connection, **extra_context):
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, sql_params = compiler.compile(expression)
            sqls.append(sql)
            params.extend(sql_params)
        half = len(sqls) // 2
        return f"({', '.join(sqls[:half])}) {self.op} ({', '.join(sqls[half:])})", params


_CONSTANT = re.compile(r"[A-Za-z0-9_.-]+")


class InConstants(Func):
    """`column IN ('a', 'b')` with the constants written into the statement, not bound.

    A partial index whose condition names them (`... WHERE status IN ('pending',
    'expired')`) serves a prepared statement's generic plan only when the statement's
    text shows them: a bound parameter might be anything, so the planner cannot prove
    the index covers the rows. The values are the code's own constants (letters,
    digits, `_`, `.`, `-`), never input, which is checked.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, values):
        values = tuple(str(value) for value in values)
        if not values or not all(_CONSTANT.fullmatch(value) for value in values):
            raise ValueError("InConstants takes plain constants of the code")
        self.constants = values
        super().__init__(F(column))

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        written = ", ".join(f"'{value}'" for value in self.constants)
        return f"{sql} IN ({written})", params
