"""Pieces the org views share: calling a service from a form and showing its refusal,
and the links of a list read a keyset page at a time."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView

from .. import selectors
from ..errors import OrganizationError
from ..forms import MemberPickForm
from ..keyset import Keyset, Page
from ..mixins import OrgAccessMixin, client_ip
from ..models import Membership
from ..rows import row_url  # noqa: F401 - where the list views took it from


def add_service_error(form, exc: Exception, *, field: str | None = None) -> None:
    """Show a service's refusal on `form`: invalid input on `field`, a refused rule on top."""
    if isinstance(exc, ValidationError):
        if field is None and hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields):
            form.add_error(None, exc)  # each message next to the field it names
        else:
            form.add_error(field if field in form.fields else None, exc.messages)
    else:
        form.add_error(None, exc.message)


class OrgServiceFormView(OrgAccessMixin, FormView):
    """A form whose valid submission calls one service, shows a message and redirects.

    Subclasses implement `perform(form)` (return the success message) and
    `get_success_url()`. A refusal from the service (a domain error or a
    ValidationError) is shown on the form, on `error_field` when set.
    """

    error_field: str | None = None

    def perform(self, form) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except (OrganizationError, ValidationError) as exc:
            add_service_error(form, exc, field=self.error_field)
            return self.form_invalid(form)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url())


class CountedPaginator(Paginator):
    """Pages of a queryset each of whose rows carries `total`, the length of the whole
    list (a window `COUNT(*) OVER ()`): the page and the count come in one query, where
    Django's paginator runs the list's query twice, COUNT first. A page with no row (past
    the end of the list) asks for the count on its own, as Django's does, to say so."""

    def page(self, number):
        if self.orphans or "count" in self.__dict__:
            return super().page(number)
        try:
            index = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # Django's own answer to a page that is no number
        if index < 1:
            return super().page(number)
        bottom = (index - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page])
        if not rows and index > 1:
            return super().page(number)
        self.count = rows[0].total if rows else 0
        return self._get_page(rows, self.validate_number(index), self)


def paginate(request, queryset, *, per_page: int = 50) -> dict:
    """The context `includes/pagination.html` reads, for a list shown beside a form."""
    paginator = Paginator(queryset, per_page)
    page_obj = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page_obj,
        "paginator": paginator,
        "is_paginated": page_obj.has_other_pages(),
    }


@dataclass(frozen=True)
class PageLink:
    """One link of a keyset list's navigation; `url` None where it leads nowhere."""

    testid: str
    label: str
    url: str | None


class KeysetListMixin:
    """A list read a keyset page at a time (organizations/keyset.py), with links to the
    first, previous, next and last pages (`includes/keyset_pagination.html`).

    `?after=` and `?before=` carry a cursor (`next_param` and `previous_param` may name
    them after the list's order, as the audit log's "older" and "newer" do), and
    `?page=last` asks for the last page. Any other `page` (an old bookmark of a page
    number), or a malformed cursor, gives the first page. The links keep the request's
    other parameters: a search and filters stay across pages.
    """

    keyset: Keyset
    page_size = 50
    next_param = "after"
    previous_param = "before"
    # The (name, label) of the links to the first, previous, next and last pages; the
    # name also makes each link's test id, after `page_testid`.
    page_link_labels = (
        ("first", "« First"),
        ("previous", "‹ Previous"),  # noqa: RUF001 - the pager's arrows
        ("next", "Next ›"),  # noqa: RUF001 - the pager's arrows
        ("last", "Last »"),
    )
    page_testid = "page"

    def keyset_page(self, queryset) -> Page:
        """The page of `queryset` the request asks for (one query, see `Keyset.page`)."""
        query = self.request.GET
        return self.keyset.page(
            queryset,
            after=query.get(self.next_param),
            before=query.get(self.previous_param),
            last=query.get("page") == "last",
            size=self.page_size,
        )

    def page_links(self, page: Page) -> list[PageLink]:
        """The first, previous, next and last links around `page`."""
        kept = self.request.GET.copy()
        for param in (self.next_param, self.previous_param, "page"):
            kept.pop(param, None)

        def url(**params) -> str:
            query = kept.copy()
            for key, value in params.items():
                query[key] = value
            encoded = query.urlencode()
            return f"{self.request.path}?{encoded}" if encoded else self.request.path

        previous, following = page.previous, page.next
        urls = (
            url() if previous else None,
            url(**{self.previous_param: previous}) if previous else None,
            url(**{self.next_param: following}) if following else None,
            url(page="last") if following else None,
        )
        return [
            PageLink(testid=f"{self.page_testid}-{name}", label=label, url=link)
            for (name, label), link in zip(self.page_link_labels, urls, strict=True)
        ]

    def keyset_context(self, queryset) -> dict:
        """`page` (its rows in `page.rows`) and `page_links` for the template."""
        page = self.keyset_page(queryset)
        return {"page": page, "page_links": self.page_links(page)}


class GroupMembersView(OrgServiceFormView):
    """The members of a team or a workspace; managers add members with the form.

    Subclasses name the group attribute (`group_attr`, loaded by their object mixin),
    the selector listing its members, the service adding one, and the message.
    """

    form_class = MemberPickForm
    error_field = "member"
    group_attr = ""
    list_members = None
    add_service = None
    added_message = "{email} joined {group}."

    def group(self):
        return getattr(self, self.group_attr)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["members"] = selectors.member_choices(self.org)
        return kwargs

    def get_context_data(self, **kwargs):
        page = paginate(self.request, type(self).list_members(self.group()))
        return super().get_context_data(members=page["page_obj"], **page, **kwargs)

    def perform(self, form):
        member = form.cleaned_data["member"]
        type(self).add_service(
            org=self.org,
            actor=self.request.user,
            membership=member,
            ip_address=client_ip(self.request),
            **{self.group_attr: self.group()},
        )
        return self.added_message.format(email=member.user.email, group=self.group().name)

    def get_success_url(self):
        return self.group_url()


class GroupMemberRemoveView(OrgAccessMixin, View):
    """POST only: take a member out of a team or workspace (they stay in the org)."""

    group_attr = ""
    remove_service = None
    removed_message = "{email} left {group}."

    def resolve_objects(self):
        super().resolve_objects()
        self.target = self.get_org_object(
            Membership, "member_id", Membership.objects.select_related("user")
        )

    def post(self, request, *args, **kwargs):
        group = getattr(self, self.group_attr)
        try:
            type(self).remove_service(
                org=self.org,
                actor=request.user,
                membership=self.target,
                ip_address=client_ip(request),
                **{self.group_attr: group},
            )
        except OrganizationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, self.removed_message.format(email=self.target.user.email, group=group.name)
            )
        return redirect(self.group_url())
