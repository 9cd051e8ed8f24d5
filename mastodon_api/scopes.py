"""Mastodon's OAuth scopes: `read`, `write`, `follow`, `push` and their sub-scopes.

A top-level scope grants each of its sub-scopes (`read` grants `read:statuses`); `follow` is
Mastodon's legacy scope for the follow graph. Every endpoint names the one sub-scope it needs
(mastodon_api.views). Plain Python: the settings read SCOPES from here.
"""

TOP_SCOPES = {
    "read": "Read your account's data",
    "write": "Post and change data for you",
    "follow": "Follow, block and mute accounts for you",
    "push": "Receive push notifications",
}
SUB_SCOPES = {
    "read": [
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ],
    "write": [
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ],
}
# Mastodon's legacy `follow` grants these.
FOLLOW_GRANTS = {
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
}


def scopes_setting() -> dict[str, str]:
    """OAUTH2_PROVIDER["SCOPES"]: every scope a token may carry, with its description."""
    scopes = dict(TOP_SCOPES)
    for top, subs in SUB_SCOPES.items():
        for sub in subs:
            scopes[f"{top}:{sub}"] = f"{TOP_SCOPES[top]}: {sub}"
    return scopes


def scope_granted(token_scopes: set[str], required: str) -> bool:
    """Whether a token with `token_scopes` may use an endpoint needing `required`."""
    top = required.split(":", 1)[0]
    return (
        required in token_scopes
        or top in token_scopes
        or ("follow" in token_scopes and required in FOLLOW_GRANTS)
    )
