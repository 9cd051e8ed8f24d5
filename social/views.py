"""HTML pages and actions for the social graph: follow, block, mute, lists, requests, blocks,
mutes and muted words.

Same services and selectors as social/api; no tweets here (social never imports tweets).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.models import User
from twitterclone.limits import limited
from twitterclone.web import form_errors_add, is_htmx, page_or_404, safe_next, vary_on_htmx

from . import services
from .forms import MutedWordForm
from .models import MutedWord
from .selectors import (
    ProfileAccess,
    blocks_list,
    follow_requests_incoming,
    followers_list,
    following_list,
    muted_words_list,
    mutes_list,
    profile_access,
    relationship_get,
    user_get_blockable,
    user_get_profile,
    user_get_visible,
)
from .suggestions import suggestion_dismiss

UNBLOCKED = "You unblocked @{username}."
MUTED = "You muted @{username}. Its tweets no longer show in your timeline, search or explore."
UNMUTED = "You unmuted @{username}."
WORD_MUTED = "You muted “{phrase}”."
WORD_UNMUTED = "The word is no longer muted."


def _visible_user_or_404(viewer, username: str) -> User:
    try:
        return user_get_visible(viewer=viewer, username=username)
    except User.DoesNotExist:
        raise Http404("No such account.") from None


@login_required
@require_POST
@limited("write")
def follow(request, username: str):
    """Follow, request to follow, or (with action=unfollow) unfollow or cancel a request."""
    user = _visible_user_or_404(request.user, username)
    error = None
    try:
        if request.POST.get("action") == "unfollow":
            services.follow_delete(follower=request.user, followee=user)
        else:
            services.follow_create(follower=request.user, followee=user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        user.refresh_from_db(fields=["followers_count"])  # the header's count, swapped out of band
        context = {
            "profile_user": user,
            "relationship": relationship_get(viewer=request.user, user=user),
            "follow_error": error,
            # The swapped-in form returns to the page it is on, not to this POST's path.
            "next_url": safe_next(request, default=user.get_absolute_url()),
            # A private account's count is not the viewer's to see (DESIGN "Privacy").
            "oob_counts": profile_access(viewer=request.user, user=user) != ProfileAccess.MINIMAL,
        }
        return vary_on_htmx(render(request, "social/_follow_button.html", context))
    if error:
        messages.error(request, error)
    return vary_on_htmx(redirect(safe_next(request, default=user.get_absolute_url())))


@login_required
@require_POST
@limited("write")
def block(request, username: str):
    """Block, or (with action=unblock) unblock an account, then go back to `next` or its profile."""
    try:
        user = user_get_blockable(viewer=request.user, username=username)
    except User.DoesNotExist:
        raise Http404("No such account.") from None
    try:
        if request.POST.get("action") == "unblock":
            services.block_delete(blocker=request.user, blocked=user)
            messages.success(request, UNBLOCKED.format(username=user.username))
        else:
            services.block_create(blocker=request.user, blocked=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(safe_next(request, default=user.get_absolute_url()))


@login_required
@require_POST
@limited("write")
def mute(request, username: str):
    """Mute, or (with action=unmute) unmute an account, then go back to `next` or its profile.

    htmx gets the button back, flipped (social/_mute_button.html), wherever it sat.
    """
    unmute = request.POST.get("action") == "unmute"
    # Unmuting takes whoever the mutes list shows (an account also blocked included).
    lookup = user_get_profile if unmute else user_get_visible
    try:
        user = lookup(viewer=request.user, username=username)
    except User.DoesNotExist:
        raise Http404("No such account.") from None
    error = None
    try:
        if unmute:
            services.mute_delete(muter=request.user, muted=user)
        else:
            services.mute_create(muter=request.user, muted=user)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        context = {
            "person": user,
            "muting": relationship_get(viewer=request.user, user=user).muting,
            "next": safe_next(request, default=user.get_absolute_url()),
            "mute_error": error,
        }
        return vary_on_htmx(render(request, "social/_mute_button.html", context))
    if error:
        messages.error(request, error)
    else:
        done = UNMUTED if unmute else MUTED
        messages.success(request, done.format(username=user.username))
    return vary_on_htmx(redirect(safe_next(request, default=user.get_absolute_url())))


@login_required
def mutes(request):
    """List the accounts the signed-in user muted, newest first, each with Unmute."""
    page = page_or_404(mutes_list, viewer=request.user, cursor=request.GET.get("cursor"))
    if is_htmx(request) and request.GET.get("cursor"):
        return vary_on_htmx(render(request, "social/_mutes_page.html", {"page": page}))
    return vary_on_htmx(render(request, "social/mutes.html", {"page": page}))


@login_required
@limited("write")  # counts the POSTs only
def muted_words(request):
    """List the signed-in user's muted words; a POST adds one (errors shown in the form)."""
    form = MutedWordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            word = services.muted_word_create(user=request.user, **form.service_kwargs())
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            messages.success(request, WORD_MUTED.format(phrase=word.phrase))
            return redirect("muted_words")
    context = {"form": form, "words": muted_words_list(user=request.user)}
    return render(request, "social/muted_words.html", context)


