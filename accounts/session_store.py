"""Django's database sessions (SESSION_ENGINE), with less work per request.

Every signed-in request loads its session; Django's store builds an ORM query for it
(and a model instance) each time. This one reads the session's data and expiry with
one statement written once per process, and does not write a session back when a
request marked it modified without changing it (a key set to the value it had) and
its expiry would move by less than the "last seen" interval — the interval in which
`accounts.sessions.touch` writes an active session anyway. Creating, cycling the key
on sign-in, flushing on sign-out and expiry are Django's own code, unchanged.
"""

from django.conf import settings
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

_statements: dict = {}


class SessionStore(db.SessionStore):
    _stored = None  # (session_data, expire_date) as loaded, for save() to compare

    def _load_statement(self, using: str) -> str:
        if using not in _statements:
            connection = connections[using]
            quote = connection.ops.quote_name
            meta = self.model._meta
            data = quote(meta.get_field("session_data").column)
            expiry = quote(meta.get_field("expire_date").column)
            key = quote(meta.get_field("session_key").column)
            _statements[using] = (
                f"SELECT {data}, {expiry} FROM {quote(meta.db_table)}"
                f" WHERE {key} = %s AND {expiry} > %s"
            )
        return _statements[using]

    def load(self):
        using = router.db_for_read(self.model)
        connection = connections[using]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(self._load_statement(using), [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        self._stored = row
        return self.decode(row[0])

    def save(self, must_create=False):
        if not must_create and self._unchanged():
            return
        super().save(must_create=must_create)
        self._stored = None

    def _unchanged(self) -> bool:
        """Whether saving would write back the same data with nearly the same expiry."""
        if self._stored is None or self.session_key is None:
            return False
        data, stored_expiry = self._stored
        if self.decode(data) != self._session:
            return False
        field = self.model._meta.get_field("expire_date")
        connection = connections[router.db_for_write(self.model)]
        for converter in connection.ops.get_db_converters(field.get_col("s")):
            stored_expiry = converter(stored_expiry, field, connection)
        if stored_expiry is None or timezone.is_naive(stored_expiry):
            return False
        moved = (self.get_expiry_date() - stored_expiry).total_seconds()
        return 0 <= moved < settings.ORGPORTAL_SESSION_ACTIVITY_INTERVAL_SECONDS
