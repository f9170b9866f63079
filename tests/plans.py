"""The plan PostgreSQL keeps for a prepared statement, whatever values it runs with."""

from django.db import connection


def generic_plan(queryset) -> str:
    """EXPLAIN of `queryset` as the generic plan of a prepared statement (production
    prepares a statement its fifth time), with sequential scans and sorts priced out so
    that a small test table shows which index conditions the statement can use."""
    return generic_plan_of(*queryset.query.sql_with_params())


def generic_plan_of(sql: str, params) -> str:
    """`generic_plan` of a statement written by hand (%s placeholders)."""
    params = list(params)
    for number in range(1, len(params) + 1):
        sql = sql.replace("%s", f"${number}", 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"PREPARE plan_probe AS {sql}")
        try:
            placeholders = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN EXECUTE plan_probe({placeholders})", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE plan_probe")
