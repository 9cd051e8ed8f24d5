"""HTML pages for accounts: sign-up, settings."""

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from social.services import profile_settings_update
from twitterclone.limits import limit_request, limit_status, limited
from twitterclone.web import form_errors_add

from .forms import LoginForm, PasswordForm, ProfileForm, SignupForm
from .services import user_change_password, user_register


class LoginView(auth_views.LoginView):
    """Django's login page with the sign-in limits of POST /auth/token (LoginForm)."""

    form_class = LoginForm
    redirect_authenticated_user = True


login_page = limit_status(LoginView.as_view())


@limit_status
def signup(request):
    """Register and sign in."""
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            limit_request(request, scope="register")
            user = user_register(**form.cleaned_data)
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            login(request, user, backend="accounts.backends.CaseInsensitiveModelBackend")
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form})


@login_required
@limited("write")
def settings_page(request):
    """Show and save the profile and privacy settings; the password form posts elsewhere."""
    user = request.user
    form = ProfileForm(request.POST or None, initial=_profile_initial(user))
    if request.method == "POST" and form.is_valid():
        try:
            profile_settings_update(user=user, **form.cleaned_data)
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
@limited("write")
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
