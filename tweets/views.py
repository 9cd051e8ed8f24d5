"""Minimal HTML pages: home, profile, tweet; the same services and selectors as the API."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from social import services as social_services
from social.selectors import ProfileAccess, profile_access, relationship_get, user_get_visible
from twitterclone.pagination import Page

from . import services
from .forms import TweetForm
from .models import Tweet
from .selectors import timeline_home, tweet_get_visible, tweet_replies, tweets_of_user


def _form_errors(form, error: ValidationError) -> None:
    for field, field_messages in error.message_dict.items():
        # Errors on hidden fields (reply_to_id) are shown above the form, not lost.
        shown = field in form.fields and not form.fields[field].widget.is_hidden
        for message in field_messages:
            form.add_error(field if shown else None, message)


def _visible_user_or_404(viewer, username: str) -> User:
    try:
        return user_get_visible(viewer=viewer, username=username)
    except User.DoesNotExist:
        raise Http404("No such account.") from None


def _page_or_404(loader, **kwargs) -> Page:
    try:
        return loader(**kwargs)
    except ValidationError:
        raise Http404("Bad cursor.") from None


def home(request):
    """Show the compose box and the home timeline, or a welcome page when signed out."""
    if not request.user.is_authenticated:
        return render(request, "tweets/welcome.html")
    form = TweetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tweet_create(author=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect("home")
    page = _page_or_404(timeline_home, viewer=request.user, cursor=request.GET.get("cursor"))
    return render(request, "tweets/home.html", {"form": form, "page": page})


def profile(request, username: str):
    """Show a profile with as much as the viewer may see (DESIGN "Privacy")."""
    user = _visible_user_or_404(request.user, username)
    access = profile_access(viewer=request.user, user=user)
    page = None
    if access == ProfileAccess.FULL:
        page = _page_or_404(
            tweets_of_user, viewer=request.user, user=user, cursor=request.GET.get("cursor")
        )
    context = {
        "profile_user": user,
        "access": access,
        "page": page,
        "relationship": relationship_get(viewer=request.user, user=user),
    }
    return render(request, "tweets/profile.html", context)


def tweet_detail(request, username: str, pk: int):
    """Show one tweet with its replies and a reply box; a POST here is a reply."""
    try:
        tweet = tweet_get_visible(viewer=request.user, tweet_id=pk)
    except Tweet.DoesNotExist:
        raise Http404("No such tweet.") from None
    if tweet.user.username.lower() != username.lower():
        return redirect(tweet)
    form = TweetForm(request.POST or None, initial={"reply_to_id": tweet.pk})
    if request.method == "POST" and request.user.is_authenticated and form.is_valid():
        data = {**form.cleaned_data, "reply_to_id": tweet.pk}
        try:
            services.tweet_create(author=request.user, **data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect(tweet)
    replies = _page_or_404(
        tweet_replies, viewer=request.user, tweet=tweet, cursor=request.GET.get("cursor")
    )
    return render(request, "tweets/detail.html", {"tweet": tweet, "replies": replies, "form": form})


@login_required
@require_POST
def follow(request, username: str):
    """Follow, request to follow, or (with action=unfollow) unfollow an account."""
    user = _visible_user_or_404(request.user, username)
    try:
        if request.POST.get("action") == "unfollow":
            social_services.follow_delete(follower=request.user, followee=user)
        else:
            social_services.follow_create(follower=request.user, followee=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("profile", username=user.username)


@login_required
@require_POST
def like(request, pk: int):
    """Like, or (with action=unlike) take back a like, then go back."""
    action = (
        services.like_delete if request.POST.get("action") == "unlike" else services.like_create
    )
    try:
        action(user=request.user, tweet_id=pk)
    except Tweet.DoesNotExist:
        raise Http404("No such tweet.") from None
    return redirect(_safe_next(request))


def _safe_next(request) -> str:
    """Return the POSTed `next` URL if it stays on this site, else the home page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"
