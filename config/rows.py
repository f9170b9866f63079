"""Model instances from hand-written SQL, for the few statements every page runs.

Compiling an ORM queryset costs more CPU than running it when the query is small and
the database is near: a page that runs the same three lookups on every request spends
most of their time building SQL. `Columns` is the piece of a SELECT list for one model
(its concrete fields, or some of them) under a table alias, built from the model's
`_meta` and quoted by the connection, so a statement written once per process follows
the models; `Columns.load(row, offset)` turns that slice of a fetched row back into an
instance with `Model.from_db`, through the same value converters the ORM applies (SQLite
returns booleans as integers and timestamps as text, JSON arrives as text).
"""

from django.db import connections


class Columns:
    """The SELECT-list columns of `model` under `alias`; see the module docstring."""

    def __init__(self, model, alias: str, names=None, *, using: str = "default"):
        """Every concrete field of `model`, or only those named (the pk is always kept),
        in the model's field order."""
        concrete = model._meta.concrete_fields
        if names is None:
            chosen = tuple(concrete)
        else:
            wanted = {model._meta.get_field(name).attname for name in names}
            wanted.add(model._meta.pk.attname)
            chosen = tuple(f for f in concrete if f.attname in wanted)
        self.model = model
        self.alias = alias
        self.fields = chosen
        self.using = using
        self.attnames = tuple(f.attname for f in chosen)
        self.pk_index = self.attnames.index(model._meta.pk.attname)
        connection = connections[using]
        self._converters = []
        for i, f in enumerate(chosen):
            expression = f.get_col(alias)
            converters = connection.ops.get_db_converters(
                expression
            ) + expression.get_db_converters(connection)
            if converters:
                self._converters.append((i, converters, expression))

    def __len__(self) -> int:
        return len(self.fields)

    def sql(self) -> str:
        """`"alias"."column", ...` for the SELECT list."""
        quote = connections[self.using].ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(f.column)}" for f in self.fields)

    def table(self) -> str:
        """`"table" "alias"` for the FROM clause."""
        quote = connections[self.using].ops.quote_name
        return f"{quote(self.model._meta.db_table)} {quote(self.alias)}"

    def column(self, name: str) -> str:
        """`"alias"."column"` of the field `name` (for joins and WHERE clauses)."""
        quote = connections[self.using].ops.quote_name
        return f"{quote(self.alias)}.{quote(self.model._meta.get_field(name).column)}"

    def load(self, row, offset: int = 0):
        """The instance in `row[offset:offset + len(self)]`, or None when its pk is NULL
        (the missing side of a LEFT JOIN)."""
        values = list(row[offset : offset + len(self.fields)])
        if values[self.pk_index] is None:
            return None
        if self._converters:
            connection = connections[self.using]
            for i, converters, expression in self._converters:
                value = values[i]
                for converter in converters:
                    value = converter(value, expression, connection)
                values[i] = value
        return self.model.from_db(self.using, self.attnames, values)
