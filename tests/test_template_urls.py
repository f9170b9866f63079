"""`{% url %}` with its reversals remembered: the same answers as Django's tag."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse


def render(source: str, **context) -> str:
    return engines["django"].from_string(source).render(context)


def test_it_answers_what_reverse_answers_every_time():
    source = "{% url 'organizations:members' name %}|{% url 'home' %}"
    expected = f"{reverse('organizations:members', args=['acme'])}|{reverse('home')}"
    assert render(source, name="acme") == expected
    assert render(source, name="acme") == expected
    assert render(source, name="other") == (
        f"{reverse('organizations:members', args=['other'])}|{reverse('home')}"
    )


def test_no_match_raises_and_as_var_gives_an_empty_string():
    with pytest.raises(NoReverseMatch):
        render("{% url 'organizations:members' 'not a slug!' %}")
    assert render("{% url 'no-such-view' as link %}[{{ link }}]") == "[]"


def test_keyword_arguments():
    url = render("{% url 'organizations:members' org_name=name %}", name="acme")
    assert url == reverse("organizations:members", kwargs={"org_name": "acme"})


def test_a_changed_urlconf_is_not_answered_from_memory(settings):
    assert render("{% url 'home' %}") == reverse("home")
    settings.ROOT_URLCONF = "tests.urls_without_home"
    with pytest.raises(NoReverseMatch):
        render("{% url 'home' %}")
