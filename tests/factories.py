from contextlib import contextmanager
from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from invitations.models import Invitation
from invitations.tokens import generate_token
from notifications.models import OutboxEmail
from organizations import services
from organizations.models import AuditEvent, GovernanceSettings, Membership, Organization, Team

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user whose email address is verified, as after sign-up and confirmation."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )
            obj.save()


def staff_with(*codenames: str, **fields):
    """Platform staff (not a superuser) holding the organizations permissions named."""
    from django.contrib.auth.models import Permission

    user = UserFactory(is_staff=True, **fields)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="organizations", codename__in=codenames)
    )
    return user


@contextmanager
def governance(**values):
    """The governance settings changed for the duration of the block, then restored."""
    settings = GovernanceSettings.get_solo()
    saved = {field: getattr(settings, field) for field in values}
    GovernanceSettings.objects.filter(pk=settings.pk).update(**values)
    try:
        yield
    finally:
        GovernanceSettings.objects.filter(pk=settings.pk).update(**saved)


class OrganizationFactory(factory.django.DjangoModelFactory):
    """A standard org created the way users create one: through the service.

    It is active, as if self-registration with auto-approve were on, whatever the
    governance settings of the test; `pending=True` makes a request in the approval
    queue instead (as with auto-approve off).
    """

    class Meta:
        model = Organization

    display_name = factory.Sequence(lambda n: f"Organization {n}")
    name = factory.Sequence(lambda n: f"org-{n}")
    created_by = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, created_by, display_name, name, pending=False, **kwargs):
        with governance(
            allow_self_registration=True,
            who_may_create=GovernanceSettings.WhoMayCreate.ANY_VERIFIED,
            auto_approve=not pending,
        ):
            org = services.create_organization(
                creator=created_by, display_name=display_name, name=name
            )
        if kwargs:
            if kwargs.get("parent") is not None:
                # Made a child after the fact: it joins its parent's tree, as a child
                # created through the services does.
                kwargs.setdefault("root_id", kwargs["parent"].tree_root_id)
            Organization.objects.filter(pk=org.pk).update(**kwargs)
            org.refresh_from_db()
        return org


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    organization = factory.SubFactory(OrganizationFactory)
    org_name = factory.SelfAttribute("organization.name")
    org_public_id = factory.SelfAttribute("organization.public_id")
    action = "org.edit"
    actor_email = "someone@example.com"


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation written directly, without an email; see `invitation_with_token`."""

    class Meta:
        model = Invitation

    organization = factory.SubFactory(OrganizationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Membership.Role.MEMBER
    invited_by = factory.SelfAttribute("organization.created_by")
    token_hash = factory.LazyFunction(lambda: generate_token()[1])
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    send_count = 1
    last_sent_at = factory.LazyFunction(timezone.now)


def invitation_with_token(**kwargs) -> tuple[Invitation, str]:
    """A pending invitation and the raw token of its link."""
    token, token_hash = generate_token()
    return InvitationFactory(token_hash=token_hash, **kwargs), token


class OutboxEmailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEmail

    recipient = factory.Sequence(lambda n: f"recipient{n}@example.com")
    template = "test"
    subject = factory.Sequence(lambda n: f"Subject {n}")
    body_text = "Body"
