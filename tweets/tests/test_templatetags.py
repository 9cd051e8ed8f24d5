"""Template helpers: linked text escapes first, relative times, avatars, page URLs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from accounts.models import User
from tweets.templatetags.tweet_ui import avatar, linkify, relative_time

HOSTILE = [
    "<script>alert(1)</script>",
    '#"><img src=x onerror=alert(1)>',
    '@"><svg onload=alert(1)>',
    "it's & <b>bold</b>",
    'https://example.com/"><script>x</script>',
    "javascript:alert(1) #tag",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_linkify_never_lets_markup_through(text):
    html = str(linkify(text))

    assert "<script" not in html
    assert "<img" not in html
    assert "<svg" not in html
    assert "<b>" not in html
    # Only the anchors linkify builds are tags; every other "<" was escaped.
    assert html.count("<") == html.count("<a ") + html.count("</a>") + html.count("<br>")


def test_linkify_links_hashtags_mentions_and_urls():
    html = str(linkify("Hi @Alice, see #Django at https://example.com/a?b=1&c=2."))

    assert '<a class="mention" href="/@Alice">@Alice</a>' in html
    assert '<a class="hashtag" href="/hashtag/django">#Django</a>' in html
    assert (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">'
        "https://example.com/a?b=1&amp;c=2</a>." in html
    )


def test_linkify_does_not_turn_an_escaped_quote_into_a_hashtag():
    html = str(linkify("it's #fine"))

    assert "it&#x27;s" in html
    assert "/hashtag/x27" not in html
    assert html.count('class="hashtag"') == 1


def test_linkify_leaves_a_fragment_inside_a_url_alone():
    html = str(linkify("https://example.com/page#section"))

    assert 'class="hashtag"' not in html


def test_linkify_ignores_emails_and_glued_tags():
    html = str(linkify("mail me@example.com or a#b"))

    assert "<a" not in html


def test_linkify_keeps_line_breaks():
    assert str(linkify("one\ntwo")) == "one<br>two"


def test_linkify_in_a_template_is_not_escaped_twice():
    rendered = Template("{% load tweet_ui %}{{ text|linkify }}").render(
        Context({"text": "<i>#tag</i>"})
    )

    assert rendered == '&lt;i&gt;<a class="hashtag" href="/hashtag/tag">#tag</a>&lt;/i&gt;'


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (timedelta(seconds=3), "now"),
        (timedelta(seconds=42), "42s"),
        (timedelta(minutes=3, seconds=5), "3m"),
        (timedelta(hours=2, minutes=59), "2h"),
        (timedelta(days=22), "Nov 3"),
        (timedelta(days=400), "Oct 21, 2025"),
    ],
)
def test_relative_time(age, expected, settings):
    settings.TIME_ZONE = "UTC"

    assert relative_time(NOW - age, now=NOW) == expected


def test_reltime_renders_a_time_element_with_the_exact_moment():
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)

    html = Template("{% load tweet_ui %}{% reltime moment %}").render(Context({"moment": moment}))

    assert html.startswith('<time datetime="2026-01-02T03:04:00+00:00" title="')
    assert html.endswith("</time>")


def test_avatar_falls_back_to_the_escaped_initial_in_a_coloured_circle():
    user = User(pk=7, username="zed", display_name="<Zed>")

    html = str(avatar(user))

    assert "avatar-fallback" in html
    assert "background:hsl(" in html
    assert ">&lt;</span>" in html


def test_avatar_shows_the_picture_url_escaped():
    user = User(pk=7, username="zed", profile_image_url='https://img.example/a.png?x="y"')

    html = str(avatar(user, "l"))

    assert html.startswith(
        '<img class="avatar avatar-l" src="https://img.example/a.png?x=&quot;y&quot;"'
    )


def test_page_url_keeps_the_query_and_replaces_the_cursor():
    request = RequestFactory().get("/search", {"q": "a b", "type": "people", "cursor": "old"})

    html = Template("{% load tweet_ui %}{% page_url 'new' %}").render(Context({"request": request}))

    assert html == "/search?q=a+b&amp;type=people&amp;cursor=new"
