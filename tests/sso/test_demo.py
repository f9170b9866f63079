from django.core.management import call_command

from organizations.models import Membership, Organization
from sso import crypto
from sso.management.commands.load_sso_demo import DEMO_CLIENT_SECRET


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
    assert "/o/wayne/login/" in capsys.readouterr().out
