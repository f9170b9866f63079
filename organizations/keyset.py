"""Keyset pages: a long list read a page at a time from the row it continues from.

A page is found by the order's values of the row next to it (a cursor), never by an
OFFSET, so that the last page of a long list costs what the first one does: one index
range read from one end or the other, as many rows as a page shows. The audit log, the
members list and the invitations list all page this way.

A cursor travels in a URL as an opaque token. Whatever a URL carries, decoding it
gives the values of the order's columns, of the columns' types, or None: a malformed
or hostile token never reaches the database as anything but a well-typed value.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import models
from django.db.models import QuerySet

from .expressions import RowCompare

# Long enough for an email address of 254 characters, however JSON escapes it.
MAX_CURSOR_LENGTH = 2000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_BIGINT = 2**63


def _kind(model, path: str) -> str:
    """How a cursor carries the column `path` (Django's `a__b` lookups) of `model`."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    field = model._meta.get_field(name)
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.IntegerField):  # AutoField and BigAutoField too
        return "int"
    if isinstance(field, models.CharField | models.TextField):
        return "str"
    raise TypeError(f"A keyset cannot order by {path} ({type(field).__name__})")


def _to_json(kind: str, value):
    return (value - _EPOCH) // _MICROSECOND if kind == "datetime" else value


def _from_json(kind: str, value):
    """The value a cursor's JSON `value` stands for, or None when it is not one."""
    if kind == "str":
        if not isinstance(value, str) or "\x00" in value:
            return None
        try:
            value.encode()  # a lone surrogate is no text a database takes
        except UnicodeEncodeError:
            return None
        return value
    if not isinstance(value, int) or isinstance(value, bool) or not -_BIGINT <= value < _BIGINT:
        return None
    if kind == "int":
        return value
    try:
        return _EPOCH + value * _MICROSECOND
    except OverflowError:
        return None


@dataclass
class Page:
    """One page of a list, in the list's order, and the cursors of its neighbours:
    `previous` continues before its first row, `next` after its last; None where the
    list ends."""

    rows: list
    previous: str | None
    next: str | None

    @property
    def has_other_pages(self) -> bool:
        return self.previous is not None or self.next is not None


class Keyset:
    """A list's order by columns that are unique together (`"-created_at", "-id"`, or a
    unique `"user__email"`), and the pages read from it.

    The columns all ascend or all descend: then "after this row" is one row comparison,
    `(a, b) > (x, y)`, which stays a range of an index on (a, b) whatever the values,
    as a prepared statement's generic plan needs (see `RowCompare`).
    """

    def __init__(self, model, *fields: str):
        descending = {field.startswith("-") for field in fields}
        if len(descending) != 1:
            raise ValueError("A keyset's columns all ascend or all descend")
        self.columns = tuple(field.lstrip("-") for field in fields)
        self.descending = descending.pop()
        self.kinds = tuple(_kind(model, column) for column in self.columns)

    def ordered(self, queryset: QuerySet, *, reverse: bool = False) -> QuerySet:
        """`queryset` in this order, or in the reverse order."""
        sign = "-" if self.descending != reverse else ""
        return queryset.order_by(*(sign + column for column in self.columns))

    def following(self, queryset: QuerySet, values: tuple) -> QuerySet:
        """The rows after `values` in this order, nearest first."""
        op = "<" if self.descending else ">"
        return self.ordered(queryset.filter(RowCompare(self.columns, op, values)))

    def preceding(self, queryset: QuerySet, values: tuple) -> QuerySet:
        """The rows before `values` in this order, nearest first (the reverse order)."""
        op = ">" if self.descending else "<"
        return self.ordered(queryset.filter(RowCompare(self.columns, op, values)), reverse=True)

    def values_of(self, row) -> tuple:
        """The order's values of `row` (an object of the queryset's model)."""
        values = []
        for column in self.columns:
            value = row
            for name in column.split("__"):
                value = getattr(value, name)
            values.append(value)
        return tuple(values)

    def cursor(self, row) -> str:
        """The opaque token that names `row`'s place in this order."""
        data = [_to_json(kind, v) for kind, v in zip(self.kinds, self.values_of(row), strict=True)]
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(text).rstrip(b"=").decode("ascii")

    def decode(self, token: str | None) -> tuple | None:
        """The values `token` names, or None when it is missing or not one of ours."""
        if not token or len(token) > MAX_CURSOR_LENGTH:
            return None
        try:
            raw = base64.urlsafe_b64decode(token.encode("ascii") + b"=" * (-len(token) % 4))
            data = json.loads(raw.decode())
        except (ValueError, RecursionError):  # bad base64, UTF-8 and JSON are ValueErrors
            return None
        if not isinstance(data, list) or len(data) != len(self.kinds):
            return None
        values = tuple(map(_from_json, self.kinds, data))
        return None if None in values else values

    def page(
        self,
        queryset: QuerySet,
        *,
        after: str | None = None,
        before: str | None = None,
        last: bool = False,
        size: int,
    ) -> Page:
        """The page just after the cursor `after`, just before the cursor `before`, the
        last page (`last`), or else the first. One query; two when a cursor leads nowhere
        (its rows went away), which gives the end it ran into instead of an empty page.
        A malformed cursor counts as none.
        """
        after_values, before_values = self.decode(after), self.decode(before)
        if after_values is not None:
            rows = list(self.following(queryset, after_values)[: size + 1])
            if rows:
                return self._forward(rows, size, continued=True)
            last = True
        elif before_values is not None:
            rows = list(self.preceding(queryset, before_values)[: size + 1])
            if rows:
                return self._backward(rows, size, continued=True)
            last = False
        if last:
            return self._backward(
                list(self.ordered(queryset, reverse=True)[: size + 1]), size, continued=False
            )
        return self._forward(list(self.ordered(queryset)[: size + 1]), size, continued=False)

    def _forward(self, rows: list, size: int, *, continued: bool) -> Page:
        """A page read in this order; `continued` when rows precede it."""
        page = rows[:size]
        return Page(
            rows=page,
            previous=self.cursor(page[0]) if page and continued else None,
            next=self.cursor(page[-1]) if len(rows) > size else None,
        )

    def _backward(self, rows: list, size: int, *, continued: bool) -> Page:
        """A page read in the reverse order; `continued` when rows follow it."""
        page = rows[:size][::-1]
        return Page(
            rows=page,
            previous=self.cursor(page[0]) if len(rows) > size else None,
            next=self.cursor(page[-1]) if page and continued else None,
        )
