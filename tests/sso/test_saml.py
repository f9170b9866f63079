"""SAML connections on the "Single sign-on" tab, against pysaml2's IdP (tests/sso/saml_idp.py)."""

import urllib.request

import pytest
from django.urls import reverse

from sso.models import SamlConnection

from .idp import wayne_saml_org

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = '<script>alert("x")</script>'


def test_an_owner_pastes_the_idp_metadata_and_gets_our_metadata_and_acs(reauthenticated, saml_idp):
    org, owner = wayne_saml_org(idp=saml_idp)
    SamlConnection.objects.all().delete()
    xml = urllib.request.urlopen(f"{saml_idp.url}/metadata").read().decode()
    client = reauthenticated(owner)
    response = client.post(
        reverse("sso:saml_connection_create", kwargs={"org_name": org.name}),
        {"name": HOSTILE, "idp_metadata_xml": xml, "enabled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    connection = SamlConnection.objects.get(organization=org)
    assert connection.idp_entity_id == saml_idp.entity_id
    assert connection.idp_sso_url == f"{saml_idp.url}/sso/redirect"
    assert connection.idp_x509cert
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert" not in page
    assert f"/accounts/saml/{connection.provider_id}/metadata/" in page
    assert f"/accounts/saml/{connection.provider_id}/acs/" in page
    sp_metadata = client.get(f"/accounts/saml/{connection.provider_id}/metadata/")
    assert sp_metadata.status_code == 200
    assert b"AssertionConsumerService" in sp_metadata.content


def test_bad_metadata_is_a_form_error_not_a_500(reauthenticated, saml_idp):
    org, owner = wayne_saml_org(idp=saml_idp)
    client = reauthenticated(owner)
    url = reverse("sso:saml_connection_create", kwargs={"org_name": org.name})
    for data in (
        {"name": "x", "idp_metadata_xml": "<not-xml"},
        {"name": "x", "idp_metadata_xml": "<a/>"},
        {"name": "x"},
        {"name": "x", "idp_metadata_url": "https://idp.example.com/metadata"},
    ):
        response = client.post(url, data)
        assert response.status_code == 200
    assert SamlConnection.objects.filter(organization=org).count() == 1


def test_test_connection_reads_the_idp_metadata(reauthenticated, saml_idp):
    org, owner = wayne_saml_org(idp=saml_idp)
    connection = SamlConnection.objects.get(organization=org)
    client = reauthenticated(owner)
    response = client.post(
        reverse(
            "sso:saml_connection_test",
            kwargs={"org_name": org.name, "connection_id": connection.pk},
        ),
        follow=True,
    )
    assert f"Connection OK: IdP {saml_idp.entity_id}".encode() in response.content


def test_the_org_login_page_offers_the_saml_connection(client, saml_idp):
    org, _ = wayne_saml_org(idp=saml_idp)
    page = client.get(reverse("sso:org_login", kwargs={"org_name": org.name})).content.decode()
    assert "Sign in with Wayne SAML" in page
    assert "/accounts/saml/saml-wayne-saml/login/" in page


def test_an_idp_whose_metadata_does_not_answer_gets_a_page_not_a_500(client, saml_idp):
    org, _ = wayne_saml_org(idp=saml_idp)
    SamlConnection.objects.filter(organization=org).update(
        idp_metadata_url="http://127.0.0.1:9/metadata"
    )
    host = {"HTTP_HOST": "testserver"}  # as every browser sends it
    response = client.post(
        "/accounts/login/", {"login": "newbie@wayne.test", "password": ""}, **host
    )
    assert response.status_code == 502
    response = client.post("/accounts/saml/saml-wayne-saml/login/", **host)
    assert response.status_code == 502
