"""HTML pages: the notifications list (tabs All and Mentions), mark read, the policy form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from twitterclone.limits import limited
from twitterclone.web import form_errors_add, list_page, page_or_404, safe_next

from . import selectors, services
from .forms import PolicyForm

TABS = {"all": None, "mentions": list(selectors.MENTION_TYPES)}


@login_required
def notifications(request):
    """List the grouped notifications; the first page of All marks what it shows as read.

    A GET that writes: only the user's own read marker, through the service, as Twitter
    clears the badge on open (docs/architecture.md, "Notifications", says why it is allowed
    and how it fares with a read replica).
    """
    tab = request.GET.get("tab", "all")
    if tab not in TABS:
        tab = "all"
    cursor = request.GET.get("cursor")
    page = page_or_404(
        selectors.notifications_page,
        viewer=request.user,
        types=TABS[tab],
        grouped=True,
        cursor=cursor,
    )
    if tab == "all" and not cursor and page.items:
        # The rows keep the unread flags they were read with; the badge below sees the marker.
        services.notifications_mark_read(user=request.user, up_to_id=page.items[0].id)
    context = {"page": page, "tab": tab}
    return list_page(
        request, "notifications/notifications.html", context, partial="notifications/_page.html"
    )


@login_required
@require_POST
@limited("write")
def mark_all_read(request):
    """Mark every notification read, then go back."""
    services.notifications_mark_read(user=request.user)
    return redirect(safe_next(request, default="/notifications"))


@login_required
@limited("write")
def policy(request):
    """Show and save which notifications the user gets (NotificationSettings)."""
    row = selectors.notification_settings_get(user=request.user)
    initial = {
        "filter_not_following": row.filter_not_following,
        "filter_new_accounts_days": row.filter_new_accounts_days,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.notification_policy_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notification_settings")
    return render(request, "notifications/settings.html", {"form": form})
