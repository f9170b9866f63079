from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    """Users are identified by their email address; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in with their email address."""

    class AccountType(models.TextChoices):
        PERSONAL = "personal", "Personal"
        BUSINESS = "business", "Business"

    username = None
    email = models.EmailField("email address", unique=True)
    account_type = models.CharField(
        max_length=20,
        choices=AccountType.choices,
        default=AccountType.PERSONAL,
        help_text="Governance may allow only business accounts to create organizations.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.email

    @property
    def is_business(self) -> bool:
        return self.account_type == self.AccountType.BUSINESS

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.email


class SignInEvent(models.Model):
    """One sign-in attempt on an account: kept `LOGIN_HISTORY_RETENTION_DAYS`, then pruned.

    Attempts for addresses without an account are not recorded: there is nobody to show
    them to, and rows tied to nobody would be a list of which addresses were tried.
    """

    class Method(models.TextChoices):
        PASSWORD = "password", "Password"
        PASSKEY = "passkey", "Passkey"
        CODE = "code", "Emailed code"
        EMAIL_LINK = "email_link", "Email confirmation link"
        SIGNUP = "signup", "Sign-up"
        PASSWORD_RESET = "password_reset", "Password reset"
        OTHER = "other", "Other"

    class SecondFactor(models.TextChoices):
        NONE = "", "None"
        TOTP = "totp", "Authenticator app"
        RECOVERY_CODE = "recovery_codes", "Recovery code"
        WEBAUTHN = "webauthn", "Security key"

    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="sign_in_events"
    )
    created_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField()
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.PASSWORD)
    second_factor = models.CharField(
        max_length=20, choices=SecondFactor.choices, default=SecondFactor.NONE, blank=True
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The Security page: one user's newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="accounts_signin_user_new"),
            # The daily prune: everything older than the retention.
            models.Index(fields=["created_at"], name="accounts_signin_created"),
        ]

    def __str__(self):
        outcome = "signed in" if self.succeeded else "failed"
        return f"{self.user_id} {outcome} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def method_label(self) -> str:
        """The way in, e.g. "Password, then authenticator app" or "Passkey"."""
        label = self.get_method_display()
        if self.second_factor:
            return f"{label}, then {self.get_second_factor_display().lower()}"
        return label
