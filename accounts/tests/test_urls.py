"""The profile pages and /api/v1/me moved to accounts (issue 12): same paths, same names.

Each name reverses to the path it had before the move and the path resolves to the view of
the app that now serves it; the neighbours under /@username (social's and tweets') still win
their own paths, whatever the username.
"""

import pytest
from django.urls import resolve, reverse

# name, kwargs, the path it has always had, the module that serves it now
ROUTES = [
    ("profile", {"username": "bob"}, "/@bob", "accounts.views"),
    ("profile_replies", {"username": "bob"}, "/@bob/with_replies", "accounts.views"),
    ("profile_likes", {"username": "bob"}, "/@bob/likes", "accounts.views"),
    ("tweet_detail", {"username": "bob", "pk": 7}, "/@bob/status/7", "tweets.views"),
    ("follow", {"username": "bob"}, "/@bob/follow", "social.views"),
    ("block", {"username": "bob"}, "/@bob/block", "social.views"),
    ("followers", {"username": "bob"}, "/@bob/followers", "social.views"),
    ("following", {"username": "bob"}, "/@bob/following", "social.views"),
    ("settings", {}, "/settings", "accounts.views"),
    ("blocks", {}, "/settings/blocks", "social.views"),
    ("api-me", {}, "/api/v1/me", "accounts.api.views"),
    ("api-me-blocks", {}, "/api/v1/me/blocks", "social.api.views"),
    ("api-user", {"username": "bob"}, "/api/v1/users/bob", "social.api.views"),
    ("api-user-tweets", {"username": "bob"}, "/api/v1/users/bob/tweets", "tweets.api.views"),
]


def _module(path: str) -> str:
    func = resolve(path).func
    return getattr(func, "view_class", func).__module__


@pytest.mark.parametrize(("name", "kwargs", "path", "module"), ROUTES)
def test_each_name_keeps_its_path_and_resolves_to_its_app(name, kwargs, path, module):
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.url_name == name
    assert _module(path) == module


@pytest.mark.parametrize(
    ("path", "name", "username"),
    [
        # Usernames that spell a neighbour's suffix are still profiles, and the other way round.
        ("/@likes", "profile", "likes"),
        ("/@status", "profile", "status"),
        ("/@follow/likes", "profile_likes", "follow"),
        ("/@likes/follow", "follow", "likes"),
        ("/@with_replies/status/3", "tweet_detail", "with_replies"),
    ],
)
def test_usernames_that_look_like_suffixes_resolve_as_before(path, name, username):
    match = resolve(path)
    assert (match.url_name, match.kwargs["username"]) == (name, username)
