"""Template tags of the social pages: the "Who to follow" box every signed-in page shows."""

from django import template

from social.selectors import Relationship
from social.suggestions import DEFAULT_SUGGESTIONS, suggestions_for

register = template.Library()


@register.inclusion_tag("social/_suggestions.html", takes_context=True)
def who_to_follow(context) -> dict:
    """Render up to three suggested people for the signed-in viewer (one query when cached).

    A tag, so no view has to pass the box in: it reads the viewer from the request.
    """
    request = context.get("request")
    viewer = getattr(request, "user", None)
    signed_in = viewer is not None and viewer.is_authenticated
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "people": suggestions_for(viewer=viewer, limit=DEFAULT_SUGGESTIONS) if signed_in else [],
        # Suggested people are never followed or requested (suggestable_q).
        "relationship": Relationship(),
    }
