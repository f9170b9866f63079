"""Auth0's paging: `page`/`per_page`/`include_totals`, or checkpoints `from`/`take`.

- no paging parameter: the first `DEFAULT_PER_PAGE` rows as a plain array;
- `page` (from 0), `per_page` (1-100): a plain array, or with `include_totals=true`
  `{"<key>": [...], "start": page*per_page, "limit": per_page, "total": n}`;
- `from` (the `next` value of the previous answer, empty for the first) and `take`
  (1-100): `{"<key>": [...], "next": "..."}`, `next` absent on the last page. A
  checkpoint is a row's unique sort value, so a page costs one indexed query however
  deep it is.
"""

from dataclasses import dataclass

from .errors import invalid_query

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


def _int(params, name: str, *, low: int, high: int | None, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise invalid_query(f'Query validation error: "{name}" must be an integer.') from exc
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid_query(f'Query validation error: "{name}" must be {bound}.')
    return value


def _bool(params, name: str) -> bool:
    raw = params.get(name)
    if raw in (None, "", "false", "False", "0"):
        return False
    if raw in ("true", "True", "1"):
        return True
    raise invalid_query(f'Query validation error: "{name}" must be true or false.')


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int
    include_totals: bool
    checkpoint: bool
    start_from: str
    take: int


def parse(params) -> Paging:
    """The paging parameters of a list request; 400 `invalid_query_string` when malformed."""
    checkpoint = "from" in params or "take" in params
    return Paging(
        page=_int(params, "page", low=0, high=None, default=0),
        per_page=_int(params, "per_page", low=1, high=MAX_PER_PAGE, default=DEFAULT_PER_PAGE),
        include_totals=_bool(params, "include_totals"),
        checkpoint=checkpoint,
        start_from=(params.get("from") or "")[:255],
        take=_int(params, "take", low=1, high=MAX_PER_PAGE, default=DEFAULT_PER_PAGE),
    )


def checkpoint_int(value: str) -> int:
    """A numeric checkpoint, or 400 `invalid_query_string`."""
    if not value.isdigit() or len(value) > 18:
        raise invalid_query('Query validation error: "from" is not a checkpoint of this list.')
    return int(value)


def paginate(queryset, paging: Paging, *, key: str, order_field: str, serialize, convert=str):
    """One page of `queryset` (ordered by the unique `order_field`) in Auth0's shape.

    `convert` turns a `from` value into the field's type (400 when it cannot).
    """
    queryset = queryset.order_by(order_field)
    if paging.checkpoint:
        if paging.start_from:
            start_from = convert(paging.start_from)
            queryset = queryset.filter(**{f"{order_field}__gte": start_from})
        rows = list(queryset[: paging.take + 1])
        answer = {key: [serialize(row) for row in rows[: paging.take]]}
        if len(rows) > paging.take:
            answer["next"] = str(getattr_path(rows[-1], order_field))
        return answer
    start = paging.page * paging.per_page
    rows = list(queryset[start : start + paging.per_page])
    items = [serialize(row) for row in rows]
    if not paging.include_totals:
        return items
    return {key: items, "start": start, "limit": paging.per_page, "total": queryset.count()}


def getattr_path(obj, path: str):
    for part in path.split("__"):
        obj = getattr(obj, part)
    return obj
