"""Subquery expressions that count an org's rows, shared by the seat arithmetic and the
list pages: each keeps a page at one query however many rows it counts."""

from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce


def count_of(model, fk: str, *, outer: str = "pk", **filters):
    """The number of `model` rows whose `fk` is the outer row's `outer`; 0, never NULL."""
    return Coalesce(
        Subquery(
            model.objects.filter(**{fk: OuterRef(outer)}, **filters)
            .order_by()
            .values(fk)
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


def group_allotment(field: str, *, outer: str = "pk"):
    """The seats (`field`: a limit column) the outer org gives its groups; 0, never NULL."""
    from .models import Organization

    return Coalesce(
        Subquery(
            Organization.objects.filter(parent=OuterRef(outer), kind=Organization.Kind.GROUP)
            .order_by()
            .values("parent")
            .annotate(total=Sum(field))
            .values("total")[:1]
        ),
        0,
    )
