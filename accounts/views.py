"""HTML pages for accounts: sign-up, settings, and the profile pages (/@username and its tabs).

The profile pages show a user's tweets and likes; they hang here with the account they show,
and read tweets and social through their selectors as any entry-layer view may.
"""

from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from media.models import Use
from media.services import profile_image_set, profile_image_upload
from social.selectors import (
    ProfileAccess,
    profile_access,
    relationship_get,
    user_get_blockable,
    user_get_profile,
)
from social.services import profile_settings_update
from tweets.selectors import tweets_liked_by, tweets_of_user
from twitterclone.limits import limit_request, limit_status, limited
from twitterclone.web import form_errors_add, list_page, page_or_404

from .forms import LoginForm, PasswordForm, ProfileForm, ProfileImagesForm, SignupForm
from .models import User
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
    context["images_form"] = ProfileImagesForm()
    return render(request, "accounts/settings.html", context)


@login_required
@require_POST
@limited("write")
def settings_images(request):
    """Upload or remove the avatar and the header; a refused file is the form's error."""
    images_form = ProfileImagesForm(request.POST, request.FILES)
    if images_form.is_valid():
        data = images_form.cleaned_data
        try:
            for use in (Use.AVATAR, Use.HEADER):
                if data.get(use):
                    profile_image_upload(user=request.user, file=data[use], use=use)
                elif data.get(f"remove_{use}"):
                    profile_image_set(user=request.user, upload_id=None, use=use)
        except ValidationError as error:
            request.user.refresh_from_db()
            form_errors_add(images_form, error)
        else:
            messages.success(request, "Your pictures are saved.")
            return redirect("settings")
    context = {
        "form": ProfileForm(initial=_profile_initial(request.user)),
        "password_form": PasswordForm(request.user),
        "images_form": images_form,
    }
    return render(request, "accounts/settings.html", context, status=400)


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
    context["images_form"] = ProfileImagesForm()
    return render(request, "accounts/settings.html", context)


def _profile_initial(user) -> dict:
    return {f: getattr(user, f) for f in ("display_name", "bio", "profile_image_url", "privacy")}


PROFILE_TABS = {
    "tweets": (tweets_of_user, {}),
    "replies": (tweets_of_user, {"include_replies": True}),
    "likes": (tweets_liked_by, {}),
}


def _profile_page(request, username: str, tab: str):
    """Show a profile with as much as the viewer may see (DESIGN "Privacy").

    An account the viewer blocked shows its card (at most) with an Unblock button.
    """
    try:
        user = user_get_profile(viewer=request.user, username=username)
    except User.DoesNotExist:
        return _blocked_profile_or_404(request, username)
    access = profile_access(viewer=request.user, user=user)
    page = None
    if access == ProfileAccess.FULL:
        loader, options = PROFILE_TABS[tab]
        page = page_or_404(
            loader,
            viewer=request.user,
            user=user,
            cursor=request.GET.get("cursor") or None,
            **options,
        )
    context = {
        "profile_user": user,
        "access": access,
        "page": page,
        "tab": tab,
        "relationship": relationship_get(viewer=request.user, user=user),
    }
    return list_page(request, "tweets/profile.html", context)


def _blocked_profile_or_404(request, username: str):
    """Answer 404, with an Unblock button when the viewer blocked them too.

    Reached on a mutual block: their block hides their card, but the viewer's own block must
    stay liftable without an API client.
    """
    if request.user.is_authenticated:
        try:
            user = user_get_blockable(viewer=request.user, username=username)
        except User.DoesNotExist:
            pass
        else:
            if relationship_get(viewer=request.user, user=user).blocking:
                context = {"profile_user": user}
                return render(request, "tweets/profile_blocked.html", context, status=404)
    raise Http404("No such account.")


def profile(request, username: str):
    """Show a profile and its tweets."""
    return _profile_page(request, username, "tweets")


def profile_replies(request, username: str):
    """Show a profile and its tweets and replies."""
    return _profile_page(request, username, "replies")


def profile_likes(request, username: str):
    """Show a profile and the tweets it liked."""
    return _profile_page(request, username, "likes")
