"""HTML pages and actions for tweets; the same services and selectors as tweets/api.

Each action works as a plain form POST that redirects back to `next`, and answers an htmx
request (HX-Request) with the fragment it changed instead.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from media import services as media_services
from timelines.selectors import timeline_home
from twitterclone.limits import limit_request, limit_status, limited
from twitterclone.web import (
    form_errors_add,
    is_htmx,
    list_page,
    page_or_404,
    safe_next,
    vary_on_htmx,
)

from . import services
from .forms import ReportForm, TweetForm
from .models import Tweet
from .selectors import (
    bookmarks_list,
    tweet_context,
    tweet_get_visible,
    tweet_replies_unseen,
    tweets_by_hashtag,
)

TWEET_FIELDS = {"media_urls": "media_url"}


def _tweet_post(request, form, **overrides) -> None:
    """Post the compose form's tweet with its images; raise ValidationError for the form.

    Every image is checked and processed before anything is stored, so one bad file refuses
    the post with nothing written (its error under its own slot).
    """
    kwargs = {**form.service_kwargs(), **overrides}
    images = [
        (
            media_services.upload_process(
                file=file, alt_text=alt_text, field=name, alt_field=name.replace("image", "alt")
            ),
            alt_text,
        )
        for name, file, alt_text in form.images()
    ]
    if images:
        services.tweet_create_with_images(author=request.user, images=images, **kwargs)
    else:
        services.tweet_create(author=request.user, **kwargs)


@limit_status
def home(request):
    """Show the compose box and the home timeline, or a welcome page when signed out."""
    if not request.user.is_authenticated:
        return render(request, "tweets/welcome.html")
    form = TweetForm(
        request.POST or None,
        request.FILES or None,
        initial={"quote_of_id": request.GET.get("quote")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            limit_request(request, scope="post")  # the API's PostThrottle counter
            _tweet_post(request, form)
        except ValidationError as error:
            form_errors_add(form, error, TWEET_FIELDS)
        else:
            return redirect("home")
    page = page_or_404(timeline_home, viewer=request.user, cursor=request.GET.get("cursor"))
    return list_page(request, "tweets/home.html", {"form": form, "page": page})


def hashtag(request, tag: str):
    """Show the visible tweets carrying #tag."""
    page = page_or_404(tweets_by_hashtag, viewer=request.user, tag=tag, cursor=_cursor(request))
    return list_page(request, "tweets/hashtag.html", {"page": page, "tag": tag.lower()})


def _cursor(request) -> str | None:
    return request.GET.get("cursor") or None


def _detail(request, pk: int, *, form=None, report_form=None):
    try:
        thread = tweet_context(viewer=request.user, tweet_id=pk, cursor=_cursor(request))
    except Tweet.DoesNotExist:
        raise Http404("No such tweet.") from None
    except ValidationError:
        raise Http404("Bad cursor.") from None
    replies_unseen = tweet_replies_unseen(
        viewer=request.user,
        tweet=thread.tweet,
        replies=thread.replies,
        first_page=not request.GET.get("cursor"),
    )
    if is_htmx(request) and request.GET.get("cursor"):
        context = {"page": thread.replies, "replies_unseen": replies_unseen}
        return vary_on_htmx(render(request, "tweets/_page.html", context))
    context = {
        "thread": thread,
        "tweet": thread.tweet,
        "page": thread.replies,
        "replies_unseen": replies_unseen,
        "form": form or TweetForm(initial={"reply_to_id": pk}),
        "report_form": report_form or ReportForm(),
    }
    return vary_on_htmx(render(request, "tweets/detail.html", context))


