"""The email outbox shared by accounts, organizations and invitations.

Why a small model of our own and not django-post-office: post_office's Celery
integration hands queued mail to a batch sender; the bar in DESIGN.md wants each email
delivered by its own idempotent task (row locked with SELECT ... FOR UPDATE SKIP LOCKED,
a sent row is never sent again), a publish that gives up within about two seconds when
the broker is down, and a sweep that re-queues what was left. That is about 200 lines
here. Revisit when admin-editable email templates are built: post_office has those.
"""
