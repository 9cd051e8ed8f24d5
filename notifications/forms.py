from django import forms

from .models import MAX_NEW_ACCOUNT_DAYS


class PolicyForm(forms.Form):
    """Parse the notification settings; notifications.services checks every rule."""

    filter_not_following = forms.BooleanField(label="Only from people you follow", required=False)
    filter_new_accounts_days = forms.IntegerField(
        label="Hide notifications from accounts newer than (days)",
        required=False,
        min_value=1,
        max_value=MAX_NEW_ACCOUNT_DAYS,
        help_text=f"1 to {MAX_NEW_ACCOUNT_DAYS}; leave empty to show every account. "
        "Mentions and replies from people you follow always show.",
    )
