from django.contrib.auth.backends import ModelBackend


class CaseInsensitiveModelBackend(ModelBackend):
    """Log in with any capitalisation of the username; suspended users cannot log in.

    ModelBackend already calls the manager's `get_by_natural_key`, which looks the name up in
    its canonical form (twitterclone.limits.username_canonical: NFKC, trimmed, casefolded,
    the form the login rate limit keys on), and rejects inactive users through
    `user_can_authenticate`.
    """
