from django.contrib.auth.backends import ModelBackend


class CaseInsensitiveModelBackend(ModelBackend):
    """Log in with any capitalisation of the username; suspended users cannot log in.

    ModelBackend already calls the manager's case-insensitive `get_by_natural_key` and
    rejects inactive users through `user_can_authenticate`.
    """
