"""The moderation admin: users, tweets, reports and the audit log, fast at millions of rows.

Every registration lives here (not in accounts/ or tweets/): admin actions write audit rows
through moderation.services, and the lower apps never import moderation.

At scale: no changelist counts a whole table (CappedCountPaginator, no full result count, no
facets), every list is ordered along an index, search uses the functional / full-text
indexes, foreign keys are shown read-only or as raw ids (never a select of all rows).

One file on purpose (about 500 lines): Django finds registrations in `admin.py`, and the four
admins share the changelist limits and the action runner (FastChangeListMixin,
MAX_ACTION_ROWS); each admin is one class, so a split would only add import plumbing.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin import SimpleListFilter
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Collate, Lower
from django.utils import timezone
from django.utils.text import Truncator

from accounts.models import User
from search.selectors import (
    CONTENT_VECTOR,
    SEARCH_PLANNER_SETTINGS,
    tweet_search_q,
    tweets_search_newest,
)
from tweets.models import PLAIN_RETWEET, Report, Tweet

from . import services
from .models import AuditLogEntry
from .paginator import COUNT_CAP, CappedCountPaginator

# Admin actions and bulk deletes handle at most this many rows (also with "select all").
MAX_ACTION_ROWS = 500
SEARCH_PAGE_ROWS = 20
TOO_MANY_SELECTED = "Select at most {limit} rows for an action; narrow the list with filters first."


class FastChangeListMixin:
    """Changelist settings that keep every page independent of the table's size."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50  # rendering rows, not SQL, is most of a page's time

    def _selected(self, request, queryset) -> list | None:
        """Return the selected rows, or None (with a message) when there are too many."""
        rows = list(queryset[: MAX_ACTION_ROWS + 1])
        if len(rows) > MAX_ACTION_ROWS:
            self.message_user(
                request, TOO_MANY_SELECTED.format(limit=MAX_ACTION_ROWS), messages.ERROR
            )
            return None
        return rows

    def _run(self, request, queryset, action, done: str) -> None:
        """Call `action(row)` on each selected row; report successes and refusals."""
        rows = self._selected(request, queryset)
        if rows is None:
            return
        succeeded = 0
        for row in rows:
            try:
                if action(row) is not None:
                    succeeded += 1
            except PermissionDenied as error:
                self.message_user(request, f"{row}: {error}", messages.ERROR)
        self.message_user(request, f"{done}: {succeeded} of {len(rows)}.", messages.SUCCESS)


def moderation_action(service, *, target: str, description: str, done: str):
    """Return an admin action calling `service(moderator=..., <target>=row)` for each row."""

    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        modeladmin._run(
            request, queryset, lambda row: service(moderator=request.user, **{target: row}), done
        )

    return action


# Users


class UserAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = ["username", "email", "privacy", "verified", "is_active", "is_staff", "id"]
    list_filter = ["privacy", "verified", "is_active", "is_staff"]
    search_fields = ["username", "email"]  # shows the box; get_search_results does the work
    search_help_text = "A username prefix (any case), or an exact e-mail address."
    ordering = ["-id"]  # the primary key: no sort, whatever the filter
    actions = ["verify", "unverify", "suspend", "unsuspend"]
    filter_horizontal = ["groups", "user_permissions"]
    fields = [
        "username",
        "email",
        "display_name",
        "bio",
        "profile_image_url",
        "privacy",
        "verified",
        "is_active",
        "created_at",
        "last_login",
        "followers_count",
        "following_count",
        "tweets_count",
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
    ]
    # Profile fields belong to the user; a moderator changes the badge and the suspension.
    readonly_fields = [
        "username",
        "email",
        "display_name",
        "bio",
        "profile_image_url",
        "privacy",
        "created_at",
        "last_login",
        "followers_count",
        "following_count",
        "tweets_count",
    ]
    ROLE_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return self.readonly_fields
        return [*self.readonly_fields, *self.ROLE_FIELDS]  # only superusers manage staff

    def has_add_permission(self, request) -> bool:
        return False  # people register themselves; superusers use createsuperuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # suspend instead: deleting bypasses the services' counters

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            # Each permission's label names its content type: fetch them in the same query.
            kwargs["queryset"] = Permission.objects.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_search_results(self, request, queryset, search_term):
        """Match a username prefix (idx_users_username_prefix) or an exact e-mail address
        (idx_users_email_lower); icontains would read all 100,000 rows."""
        term = search_term.strip().removeprefix("@").lower()
        if not term or "\x00" in term:
            return queryset, False
        if "@" in term:
            return queryset.alias(email_lower=Lower("email")).filter(email_lower=term), False
        username = Collate(Lower("username"), "C")
        return queryset.alias(username_sort=username).filter(username_sort__startswith=term), False

    def save_model(self, request, obj, form, change) -> None:
        """Send each changed field to its service (with an audit row); nothing saved directly."""
        moderator = request.user
        if "verified" in form.changed_data:
            verify = services.user_verify if obj.verified else services.user_unverify
            verify(moderator=moderator, user=obj)
        if "is_active" in form.changed_data:
            restore = services.user_unsuspend if obj.is_active else services.user_suspend
            restore(moderator=moderator, user=obj)

    def save_related(self, request, form, formsets, change) -> None:
        if not set(self.ROLE_FIELDS) & set(form.changed_data):
            return
        data = form.cleaned_data
        services.user_set_roles(
            moderator=request.user,
            user=form.instance,
            is_staff=data["is_staff"],
            is_superuser=data["is_superuser"],
            groups=list(data["groups"]),
            user_permissions=list(data["user_permissions"]),
        )

    verify = moderation_action(
        services.user_verify, target="user", description="Verify selected users", done="Verified"
    )

    unverify = moderation_action(
        services.user_unverify,
        target="user",
        description="Unverify selected users",
        done="Unverified",
    )

    suspend = moderation_action(
        services.user_suspend, target="user", description="Suspend selected users", done="Suspended"
    )

    unsuspend = moderation_action(
        services.user_unsuspend,
        target="user",
        description="Unsuspend selected users",
        done="Unsuspended",
    )


# Tweets


class ChoiceFilter(SimpleListFilter):
    """A filter from a table of (value, label, Q)."""

    choices_q: list[tuple[str, str, Q]] = []

    def lookups(self, request, model_admin):
        return [(value, label) for value, label, _ in self.choices_q]

    def queryset(self, request, queryset):
        for value, _, condition in self.choices_q:
            if self.value() == value:
                return queryset.filter(condition)
        return queryset


class HiddenFilter(ChoiceFilter):
    title = "hidden"
    parameter_name = "hidden"
    # "Yes" is served by idx_tweets_hidden (tweets/migrations/0009).
    choices_q = [("yes", "Yes", Q(is_hidden=True)), ("no", "No", Q(is_hidden=False))]


class ReplyFilter(ChoiceFilter):
    title = "reply"
    parameter_name = "reply"
    choices_q = [
        ("yes", "Yes", Q(reply_to__isnull=False)),
        ("no", "No", Q(reply_to__isnull=True)),
    ]


class RetweetFilter(ChoiceFilter):
    title = "retweet"
    parameter_name = "retweet"
    choices_q = [
        ("plain", "Plain retweet", PLAIN_RETWEET),
        ("quote", "Quote", Q(original_tweet__isnull=False) & ~Q(content="")),
        ("no", "Neither", Q(original_tweet__isnull=True)),
    ]


class MediaFilter(ChoiceFilter):
    title = "has media"
    parameter_name = "media"
    # No index of its own (about 2 % of tweets have media): the list's order and the capped
    # count keep it cheap (docs/performance.md, "Moderation admin").
    choices_q = [("yes", "Yes", ~Q(media_urls=[])), ("no", "No", Q(media_urls=[]))]


