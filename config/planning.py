"""Statements planned for their values each time, where one prepared plan would not do.

Production prepares a statement the fifth time a connection runs it (psycopg's
`prepare_threshold`, see settings), and PostgreSQL may then keep one generic plan for
it, chosen without the values, when that plan's estimated cost is lower than the plans
made for the values so far. For most statements that is the same plan and saves the
planning. A few statements' best plans differ with their values so much that the
generic plan, made for average values, costs many times the right one: a members
search reads the users matching the words from their trigram indexes when the org is
large, and checks each member when it is small; the generic plan assumes an org of
average size and reads every member of a large one (47 ms against 0.6 ms for 10,000
members).
"""

from contextlib import contextmanager

from django.db import connections


@contextmanager
def planned_each_time(using: str = "default"):
    """Run the block's statements unprepared, so that PostgreSQL plans each of them for
    its values (and neither uses nor makes prepared statements meanwhile)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    kept = driver.prepare_threshold
    driver.prepare_threshold = None  # psycopg prepares nothing while it is None
    try:
        yield
    finally:
        driver.prepare_threshold = kept
