"""Email templates: the shipped defaults in `templates/emails/`, or an admin's edit.

Both are rendered by a sandbox: a template engine of their own that knows Django's
default filters and a handful of tags (`sandbox_tags.ALLOWED_TAGS`) and nothing else
(no `load`, `include`, `extends`, `url`), over a context of plain values whose names
are documented per template in `variables.py`. Saving an edit that uses any other tag
or variable, or an attribute of a variable, is refused with the names on the field.
"""

import datetime
import logging
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import (
    FilterExpression,
    Lexer,
    TextNode,
    TokenType,
    Variable,
    VariableNode,
)
from django.template.defaulttags import (
    AutoEscapeControlNode,
    CommentNode,
    IfNode,
    NowNode,
    SpacelessNode,
    TemplateLiteral,
    WithNode,
)
from django.template.loader import get_template
from django.utils.functional import Promise

from .sandbox_tags import ALLOWED_TAGS
from .variables import sample_context, variable_names

logger = logging.getLogger(__name__)

PARTS = ("subject", "body_text", "body_html")
_SUFFIXES = {"subject": "_subject.txt", "body_text": ".txt", "body_html": ".html"}
# Closing and intermediate tags of ALLOWED_TAGS.
_ALLOWED_BLOCK_WORDS = frozenset(ALLOWED_TAGS) | {
    "elif",
    "else",
    "endif",
    "endwith",
    "endcomment",
    "endautoescape",
    "endspaceless",
}
# In the HTML body these would print the values (names, reasons: user text) unescaped.
_UNESCAPING_FILTERS = frozenset({"safe", "safeseq"})
_PLAIN_TYPES = (str, bool, int, float, Decimal, datetime.date, datetime.datetime, type(None))


class _SandboxEngine(Engine):
    # Engine() always adds its default builtins (all tags, `load` and `include` among
    # them); the sandbox replaces them with the default filters and the allowed tags.
    default_builtins = ["django.template.defaultfilters", "notifications.sandbox_tags"]


_ENGINE = _SandboxEngine(dirs=[], loaders=[], libraries={}, string_if_invalid="")


class UnsafeEmailContext(TypeError):
    """A caller passed something other than plain values (e.g. a model) to a template."""


def default_source(key: str) -> dict[str, str]:
    """The shipped default's source of each part, from `templates/emails/<key>…`."""
    return {
        part: get_template(f"emails/{key}{suffix}").template.source
        for part, suffix in _SUFFIXES.items()
    }


# --- rendering -------------------------------------------------------------------------


def plain_context(key: str, context: dict) -> dict:
    """The documented variables of `key` out of `context`, as plain values.

    A value that is not plain (a model instance, a queryset, a dict) raises
    `UnsafeEmailContext`: the render path never holds anything a template could walk.
    Names the template does not document are dropped.
    """
    unsafe = sorted(name for name, value in context.items() if not _is_plain(value))
    if unsafe:
        raise UnsafeEmailContext(
            f"email template {key!r} got values that are not plain: {', '.join(unsafe)}"
        )
    allowed = variable_names(key)
    return {name: _plain(value) for name, value in context.items() if name in allowed}


def _is_plain(value) -> bool:
    return isinstance(value, (*_PLAIN_TYPES, Promise))


def _plain(value):
    if isinstance(value, str | Promise):
        # A SafeString (or a choices member) becomes an ordinary string: it is escaped.
        return str.__str__(str(value))
    return value


def render_source(source: str, context: dict, *, part: str) -> str:
    """One part rendered in the sandbox; only the HTML body autoescapes."""
    template = _ENGINE.from_string(source)
    return template.render(Context(context, autoescape=part == "body_html"))


