"""HTML pages for accounts: sign-up, settings; and the helpers every app's HTML views share."""

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from social.services import privacy_set

from .forms import PasswordForm, ProfileForm, SignupForm
from .services import user_change_password, user_register, user_update_profile


def is_htmx(request) -> bool:
    """Tell whether htmx sent the request (it then wants a fragment, not a redirect)."""
    return request.headers.get("HX-Request") == "true"


def vary_on_htmx(response):
    """Mark a response that differs for htmx, so no cache serves one for the other."""
    patch_vary_headers(response, ["HX-Request"])
    return response


def safe_next(request, default: str = "/") -> str:
    """Return the POSTed `next` URL if it stays on this site, else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def form_errors_add(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: by field where it has one, else on top.

    `fields` maps service argument names to form field names (media_urls -> media_url).
    """
    fields = fields or {}
    for name, field_messages in error.message_dict.items():
        name = fields.get(name, name)
        # Errors on hidden fields (reply_to_id) are shown above the form, not lost.
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        for message in field_messages:
            form.add_error(name if shown else None, message)


def signup(request):
    """Register and sign in."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_register(**form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            login(request, user, backend="accounts.backends.CaseInsensitiveModelBackend")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
def settings_page(request):
    """Show and save the profile and privacy settings; the password form posts elsewhere."""
    user = request.user
    form = ProfileForm(request.POST or None, initial=_profile_initial(user))
    if request.method == "POST" and form.is_valid():
        try:
            # Both or neither: a rejected bio must not leave a privacy change behind.
            with transaction.atomic():
                user_update_profile(
                    user=user,
                    display_name=form.cleaned_data["display_name"],
                    bio=form.cleaned_data["bio"],
                    profile_image_url=form.cleaned_data["profile_image_url"],
                )
                privacy_set(user=user, privacy=form.cleaned_data["privacy"])
        except ValidationError as error:
            user.refresh_from_db()  # the in-memory copy may hold the rolled-back values
            form_errors_add(form, error)
        else:
            messages.success(request, "Your settings are saved.")
            return redirect("settings")
    context = {"form": form, "password_form": PasswordForm(user)}
    return render(request, "accounts/settings.html", context)


@login_required
@require_POST
def password_change(request):
    """Change the password, keep this session signed in, end the others and revoke tokens."""
    password_form = PasswordForm(request.user, request.POST)
    if password_form.is_valid():
        user = user_change_password(
            user=request.user, password=password_form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        messages.success(request, "Your password is changed.")
        return redirect("settings")
    context = {"form": ProfileForm(initial=_profile_initial(request.user))}
    context["password_form"] = password_form
    return render(request, "accounts/settings.html", context)


def _profile_initial(user) -> dict:
    return {f: getattr(user, f) for f in ("display_name", "bio", "profile_image_url", "privacy")}