@limit_status
def tweet_detail(request, username: str, pk: int):
    """Show one tweet in its thread with its replies and a reply box; a POST here replies."""
    try:
        tweet = tweet_get_visible(viewer=request.user, tweet_id=pk)
    except Tweet.DoesNotExist:
        raise Http404("No such tweet.") from None
    if tweet.user.username.lower() != username.lower():
        return redirect(tweet)
    if request.method != "POST":
        return _detail(request, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(tweet.get_absolute_url())
    form = TweetForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            limit_request(request, scope="post")
            _tweet_post(request, form, reply_to_id=pk)
        except ValidationError as error:
            form_errors_add(form, error, TWEET_FIELDS)
        else:
            return redirect(tweet)
    return _detail(request, pk, form=form)


def _actions_response(request, pk: int, error: str | None = None):
    """Answer htmx with the tweet's refreshed action bar (empty if the viewer lost it)."""
    try:
        tweet = tweet_get_visible(viewer=request.user, tweet_id=pk)
    except Tweet.DoesNotExist:
        return vary_on_htmx(HttpResponse(""))
    context = {
        "t": tweet,
        "liked": tweet.viewer_liked,
        "retweeted": tweet.viewer_retweeted,
        "bookmarked": tweet.viewer_bookmarked,
        "next_url": safe_next(request),
        "action_error": error,
    }
    return vary_on_htmx(render(request, "tweets/_actions.html", context))


def _toggle(request, pk: int, *, create, delete, undo_value: str):
    """Run `create`, or `delete` when action=`undo_value`; answer htmx or redirect back."""
    action = delete if request.POST.get("action") == undo_value else create
    error = None
    try:
        action(user=request.user, tweet_id=pk)
    except Tweet.DoesNotExist:
        raise Http404("No such tweet.") from None
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if is_htmx(request):
        return _actions_response(request, pk, error)
    if error:
        messages.error(request, error)
    return vary_on_htmx(redirect(safe_next(request)))


@login_required
@require_POST
@limited("write")
def like(request, pk: int):
    """Like, or (with action=unlike) take back a like."""
    return _toggle(
        request, pk, create=services.like_create, delete=services.like_delete, undo_value="unlike"
    )


@login_required
@require_POST
@limited("write")
def retweet(request, pk: int):
    """Retweet, or (with action=undo) undo the retweet."""
    return _toggle(
        request,
        pk,
        create=services.retweet_create,
        delete=services.retweet_delete,
        undo_value="undo",
    )


@login_required
@require_POST
@limited("write")
def bookmark(request, pk: int):
    """Bookmark, or (with action=remove) remove the bookmark."""
    return _toggle(
        request,
        pk,
        create=services.bookmark_create,
        delete=services.bookmark_delete,
        undo_value="remove",
    )


@login_required
def bookmarks(request):
    """Show the signed-in user's bookmarks, most recent bookmark first (only to them)."""
    page = page_or_404(bookmarks_list, viewer=request.user, cursor=_cursor(request))
    return list_page(request, "tweets/bookmarks.html", {"page": page})


@login_required
@require_POST
@limited("write")
def delete(request, pk: int):
    """Delete a tweet (author or staff); htmx gets an empty fragment that removes the card."""
    try:
        tweet = tweet_get_visible(viewer=request.user, tweet_id=pk)
        services.tweet_delete(tweet=tweet, actor=request.user)  # PermissionDenied: 403
    except Tweet.DoesNotExist:
        raise Http404("No such tweet.") from None
    if is_htmx(request):
        return vary_on_htmx(HttpResponse(""))
    messages.success(request, "Your tweet was deleted.")
    target = safe_next(request)
    if target.split("?")[0] == tweet.get_absolute_url():
        target = tweet.user.get_absolute_url()  # the page it was on is gone
    return vary_on_htmx(redirect(target))


@login_required
@require_POST
@limited("write")
def report(request, pk: int):
    """Report a tweet to the moderators with a reason."""
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            _, created = services.report_create(
                reporter=request.user, tweet_id=pk, reason=form.cleaned_data["reason"]
            )
        except Tweet.DoesNotExist:
            raise Http404("No such tweet.") from None
        except ValidationError as error:
            form_errors_add(form, error)
        else:
            text = "Thanks, moderators will look at it." if created else "You already reported it."
            messages.success(request, text)
            return redirect(safe_next(request))
    return _detail(request, pk, report_form=form)