def render_parts(*, template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text body, HTML body) of `template`, before the subject is flattened."""
    from .models import EmailTemplate

    values = plain_context(template, context)
    row = EmailTemplate.objects.filter(key=template).first()
    if row is not None:
        try:
            return _render_all({part: getattr(row, part) for part in PARTS}, values)
        except Exception:
            # Saved before the sandbox, or past the save check: the email still goes
            # out, with the shipped default, rather than failing the invitation.
            logger.exception("edited email template %r failed; using the default", template)
    return _render_all(default_source(template), values)


def _render_all(sources: dict[str, str], values: dict) -> tuple[str, str, str]:
    subject, body_text, body_html = (
        render_source(sources[part], values, part=part) for part in PARTS
    )
    return subject, body_text, body_html


# --- the save check --------------------------------------------------------------------


def validate_templates(key: str, **parts: str) -> None:
    """ValidationError on each part that is not a safe template for `key`.

    Refused, with the names on the field: a tag outside the allowed ones, a syntax
    error, a variable not documented for `key` or any attribute of one
    (`{{ org.created_by }}`), `|safe` or `{% autoescape off %}` in the HTML body, and
    a part that fails when rendered with the sample values.
    """
    errors = {}
    context = sample_context(key)
    for part, source in parts.items():
        try:
            _validate_part(key, part, source)
            render_source(source, context, part=part)
        except ValidationError as exc:
            errors[part] = exc
        except Exception as exc:
            errors[part] = ValidationError(
                "Rendering with sample values failed: %(error)s",
                code="template_render",
                params={"error": f"{type(exc).__name__}: {exc}"},
            )
    if errors:
        raise ValidationError(errors)


def _validate_part(key: str, part: str, source: str) -> None:
    refused_tags = _refused_tags(source)
    if refused_tags:
        raise ValidationError(
            "These tags are not allowed in email templates: %(tags)s. Allowed tags: %(allowed)s.",
            code="template_tag",
            params={
                "tags": ", ".join(f"{{% {tag} %}}" for tag in refused_tags),
                "allowed": ", ".join(ALLOWED_TAGS),
            },
        )
    try:
        nodelist = _ENGINE.from_string(source).nodelist
    except TemplateSyntaxError as exc:
        raise ValidationError(
            "Template syntax error: %(error)s", code="template_syntax", params={"error": exc}
        ) from exc
    check = _Check(html=part == "body_html")
    check.nodelist(nodelist, set(variable_names(key)))
    if check.unknown:
        allowed = ", ".join(sorted(variable_names(key)))
        raise ValidationError(
            "Unknown variables: %(names)s. This template can use: %(allowed)s "
            "(plain values: no attributes, nothing to loop over).",
            code="template_variable",
            params={"names": ", ".join(sorted(check.unknown)), "allowed": allowed},
        )
    if check.unescaped:
        raise ValidationError(
            "The HTML body must escape what it prints; remove %(what)s.",
            code="template_unescaped",
            params={"what": ", ".join(sorted(check.unescaped))},
        )


def _refused_tags(source: str) -> list[str]:
    refused: dict[str, None] = {}
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK and token.contents.strip():
            word = token.split_contents()[0]
            if word not in _ALLOWED_BLOCK_WORDS:
                refused.setdefault(word, None)
    return list(refused)


class _Check:
    """Walks a compiled template: every variable it names, in tags and filter arguments."""

    def __init__(self, *, html: bool):
        self.html = html
        self.unknown: set[str] = set()
        self.unescaped: set[str] = set()

    def nodelist(self, nodelist, names: set[str]) -> None:
        for node in nodelist:
            self.node(node, names)

    def node(self, node, names: set[str]) -> None:
        if isinstance(node, TextNode | CommentNode):
            return
        if isinstance(node, VariableNode):
            self.expression(node.filter_expression, names)
        elif isinstance(node, IfNode):
            for condition, nodelist in node.conditions_nodelists:
                self.condition(condition, names)
                self.nodelist(nodelist, names)
        elif isinstance(node, WithNode):
            for expression in node.extra_context.values():
                self.expression(expression, names)
            self.nodelist(node.nodelist, names | set(node.extra_context))
        elif isinstance(node, AutoEscapeControlNode):
            if self.html and not node.setting:
                self.unescaped.add("{% autoescape off %}")
            self.nodelist(node.nodelist, names)
        elif isinstance(node, SpacelessNode):
            self.nodelist(node.nodelist, names)
        elif isinstance(node, NowNode):
            if node.asvar:
                names.add(node.asvar)  # `{% now "Y" as year %}` defines `year` after it
        else:  # the engine knows no other tags; refuse rather than guess
            self.unknown.add(type(node).__name__)

    def condition(self, condition, names: set[str]) -> None:
        if condition is None:  # {% else %}
            return
        if isinstance(condition, TemplateLiteral):
            self.expression(condition.value, names)
            return
        self.condition(getattr(condition, "first", None), names)
        self.condition(getattr(condition, "second", None), names)

    def expression(self, expression: FilterExpression, names: set[str]) -> None:
        self.variable(expression.var, names)
        for func, args in expression.filters:
            if self.html and func._filter_name in _UNESCAPING_FILTERS:
                self.unescaped.add(f"|{func._filter_name}")
            for is_lookup, arg in args:
                if is_lookup:
                    self.variable(arg, names)

    def variable(self, variable, names: set[str]) -> None:
        if not isinstance(variable, Variable) or variable.lookups is None:
            return  # a literal: "text", 3, _("text")
        if len(variable.lookups) > 1 or variable.lookups[0] not in names:
            self.unknown.add(variable.var)
