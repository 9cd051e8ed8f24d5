"""OAuth 2 for Mastodon clients over django-oauth-toolkit: apps and the authorize page.

The scopes are in mastodon_api/scopes.py (read by the settings too).
"""

import secrets
from urllib.parse import parse_qs, urlsplit

from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from oauth2_provider.http import OAuth2ResponseRedirect
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView

from . import scopes
from .models import ApplicationScopes

OOB = "urn:ietf:wg:oauth:2.0:oob"
# Schemes a registered redirect URI may never use (a native app's own scheme is fine).
REFUSED_SCHEMES = {"javascript", "data", "vbscript", "file"}


def application_scopes(application) -> set[str]:
    """The scopes `application` registered; every scope for an app registered before they
    were kept (mastodon_api.models.ApplicationScopes)."""
    row = ApplicationScopes.objects.filter(application=application).first()
    return set(row.scopes.split()) if row is not None else set(scopes.TOP_SCOPES)


class MastodonValidator(OAuth2Validator):
    """One Mastodon app takes the authorization-code and client-credentials grants alike.

    A request (authorize, client_credentials token, refresh) may ask only for scopes the app
    registered, or sub-scopes of them (`read:statuses` under `read`): anything else is
    oauthlib's invalid_scope. Asking for none gets `read` when the app registered it, else
    everything it registered.
    """

    GRANTS = {"authorization_code", "client_credentials", "refresh_token"}

    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        return grant_type in self.GRANTS

    def validate_scopes(self, client_id, scopes_asked, client, request, *args, **kwargs):
        if not super().validate_scopes(client_id, scopes_asked, client, request, *args, **kwargs):
            return False
        registered = application_scopes(client)
        return all(scopes.scope_granted(registered, scope) for scope in scopes_asked)

    def get_default_scopes(self, client_id, request, *args, **kwargs):
        registered = application_scopes(request.client)
        defaults = super().get_default_scopes(client_id, request, *args, **kwargs)
        if all(scopes.scope_granted(registered, scope) for scope in defaults):
            return defaults
        return sorted(registered)


def application_create(
    *,
    name: str,
    redirect_uris: list[str],
    website: str = "",
    scopes_registered: tuple[str, ...] | list[str] = tuple(scopes.TOP_SCOPES),
):
    """Register a client and its scopes; return (application, plain client secret).

    The secret is stored hashed.
    """
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
    with transaction.atomic():
        application.save()
        ApplicationScopes.objects.create(
            application=application, scopes=" ".join(sorted(set(scopes_registered)))
        )
    return application, secret


class AuthorizeView(AuthorizationView):
    """GET /oauth/authorize: the site's page (signed-in users); `oob` shows the code."""

    template_name = "mastodon_api/authorize.html"

    def redirect(self, redirect_to, application):
        if redirect_to.startswith(OOB):
            query = parse_qs(urlsplit(redirect_to).query)
            error = query.get("error", [""])[0]
            # A refused request (invalid_scope, ...) is the client's error; Deny is not.
            status = 400 if error and error != "access_denied" else 200
            return render(
                self.request,
                "mastodon_api/authorize_oob.html",
                {
                    "application": application,
                    "code": query.get("code", [""])[0],
                    "error": error,
                },
                status=status,
            )
        # The URI matched one the app registered, exactly (oauthlib): a native app's own
        # scheme (Tusky's, Ivory's) is allowed, never one that runs code in the browser.
        scheme = urlsplit(redirect_to).scheme.lower()
        if scheme in REFUSED_SCHEMES:
            return HttpResponseBadRequest("This redirect URI is not allowed.")
        return OAuth2ResponseRedirect(redirect_to, [scheme])
