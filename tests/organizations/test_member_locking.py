"""Member changes lock the org's row, then re-read roles: a right lost meanwhile is lost."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from organizations import services
from organizations.errors import NotAllowed
from organizations.models import Membership, Organization

from ..factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.needs_postgres, pytest.mark.django_db(transaction=True)]

Role = Membership.Role


def test_an_admin_demoted_while_waiting_for_the_lock_cannot_remove():
    owner = UserFactory()
    org = OrganizationFactory(created_by=owner, name="locked")
    admin = MembershipFactory(organization=org, role=Role.ADMIN)
    member = MembershipFactory(organization=org, role=Role.MEMBER)
    locked = threading.Event()
    release = threading.Event()
    outcome = {}

    def demote_slowly():
        try:
            with transaction.atomic():
                Organization.objects.select_for_update().get(pk=org.pk)
                Membership.objects.filter(pk=admin.pk).update(role=Role.MEMBER)
                locked.set()
                release.wait(5)
        finally:
            close_old_connections()
            connection.close()

    def remove_as_admin():
        try:
            services.remove_member(org=org, actor=admin.user, membership=member)
            outcome["result"] = "removed"
        except NotAllowed as exc:
            outcome["result"] = exc.code
        finally:
            connection.close()

    demoter = threading.Thread(target=demote_slowly)
    demoter.start()
    assert locked.wait(5)
    remover = threading.Thread(target=remove_as_admin)
    remover.start()
    remover.join(0.5)
    assert remover.is_alive(), "the removal must wait for the org's row lock"
    release.set()
    demoter.join(5)
    remover.join(5)
    assert outcome["result"] == "not_allowed"
    assert Membership.objects.filter(pk=member.pk).exists()
