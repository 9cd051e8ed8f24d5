"""OAuth 2 for Mastodon clients over django-oauth-toolkit: apps and the authorize page.

The scopes are in mastodon_api/scopes.py (read by the settings too).
"""

import secrets
from urllib.parse import parse_qs, urlsplit

from django.http import HttpResponseBadRequest
from django.shortcuts import render
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView

OOB = "urn:ietf:wg:oauth:2.0:oob"
# Schemes a registered redirect URI may never use (a native app's own scheme is fine).
REFUSED_SCHEMES = {"javascript", "data", "vbscript", "file"}


class MastodonValidator(OAuth2Validator):
    """One Mastodon app takes the authorization-code and client-credentials grants alike."""

    GRANTS = {"authorization_code", "client_credentials", "refresh_token"}

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in self.GRANTS


def application_create(*, name: str, redirect_uris: list[str], website: str = ""):
    """Register a client; return (application, plain client secret) (the secret is hashed)."""
    Application = get_application_model()
    secret = secrets.token_urlsafe(32)
    application = Application(
        name=name[:255],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        client_secret=secret,
        algorithm="",
    )
    application.save()
    return application, secret


class AuthorizeView(AuthorizationView):
    """GET /oauth/authorize: the site's page (signed-in users); `oob` shows the code."""

    template_name = "mastodon_api/authorize.html"

    def redirect(self, redirect_to, application):
        if redirect_to.startswith(OOB):
            query = parse_qs(urlsplit(redirect_to).query)
            return render(
                self.request,
                "mastodon_api/authorize_oob.html",
                {
                    "application": application,
                    "code": query.get("code", [""])[0],
                    "error": query.get("error", [""])[0],
                },
            )
        # The URI matched one the app registered, exactly (oauthlib): a native app's own
        # scheme (Tusky's, Ivory's) is allowed, never one that runs code in the browser.
        scheme = urlsplit(redirect_to).scheme.lower()
        if scheme in REFUSED_SCHEMES:
            return HttpResponseBadRequest("This redirect URI is not allowed.")
        return OAuth2ResponseRedirect(redirect_to, [scheme])
