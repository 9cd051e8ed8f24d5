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

Checks: no 5xx, and every documented answer matches its schema. Generation is derandomized
(the same cases every run): about 1,000 cases and 1,500 requests over 30 operations, 20 s on
two cores. For a longer run against a server, the DESIGN's CLI equivalent:
`schemathesis run URL/api/v1/schema/ --checks all -n 30 --seed 1`.
"""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.models import Privacy
from accounts.services import token_create
from accounts.tests.factories import user_create
from social.services import block_create, follow_create, follow_request_approve
from tweets.services import like_create, retweet_create
from tweets.tests.factories import post

SCHEMA_PATH = "/api/v1/schema/"
SEED = 20250301
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
}
CHECKS = [not_a_server_error, response_schema_conformance]
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
    if case.query and "cursor" in case.query and not _negative_at(case, ParameterLocation.QUERY):
        case.query = {name: value for name, value in case.query.items() if name != "cursor"}
    bearer = {"Authorization": f"Bearer {bearer_token}"}
    for headers in [{}, bearer] if case.method.upper() in SAFE_METHODS else [bearer]:
        with transaction.atomic():
            case.call_and_validate(headers=headers, checks=CHECKS)
            transaction.set_rollback(True)


def _negative_at(case, location: ParameterLocation) -> bool:
    return case.meta is not None and case.meta.is_negative_at(location)
