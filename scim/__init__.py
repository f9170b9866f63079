"""SCIM 2.0 provisioning per organization: `/scim/v2/<org>/` with the org's bearer token.

A small implementation of the subset of RFC 7643/7644 identity providers use (Users,
Groups, filter `eq`, PATCH, discovery), rather than `django-scim2`. Its latest version
(0.23.0) does support Django 5.2, but it does not fit a portal where one account
belongs to many organizations:

- it is single-tenant: one global `/scim/v2/` tree whose views and adapters reverse
  their URLs without arguments (`reverse("scim:users")`), and whose authentication is
  "some earlier middleware logged a `request.user` in"; an org in the URL and a
  per-org bearer token would mean replacing its middleware, views and URL building;
- its User resource is the account itself (`scim_id` fields added to the user model,
  `active` = `User.is_active`): deactivating someone in one org would lock them out of
  all of them. Here a SCIM User is a membership of one org (`ScimUser`), and
  deactivation removes only that membership;
- filters are turned into raw SQL (documented as PostgreSQL only; the portal also runs
  on SQLite) and a tenant restriction is applied in Python after loading the rows, so
  lists would not stay flat;
- its adapters write with `save()`, around our services; every change here must go
  through the organizations services (row lock, rights, seats, audit).

What would remain of it is the JSON shapes, which `protocol.py` holds in a few lines.
"""
