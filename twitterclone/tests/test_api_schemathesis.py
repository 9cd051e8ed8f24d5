"""Fuzz the JSON API from its own OpenAPI schema with schemathesis 4: in-process and seeded.

Every operation of /api/v1/schema/ is one pytest item running schemathesis' examples, coverage
and fuzzing phases, positive and negative, on a small budget (FUZZ_EXAMPLES per operation for
fuzzing; the coverage phase is a fixed set of boundary and wrong-type cases) against a small
world: users of each privacy, tweets, replies, a quote, a retweet, likes, follows, a pending
request and a block. Requests carry a valid bearer token; reads are also sent signed out.
Generated path parameters are swapped, some of the time, for names and ids that exist, so the
fuzzing reaches real rows and not only 404s; positive cases drop their random ?cursor=, which
could only be refused. Each request runs in a savepoint that is rolled back, so every case sees
the same world (a revoked token or a deleted tweet does not leak into the next case).

Checks: all of schemathesis' (`--checks all`): no 5xx; status codes, content types, headers
and bodies as documented; schema-valid requests accepted and invalid ones refused; undeclared
methods 405 with Allow; missing or bad credentials refused. Where the schema cannot state a rule
the server enforces, one operation expects its 400 for valid-looking data (CONFIG, with the
reason). Generation is derandomized (the same cases every run). "A token the run cannot
revoke": DELETE /auth/token runs in the rolled-back savepoint like every case, so the token
stays valid for the next one. CLI equivalent against a server: docs/api.md (top).
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from accounts.models import Privacy
from accounts.services import token_create
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve
from tweets.services import like_create, retweet_create
from tweets.tests.factories import post

SCHEMA_PATH = "/api/v1/schema/"
SEED = 20250301
POSITIVE_DEFAULT = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
FUZZ_EXAMPLES = 8
CONFIG = {
    "seed": SEED,
    "generation": {
        "deterministic": True,
        "max-examples": FUZZ_EXAMPLES,
        "mode": "all",
        "database": "none",
        "no-shrink": True,
        # Authorization is ours to send (below); generated ones would only be refused.
        "with-security-parameters": False,
    },
    "phases": {"stateful": {"enabled": False}},
    # Every check (the CLI's --checks all); the exceptions below are per check and operation.
    "checks": {"enabled": True},
    "operations": [
        {
            "include-operation-id": operation_id,
            "checks": {
                "positive_data_acceptance": {"expected-statuses": [*POSITIVE_DEFAULT, "400"]}
            },
        }
        for operation_id in (
            # The schema states each field's shape; these rules it cannot state: a username
            # already taken, a password Django's validators find common or too like the name.
            "auth_register_create",
            # Any well-formed username and password: only an account's own pair signs in.
            "auth_token_create",
            # URLs: Django's validator also bounds host labels and names the TLD ("format:
            # uri" cannot); display_name "" is engineer h3's schema/behaviour fix.
            "me_partial_update",
            # reply_to_id / quote_of_id must name a tweet that exists and the author may see;
            # media URLs as above; media_ids must be the caller's own unattached uploads.
            "tweets_create",
            # The file must be an image whose bytes decode as JPEG, PNG, WebP or GIF: a
            # "binary" body cannot say so.
            "uploads_create",
            # up_to_id must name one of the user's own notifications.
            "me_notifications_read",
            # A phrase that is blank once cleaned (control characters, blank fillers) or holds
            # NUL; one already muted.
            "me_muted_words_create",
            # Yourself.
            "users_mute_create",
        )
    ],
}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


# Aimed at by generated path parameters; filled by the `bearer_token` fixture of each test.
TARGETS: dict[str, list] = {}

schema = schemathesis.openapi.from_wsgi(
    SCHEMA_PATH, WSGIHandler(), config=SchemathesisConfig.from_dict(CONFIG)
)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Keep the generated value (404s, bad shapes) or swap in one that exists in the world."""
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(value), st.sampled_from(TARGETS[name]))
            if TARGETS.get(name)
            else st.just(value)
            for name, value in path_parameters.items()
        }
    )


@pytest.fixture(autouse=True)
def requests_keep_the_test_connection():
    """Do not close the test's connection at the end of each request (Django's client agrees).

    The test runs in one transaction that must outlive the requests made inside it.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer_token(db, settings):
    """Seed a small world through the services; yield the viewer's bearer token."""
    settings.API_THROTTLING = False
    public = user_create(username="fz_public")
    protected = user_create(username="fz_protected", privacy=Privacy.PROTECTED)
    private = user_create(username="fz_private", privacy=Privacy.PRIVATE)
    viewer = user_create(username="fz_viewer")
    requester = user_create(username="fz_requester")
    blocked = user_create(username="fz_blocked")

    follow_create(follower=viewer, followee=public)
    follow_create(follower=viewer, followee=protected)
    follow_request_approve(owner=protected, requester=viewer)
    follow_create(follower=requester, followee=private)  # stays pending
    follow_create(follower=requester, followee=viewer)
    follow_create(follower=public, followee=viewer)
    block_create(blocker=blocked, blocked=viewer)

    tweets = []
    for author in (public, protected, private, viewer, blocked):
        first = post(author, f"hello from @{author.username} #fuzz #{author.username}")
        reply = post(author, "a reply #fuzz @fz_viewer", reply_to_id=first.pk)
        tweets += [first, reply]
    quote = post(viewer, "quoting #fuzz", quote_of_id=tweets[0].pk)
    tweets.append(quote)
    like_create(user=viewer, tweet_id=tweets[0].pk)
    like_create(user=public, tweet_id=quote.pk)
    retweet_create(user=viewer, tweet_id=tweets[0].pk)
    TARGETS.update(
        username=[u.username for u in (public, protected, private, viewer, requester, blocked)],
        id=[tweet.pk for tweet in tweets],
        tag=["fuzz", "fz_public", "fz_private"],
    )
    yield token_create(user=viewer)
    TARGETS.clear()


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_answers_generated_requests_without_5xx_and_as_documented(case, bearer_token):
    if _null_in_a_form(case):
        # A multipart form cannot carry null: the transport sends the text "null", a valid
        # string (alt text "null"), so such a "negative" case asks nothing of the API.
        return
    if case.query and "cursor" in case.query and not _negative_at(case, ParameterLocation.QUERY):
        case.query = {name: value for name, value in case.query.items() if name != "cursor"}
    # Schemathesis' WSGI transport asks for gzip like requests does, but hands its checks the
    # raw body: ask for the identity encoding (compression: test_page_head.py).
    plain = {"Accept-Encoding": "identity"}
    bearer = {**plain, "Authorization": f"Bearer {bearer_token}"}
    for headers in [plain, bearer] if case.method.upper() in SAFE_METHODS else [bearer]:
        with transaction.atomic():
            case.call_and_validate(headers=headers)
            transaction.set_rollback(True)


def _negative_at(case, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)


def _null_in_a_form(case) -> bool:
    return (
        (case.media_type or "").startswith("multipart/")
        and isinstance(case.body, dict)
        and any(value is None for value in case.body.values())
    )
