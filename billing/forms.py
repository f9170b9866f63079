from django import forms
from django_countries.fields import CountryField

from .models import BillingAccount, Plan


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan):
        if plan.is_free:
            price = "free"
        else:
            price = f"{plan.price_per_seat:.2f} {plan.currency.upper()} per user seat a month"
        features = []
        if plan.allows_child_organizations:
            features.append("child organizations")
        if plan.allows_customers:
            features.append("customers")
        extra = f", {' and '.join(features)}" if features else ""
        return (
            f"{plan.name} — {price}; {plan.included_user_seats} to {plan.max_user_seats} user "
            f"seats, {plan.included_device_seats} device seats{extra}"
        )


class PlanForm(forms.Form):
    plan = PlanChoiceField(
        queryset=Plan.objects.filter(is_active=True), widget=forms.RadioSelect, empty_label=None
    )
    user_seats = forms.IntegerField(
        min_value=1,
        max_value=1_000_000,
        help_text="Between the plan's included seats and its maximum; never fewer than in use.",
    )

    def clean(self):
        cleaned = super().clean()
        plan, seats = cleaned.get("plan"), cleaned.get("user_seats")
        if plan is not None and seats is not None:
            if seats < plan.included_user_seats:
                self.add_error(
                    "user_seats",
                    forms.ValidationError(
                        f"The {plan.name} plan starts at {plan.included_user_seats} user seats.",
                        code="below_plan_minimum",
                    ),
                )
            elif seats > plan.max_user_seats:
                self.add_error(
                    "user_seats",
                    forms.ValidationError(
                        f"The {plan.name} plan allows at most {plan.max_user_seats} user seats.",
                        code="above_plan_maximum",
                    ),
                )
        return cleaned


class SeatsForm(forms.Form):
    user_seats = forms.IntegerField(label="User seats", min_value=1, max_value=1_000_000)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        field = self.fields["user_seats"]
        field.help_text = (
            f"The {plan.name} plan allows {plan.included_user_seats} to "
            f"{plan.max_user_seats} user seats."
        )
        field.widget.attrs.update(min=plan.included_user_seats, max=plan.max_user_seats)

    def clean_user_seats(self):
        seats = self.cleaned_data["user_seats"]
        if seats < self.plan.included_user_seats:
            raise forms.ValidationError(
                f"The {self.plan.name} plan starts at {self.plan.included_user_seats} user seats.",
                code="below_plan_minimum",
            )
        if seats > self.plan.max_user_seats:
            raise forms.ValidationError(
                f"The {self.plan.name} plan allows at most {self.plan.max_user_seats} user "
                "seats; choose a bigger plan for more.",
                code="above_plan_maximum",
            )
        return seats


class BillingDetailsForm(forms.ModelForm):
    country = CountryField(blank=False).formfield()

    class Meta:
        model = BillingAccount
        fields = [
            "cardholder_name",
            "contact_email",
            "address_line1",
            "address_line2",
            "city",
            "postal_code",
            "state",
            "country",
            "tax_id",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("cardholder_name", "contact_email", "address_line1", "city"):
            self.fields[name].required = True


class CardForm(forms.Form):
    """What the card page posts back: the id of the SetupIntent the browser confirmed."""

    setup_intent = forms.RegexField(regex=r"^seti_[A-Za-z0-9_]{1,200}$", max_length=255)
