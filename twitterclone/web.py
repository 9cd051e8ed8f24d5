"""Plumbing every app's HTML views share: htmx detection, safe redirects, form errors."""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme


def is_htmx(request) -> bool:
    """Tell whether htmx sent the request (it then wants a fragment, not a redirect)."""
    return request.headers.get("HX-Request") == "true"


def vary_on_htmx(response):
    """Mark a response that differs for htmx, so no cache serves one for the other."""
    patch_vary_headers(response, ["HX-Request"])
    return response


def page_or_404(loader, **kwargs):
    """Return `loader(**kwargs)`, a page of a list; 404 if it may not be seen or the cursor is bad.

    Selectors raise DoesNotExist for a list the viewer may not see (a protected account's
    tweets) and ValidationError for a tampered cursor: both are "nothing to see here".
    """
    try:
        return loader(**kwargs)
    except (ValidationError, ObjectDoesNotExist):
        raise Http404("Nothing to see here.") from None


def list_page(request, template: str, context: dict, *, partial: str = "tweets/_page.html"):
    """Render a list page, or only its next items (`partial`) for htmx's "Load more"."""
    if is_htmx(request) and request.GET.get("cursor"):
        return vary_on_htmx(render(request, partial, context))
    return vary_on_htmx(render(request, template, context))


def safe_next(request, default: str = "/") -> str:
    """Return the POSTed `next` URL if it stays on this site, else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def form_errors_add(form, error: ValidationError, fields: dict[str, str] | None = None) -> None:
    """Show a service's ValidationError on the form: by field where it has one, else on top.

    `fields` maps service argument names to form field names (media_urls -> media_url).
    """
    fields = fields or {}
    for name, field_messages in error.message_dict.items():
        name = fields.get(name, name)
        # Errors on hidden fields (reply_to_id) are shown above the form, not lost.
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        for message in field_messages:
            form.add_error(name if shown else None, message)
