import socket

import pytest

from organizations.errors import NotAllowed
from organizations.models import AuditEvent
from sso import services
from sso.models import VerifiedDomain
from sso.services import SsoError
from tests.factories import OrganizationFactory, UserFactory
from tests.sso.conftest import free_port

pytestmark = pytest.mark.django_db


def test_check_verifies_through_a_real_dns_answer(org, owner, dns_zone):
    claimed = services.add_domain(org=org, actor=owner, domain="Acme.TEST")
    assert claimed.domain == "acme.test"
    checked = services.check_domain(org=org, actor=owner, domain_id=claimed.pk)
    assert not checked.is_verified
    assert "No DNS record" in checked.last_check_result

    dns_zone.publish("_orgportal-verification.acme.test", "something-else")
    checked = services.check_domain(org=org, actor=owner, domain_id=claimed.pk)
    assert not checked.is_verified
    assert "not the expected value" in checked.last_check_result

    dns_zone.publish(claimed.record_name, claimed.record_value)
    checked = services.check_domain(org=org, actor=owner, domain_id=claimed.pk)
    assert checked.is_verified
    actions = list(
        AuditEvent.objects.filter(organization=org, action__startswith="sso.").values_list(
            "action", flat=True
        )
    )
    assert "sso.domain_add" in actions and "sso.domain_verify" in actions


def test_a_domain_verified_by_one_org_cannot_be_claimed_by_another(org, owner, dns_zone):
    claimed = services.add_domain(org=org, actor=owner, domain="shared.test")
    other_owner = UserFactory()
    other = OrganizationFactory(created_by=other_owner)
    rival = services.add_domain(org=other, actor=other_owner, domain="shared.test")
    dns_zone.publish(claimed.record_name, claimed.record_value)
    dns_zone.publish(rival.record_name, rival.record_value)
    assert services.check_domain(org=org, actor=owner, domain_id=claimed.pk).is_verified
    with pytest.raises(SsoError, match="verified by another organization"):
        services.check_domain(org=other, actor=other_owner, domain_id=rival.pk)
    third = OrganizationFactory(created_by=other_owner)
    with pytest.raises(SsoError, match="verified by another organization"):
        services.add_domain(org=third, actor=other_owner, domain="shared.test")
    assert not VerifiedDomain.objects.get(pk=rival.pk).is_verified


def test_only_owners_manage_domains(org, admin_user):
    with pytest.raises(NotAllowed):
        services.add_domain(org=org, actor=admin_user, domain="acme.test")


@pytest.mark.parametrize("bad", ["", "not a domain", "gmail.com", "<b>x</b>.test"])
def test_bad_domains_are_refused(org, owner, bad):
    with pytest.raises(SsoError):
        services.add_domain(org=org, actor=owner, domain=bad)


def test_dns_down_is_a_message_not_an_error(org, owner, settings):
    settings.SSO_DNS_NAMESERVERS = [f"127.0.0.1:{free_port(socket.SOCK_DGRAM)}"]
    settings.SSO_DNS_TIMEOUT = 0.5
    claimed = services.add_domain(org=org, actor=owner, domain="acme.test")
    checked = services.check_domain(org=org, actor=owner, domain_id=claimed.pk)
    assert not checked.is_verified
    assert checked.last_check_result
