"""Every answer under /api/ is JSON: unmatched paths for every method, CSRF, 404 and 500 pages.

Before, a POST, PATCH, PUT or DELETE to a path no endpoint matched met Django's CSRF check
first and answered its HTML 403 page (even with a valid bearer token), and a path holding a
newline answered the HTML 404 page. Ids with leading zeros were a second URL for a tweet.
"""

import pytest
from django.http import Http404, HttpResponse
from django.test import Client
from django.urls import path

from accounts.services import token_create
from accounts.tests.factories import user_create
from tweets.tests.factories import post
from twitterclone import urls as project_urls

pytestmark = pytest.mark.django_db

API = "/api/v1"
METHODS = ["get", "post", "put", "patch", "delete", "head", "options"]
UNMATCHED = [
    f"{API}/",
    f"{API}/nope",
    f"{API}/nope/",
    f"{API}/tweets/9223372036854775808/like",
    f"{API}/tweets/-1",
    f"{API}/tweets/0",
    f"{API}/tweets/01",
    f"{API}/tweets/01/like",
    f"{API}/tweets/abc",
    f"{API}/tweets/abc/like",
    f"{API}/users/bad-name/follow",
    f"{API}/tweets%0A",
    f"{API}/tweets/1%0A",
    f"{API}/me%0D",
    f"{API}/me%0D%0A/x",
    f"{API}",
    "/api/",
    "/api/x",
    "/api/v2/tweets",
    "/api/v2/x/y/",
]


@pytest.fixture(autouse=True)
def _no_throttling(settings):
    settings.API_THROTTLING = False


@pytest.fixture
def alice():
    return user_create(username="alice")


@pytest.fixture
def browser(alice):
    """Alice signed in on the site, sending no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def _send(client, method: str, url: str):
    if method in ("get", "head"):
        return getattr(client, method)(url)
    return getattr(client, method)(url, data="{}", content_type="application/json")


def _assert_json_404(response, url: str, method: str):
    assert response.status_code == 404, (method, url, response.content[:200])
    assert response["Content-Type"] == "application/json", (method, url)
    if method != "head":
        assert response.json() == {"detail": "Not found."}, (method, url)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("url", UNMATCHED)
def test_unmatched_api_paths_answer_json_404_for_every_method(alice, method, url):
    for client in (Client(enforce_csrf_checks=True), _bearer_client(alice)):
        _assert_json_404(_send(client, method, url), url, method)


def _bearer_client(user):
    return Client(
        enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_create(user=user)}"}
    )


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_an_unmatched_session_write_without_csrf_is_json_404_not_the_csrf_page(browser, method):
    _assert_json_404(_send(browser, method, f"{API}/nope"), f"{API}/nope", method)


def test_a_session_write_without_csrf_to_an_endpoint_is_json_403(browser):
    response = _send(browser, "post", f"{API}/tweets")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "CSRF" in response.json()["detail"]


def test_an_id_with_leading_zeros_is_not_a_second_url_for_the_tweet(alice):
    tweet = post(alice, "one")
    client = _bearer_client(alice)
    assert client.get(f"{API}/tweets/{tweet.pk}").status_code == 200
    for url in (f"{API}/tweets/0{tweet.pk}", f"{API}/tweets/00{tweet.pk}/replies"):
        _assert_json_404(client.get(url), url, "get")


@pytest.mark.parametrize(
    ("url", "right"),
    [
        (f"{API}/me/", f"{API}/me"),
        (f"{API}/tweets/", f"{API}/tweets"),
        (f"{API}/users/alice/followers/", f"{API}/users/alice/followers"),
        (f"{API}/tweets/12/like/", f"{API}/tweets/12/like"),
        (f"{API}/schema", f"{API}/schema/"),
    ],
)
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_a_trailing_slash_mistake_is_a_json_404_naming_the_right_path(alice, url, right, method):
    response = _send(_bearer_client(alice), method, url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"Not found. Did you mean {right}?"}


def test_no_hint_when_neither_spelling_exists(alice):
    for url in (f"{API}/nope/", f"{API}/tweets/01/", "/api/v2/me/"):
        assert _bearer_client(alice).get(url).json() == {"detail": "Not found."}


def test_web_pages_keep_their_html_404(alice):
    response = Client().get("/no/such/page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# Django's own error paths, reached through a URLconf that adds views the real one lacks: a
# plain (CSRF-checked) view, one raising Http404 outside DRF, and one that crashes.


def _plain(request):
    return HttpResponse("ok")


def _raises_404(request):
    raise Http404("gone")


def _crashes(request):
    raise RuntimeError("boom")


urlpatterns = [
    path("api/v1/test-plain", _plain),
    path("api/v1/test-404", _raises_404),
    path("api/v1/test-500", _crashes),
    path("test-plain", _plain),
    path("test-404", _raises_404),
    path("test-500", _crashes),
    *project_urls.urlpatterns,
]
handler404 = project_urls.handler404
handler500 = project_urls.handler500

WITH_DJANGO_ERRORS = pytest.mark.urls(__name__)


@WITH_DJANGO_ERRORS
def test_a_csrf_failure_under_api_is_json_403_and_html_elsewhere(browser):
    api = browser.post("/api/v1/test-plain")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/json"
    assert api.json()["detail"].startswith("CSRF Failed: ")
    page = browser.post("/test-plain")
    assert page.status_code == 403
    assert page["Content-Type"].startswith("text/html")


@WITH_DJANGO_ERRORS
def test_a_404_raised_outside_drf_is_json_under_api_and_html_elsewhere():
    api = Client().get("/api/v1/test-404")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not found."}
    assert Client().get("/test-404")["Content-Type"].startswith("text/html")


@WITH_DJANGO_ERRORS
def test_an_unhandled_error_is_json_500_under_api_and_html_elsewhere():
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/test-500")
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "Server error."}
    page = client.get("/test-500")
    assert page.status_code == 500
    assert page["Content-Type"].startswith("text/html")
