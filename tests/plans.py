"""The plan PostgreSQL keeps for a prepared statement, whatever values it runs with."""

from django.db import connection


def generic_plan(queryset, *, bitmap_scans_only: bool = False) -> str:
    """EXPLAIN of `queryset` as the generic plan of a prepared statement (production
    prepares a statement its fifth time), with sequential scans and sorts priced out so
    that a small test table shows which index conditions the statement can use.

    With `bitmap_scans_only`, plain index scans and nested loops are priced out too: a
    small table then shows whether its conditions can be read from an index (a search
    from its GIN indexes), which a few rows would rather read one by one."""
    sql, params = queryset.query.sql_with_params()
    return generic_plan_of(sql, params, bitmap_scans_only=bitmap_scans_only)


def generic_plan_of(sql: str, params, *, bitmap_scans_only: bool = False) -> str:
    """`generic_plan` of a statement written by hand (%s placeholders)."""
    params = list(params)
    for number in range(1, len(params) + 1):
        sql = sql.replace("%s", f"${number}", 1)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        if bitmap_scans_only:
            for setting in ("enable_indexscan", "enable_indexonlyscan", "enable_nestloop"):
                cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"PREPARE plan_probe AS {sql}")
        try:
            placeholders = ", ".join(["%s"] * len(params))
            cursor.execute(f"EXPLAIN EXECUTE plan_probe({placeholders})", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE plan_probe")