@login_required
@require_POST
@limited("write")
def muted_word_delete(request, pk: int):
    """Stop muting one of the signed-in user's words, then go back to the list."""
    try:
        services.muted_word_delete(user=request.user, muted_word_id=pk)
    except MutedWord.DoesNotExist:
        raise Http404("No such muted word.") from None
    messages.success(request, WORD_UNMUTED)
    return redirect("muted_words")


@login_required
def blocks(request):
    """List the accounts the signed-in user blocked, newest first, each with Unblock."""
    page = page_or_404(blocks_list, user=request.user, cursor=request.GET.get("cursor"))
    if is_htmx(request) and request.GET.get("cursor"):
        return vary_on_htmx(render(request, "social/_blocks_page.html", {"page": page}))
    return vary_on_htmx(render(request, "social/blocks.html", {"page": page}))


def _people_page(request, username: str, loader, tab: str):
    user = _visible_user_or_404(request.user, username)
    page = page_or_404(loader, viewer=request.user, user=user, cursor=request.GET.get("cursor"))
    if is_htmx(request) and request.GET.get("cursor"):
        return vary_on_htmx(render(request, "social/_people_page.html", {"page": page}))
    context = {
        "profile_user": user,
        "access": profile_access(viewer=request.user, user=user),
        "relationship": relationship_get(viewer=request.user, user=user),
        "page": page,
        "tab": tab,
    }
    return vary_on_htmx(render(request, "social/people.html", context))


def followers(request, username: str):
    """List the account's followers (404 when the viewer may not see its lists)."""
    return _people_page(request, username, followers_list, "followers")


def following(request, username: str):
    """List the accounts this account follows (404 when the viewer may not see its lists)."""
    return _people_page(request, username, following_list, "following")


@login_required
def follow_requests(request):
    """List the pending requests to follow the signed-in user, to approve or reject."""
    page = page_or_404(
        follow_requests_incoming, user=request.user, cursor=request.GET.get("cursor")
    )
    if is_htmx(request) and request.GET.get("cursor"):
        return vary_on_htmx(render(request, "social/_requests_page.html", {"page": page}))
    return vary_on_htmx(render(request, "social/follow_requests.html", {"page": page}))


DECISIONS = {
    "approve": services.follow_request_approve,
    "reject": services.follow_request_reject,
}


@login_required
@require_POST
@limited("write")
def follow_request_decide(request, username: str, decision: str):
    """Approve or reject one pending request, then go back to the list."""
    if decision not in DECISIONS:
        raise Http404("No such decision.")
    requester = _visible_user_or_404(request.user, username)
    DECISIONS[decision](owner=request.user, requester=requester)
    if is_htmx(request):
        return vary_on_htmx(HttpResponse(""))  # the row is swapped out
    return vary_on_htmx(redirect("follow_requests"))


# The aside's "Who to follow" box (social.templatetags.social_ui) on every page.
@login_required
@require_POST
@limited("write")
def suggestion_dismiss_view(request, username: str):
    """Never suggest `username` again; htmx gets an empty body that removes the row."""
    try:
        suggestion_dismiss(user=request.user, username=username)
    except User.DoesNotExist:
        raise Http404("No such account.") from None
    if is_htmx(request):
        return vary_on_htmx(HttpResponse(""))
    return vary_on_htmx(redirect(safe_next(request)))
