"""Trigram indexes for the members search, on PostgreSQL only.

A members search (`organizations.selectors.members_of`) filters users with Django's
`icontains` on email, first and last name, which PostgreSQL receives as
`UPPER("accounts_user"."email"::text) LIKE UPPER('%word%')`. A B-tree cannot serve a
pattern with a leading wildcard, so without these every search (and its count) reads
the whole users table. A GIN index of pg_trgm trigrams on exactly those expressions
serves it, the three of them combined by a BitmapOr.

The indexes are built CONCURRENTLY (hence a non-atomic migration), so that signing up
and editing profiles keep working while a large users table is indexed. SQLite has no
such indexes: there the migration does nothing.
"""

from django.db import migrations

# Each index's expression is the one Django's `icontains` writes on PostgreSQL: an
# expression index serves only a query with the same expression.
INDEXES = {
    "accounts_user_email_upper_trgm": "email",
    "accounts_user_first_name_upper_trgm": "first_name",
    "accounts_user_last_name_upper_trgm": "last_name",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON accounts_user"
            f" USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other indexes may use it, and it costs nothing unused.
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("accounts", "0003_sign_in_history"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