class PostedFilter(SimpleListFilter):
    """Posted within a window: a range of idx_tweets_created, never an aggregate."""

    title = "posted"
    parameter_name = "posted"
    WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}

    def lookups(self, request, model_admin):
        return [
            ("24h", "Last 24 hours"),
            ("7d", "Last 7 days"),
            ("30d", "Last 30 days"),
            ("older", "Older than 30 days"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value in self.WINDOWS:
            return queryset.filter(created_at__gte=timezone.now() - self.WINDOWS[value])
        if value == "older":
            return queryset.filter(created_at__lt=timezone.now() - self.WINDOWS["30d"])
        return queryset


class TweetAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = ["id", "user", "excerpt", "created_at", "is_hidden", "like_count"]
    list_select_related = ["user"]  # the author in the page's own query
    list_filter = [HiddenFilter, ReplyFilter, RetweetFilter, MediaFilter, PostedFilter]
    search_fields = ["content"]  # shows the box; get_search_results does the work
    search_help_text = 'Words, "a phrase", or, -word (full-text, English).'
    ordering = ["-created_at", "-id"]  # idx_tweets_created, read in order
    raw_id_fields = ["user", "reply_to", "original_tweet"]
    actions = ["hide", "unhide", "delete_selected"]
    fields = [
        "user",
        "content",
        "reply_to",
        "original_tweet",
        "media_urls",
        "hashtags",
        "mentions",
        "like_count",
        "retweet_count",
        "reply_count",
        "created_at",
        "is_hidden",
    ]
    # Only the moderator's switch is editable; the rest is the author's.
    readonly_fields = [field for field in fields if field != "is_hidden"]

    @admin.display(description="content")
    def excerpt(self, tweet: Tweet) -> str:
        return Truncator(tweet.content).chars(80) or "(retweet)"

    def has_add_permission(self, request) -> bool:
        return False

    def get_paginator(self, request, queryset, per_page, **kwargs):
        if request.GET.get("q", "").strip():
            # Each candidate row costs a to_tsvector (walk filter or GIN recheck): at 0.2 % of
            # tweets matching, a page of 50 reads ~27,000 rows, a page of 20 (as the search
            # page) ~11,000. Short pages keep mid-frequency words under budget.
            per_page = SEARCH_PAGE_ROWS
        return super().get_paginator(request, queryset, per_page, **kwargs)

    def changelist_view(self, request, extra_context=None):
        if not request.GET.get("q", "").strip():
            return super().changelist_view(request, extra_context)
        with transaction.atomic(), connection.cursor() as cursor:
            # As tweets_search: no parallel walk of idx_tweets_created for common words
            # (3x slower than a serial one). The page renders (runs its query) inside.
            cursor.execute(SEARCH_PLANNER_SETTINGS)
            response = super().changelist_view(request, extra_context)
            return response.render() if hasattr(response, "render") else response

    def get_search_results(self, request, queryset, search_term):
        """Full-text search through search.selectors.tweets_search_newest (recency windows).

        In the list's own order (newest first) the matches are the COUNT_CAP + 1 newest: all a
        capped count and its pages can show. Sorted by another column, every match is a row.
        """
        term = search_term.strip()
        if not term or "\x00" in term:
            return queryset, False
        # The changelist may repeat its ordering ("-created_at", "-id", "-created_at", "-id").
        newest_first = {("-created_at", "-id"), ("-created_at", "-pk")}
        if tuple(queryset.query.order_by[:2]) not in newest_first:
            matching = queryset.alias(content_vector=CONTENT_VECTOR)
            return matching.filter(tweet_search_q(query=term)), False
        newest = tweets_search_newest(queryset=queryset, query=term, count=COUNT_CAP + 1)
        return queryset.filter(newest), False

    def save_model(self, request, obj, form, change) -> None:
        if "is_hidden" in form.changed_data:
            hide = services.tweet_hide if obj.is_hidden else services.tweet_unhide
            hide(moderator=request.user, tweet=obj)

    def save_related(self, request, form, formsets, change) -> None:
        pass  # nothing related is editable here

    def get_deleted_objects(self, objs, request):
        """List what a delete removes without walking its likes and replies (thousands).

        The delete service removes the tweet, its likes and plain retweets and fixes the
        counters; replies and quotes stay. Only delete_tweet is needed, not delete_like.
        """
        rows = list(objs[: MAX_ACTION_ROWS + 1]) if hasattr(objs, "query") else list(objs)
        if len(rows) > MAX_ACTION_ROWS:
            return (
                [],
                {},
                set(),
                [TOO_MANY_SELECTED.format(limit=MAX_ACTION_ROWS)],
            )  # shown as "cannot delete"
        described = [f"{tweet} (with its likes and plain retweets)" for tweet in rows]
        return described, {"tweets": len(rows)}, set(), []

    def delete_model(self, request, obj) -> None:
        services.tweet_delete(moderator=request.user, tweet=obj)

    def delete_queryset(self, request, queryset) -> None:
        for tweet in queryset[:MAX_ACTION_ROWS]:
            services.tweet_delete(moderator=request.user, tweet=tweet)

    hide = moderation_action(
        services.tweet_hide, target="tweet", description="Hide selected tweets", done="Hidden"
    )

    unhide = moderation_action(
        services.tweet_unhide, target="tweet", description="Unhide selected tweets", done="Unhidden"
    )


# Reports


class ReportStatusFilter(SimpleListFilter):
    """Open reports by default: the queue, served by idx_reports_open_queue."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*Report.Status.choices, ("all", "All")]

    def choices(self, changelist):
        value = self.value() or Report.Status.OPEN
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or Report.Status.OPEN
        return queryset if value == "all" else queryset.filter(status=value)


class ReportAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "status",
        "tweet_text",
        "tweet_author",
        "reporter",
        "reason",
    ]
    list_select_related = ["tweet", "tweet__user", "reporter"]
    list_filter = [ReportStatusFilter]
    ordering = ["-created_at", "-id"]
    actions = ["resolve_and_hide", "suspend_author", "dismiss"]
    fields = ["tweet", "tweet_text", "tweet_author", "reporter", "reason", "status", "created_at"]
    readonly_fields = fields  # status changes only through the actions

    @admin.display(description="tweet")
    def tweet_text(self, report: Report) -> str:
        return Truncator(report.tweet.content).chars(120) or "(retweet)"

    @admin.display(description="author")
    def tweet_author(self, report: Report) -> str:
        author = report.tweet.user
        return f"{author}" if author.is_active else f"{author} (suspended)"

    def has_add_permission(self, request) -> bool:
        return False  # people report from the tweet page and the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # closed, never deleted: the audit log points at them

    resolve_and_hide = moderation_action(
        services.report_resolve_and_hide,
        target="report",
        description="Resolve and hide the tweet",
        done="Resolved and hidden",
    )

    suspend_author = moderation_action(
        services.report_suspend_author,
        target="report",
        description="Resolve and suspend the tweet's author",
        done="Authors suspended",
    )

    dismiss = moderation_action(
        services.report_dismiss, target="report", description="Dismiss", done="Dismissed"
    )


# Audit log


class AuditLogEntryAdmin(FastChangeListMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "moderator",
        "action",
        "target_repr",
        "target_user",
        "target_tweet_id",
        "report",
        "note",
    ]
    list_select_related = ["moderator", "target_user", "report"]
    list_filter = ["action"]
    ordering = ["-created_at", "-id"]  # idx_audit_created; by action idx_audit_action

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.register(User, UserAdmin)
admin.site.register(Tweet, TweetAdmin)
admin.site.register(Report, ReportAdmin)
admin.site.register(AuditLogEntry, AuditLogEntryAdmin)
