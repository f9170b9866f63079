from django.core.management import call_command

from organizations.management.commands.load_demo_data import DEMO_PASSWORD
from organizations.models import Membership, Organization
from sso import crypto
from sso.management.commands.load_sso_demo import DEMO_CLIENT_SECRET
from sso.models import JoinRequest, SsoPolicy


def test_the_wayne_demo_loads_twice_to_the_same_state(db, capsys):
    call_command("load_demo_data")
    call_command("load_sso_demo", idp_url="http://127.0.0.1:8430")
    call_command("load_sso_demo", idp_url="http://127.0.0.1:8430")
    org = Organization.objects.get(name="wayne")
    assert org.status == Organization.Status.ACTIVE
    assert org.display_name == "Wayne Enterprises"
    (domain,) = org.sso_domains.all()
    assert domain.domain == "wayne.test" and domain.is_verified
    (connection,) = org.sso_connections.all()
    assert connection.provider_id == "sso-wayne" and connection.assign_membership_on_login
    assert crypto.decrypt(connection.secret_encrypted) == DEMO_CLIENT_SECRET
    roles = dict(org.memberships.values_list("user__email", "role"))
    assert roles == {"bruce@wayne.test": Membership.Role.OWNER, "lucius@wayne.test": "member"}
    out = capsys.readouterr().out
    assert "/o/wayne/login/" in out
    # "Ask to join", with harvey's request waiting for bruce.
    assert SsoPolicy.objects.get(organization=org).asks_to_join
    (request,) = JoinRequest.objects.filter(organization=org)
    assert request.is_pending and request.email == "harvey@wayne.test"
    assert request.user.check_password(DEMO_PASSWORD)
    assert "harvey@wayne.test" in out and "/o/wayne/members/join-requests/" in out


def test_a_decided_demo_request_stays_decided(db):
    from sso import join_requests

    call_command("load_demo_data")
    call_command("load_sso_demo", idp_url="http://127.0.0.1:8430")
    org = Organization.objects.get(name="wayne")
    request = JoinRequest.objects.get(organization=org)
    join_requests.approve_join_request(actor=org.created_by, join_request=request)
    call_command("load_sso_demo", idp_url="http://127.0.0.1:8430")
    assert JoinRequest.objects.filter(organization=org).count() == 1
    assert org.memberships.filter(user__email="harvey@wayne.test").exists()
