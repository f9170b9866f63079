"""Look for card data in every column of every table and in captured log lines."""

import json
import re

from django.apps import apps
from django.contrib.sessions.models import Session


def table_cells():
    """(table, column, text) for every non-empty cell of every model's table."""
    for model in apps.get_models(include_auto_created=True):
        table = model._meta.db_table
        for row in model._base_manager.values():
            for column, value in row.items():
                if value not in (None, ""):
                    yield (
                        table,
                        column,
                        value if isinstance(value, str) else json.dumps(value, default=str),
                    )
    for session in Session.objects.all():
        yield (
            "django_session",
            "session_data (decoded)",
            json.dumps(session.get_decoded(), default=str),
        )


def card_data_in(text: str, *, number: str, cvc: str) -> bool:
    digits = re.sub(r"\D", "", text)
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return (
        number in text
        or spaced in text
        or number in digits
        or re.search(rf"(?<!\d){cvc}(?!\d)", text) is not None
        or re.search(r"\bcvc\b", text, re.IGNORECASE) is not None
    )


def card_data_found(*, number: str, cvc: str, log_lines=()) -> list[str]:
    found = [
        f"{table}.{column}"
        for table, column, text in table_cells()
        if card_data_in(text, number=number, cvc=cvc)
    ]
    found += [
        f"log: {line[:120]}" for line in log_lines if card_data_in(line, number=number, cvc=cvc)
    ]
    return found
