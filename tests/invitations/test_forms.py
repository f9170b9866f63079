"""The sign-up form reached from an invitation link prints the org's name safely."""

import pytest
from django.urls import reverse

from organizations.models import Organization

from ..factories import invitation_with_token

pytestmark = pytest.mark.django_db

HOSTILE = '<img src=x onerror="alert(1)">'


def test_the_sign_up_help_text_escapes_the_org_display_name(client, org):
    Organization.objects.filter(pk=org.pk).update(display_name=HOSTILE)
    _, token = invitation_with_token(organization=org, email="fresh@example.com")
    client.get(reverse("invitations:link", kwargs={"token": token}))

    response = client.get(reverse("account_signup"))

    content = response.content.decode()
    assert HOSTILE not in content
    assert (
        "The invitation to &lt;img src=x onerror=&quot;alert(1)&quot;&gt; was sent to "
        "this address." in content
    )
