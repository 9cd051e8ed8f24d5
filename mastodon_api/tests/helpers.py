"""Obtain Mastodon tokens through the real OAuth flow, with Django's test client."""

import re

from django.test import Client

OOB = "urn:ietf:wg:oauth:2.0:oob"


def register_app(client: Client, *, scopes: str = "read write follow push") -> dict:
    response = client.post(
        "/api/v1/apps",
        {"client_name": "Test client", "redirect_uris": OOB, "scopes": scopes},
    )
    assert response.status_code == 200, response.content
    return response.json()


def authorize_code(user, app: dict, *, scope: str = "read write follow push", **extra) -> str:
    """Sign `user` in, open the authorize page, press Authorize; return the code shown."""
    browser = Client()
    browser.force_login(user)
    query = {
        "response_type": "code",
        "client_id": app["client_id"],
        "redirect_uri": OOB,
        "scope": scope,
        **extra,
    }
    page = browser.get("/oauth/authorize", query)
    assert page.status_code == 200, page.content
    form = dict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page.content.decode())
    )
    done = browser.post("/oauth/authorize", {**form, "allow": "Authorize"})
    assert done.status_code == 200, done.content
    return re.search(r'id="authorization-code">([^<]+)<', done.content.decode()).group(1)


def token_for(user, *, scope: str = "read write follow push") -> str:
    client = Client()
    app = register_app(client, scopes=scope)
    code = authorize_code(user, app, scope=scope)
    response = client.post(
        "/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app["client_id"],
            "client_secret": app["client_secret"],
            "redirect_uri": OOB,
        },
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]
