"""The email outbox shared by accounts, organizations and invitations.

Why a small model of our own and not django-post-office: post_office's Celery
integration hands queued mail to a batch sender; the bar in DESIGN.md wants each email
delivered by its own idempotent task (the row claimed with SELECT ... FOR UPDATE SKIP
LOCKED in a short transaction, sent with no transaction open, a stable Message-ID on
every attempt, a sent row never sent again), a publish that gives up within about two
seconds when the broker is down, and a sweep that re-queues what was left or stuck.
post_office's templates render with Django's full engine over any context; ours run in
a sandbox over plain values (`templating.py`, `variables.py`).
"""
