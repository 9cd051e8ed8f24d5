"""Reads for media."""

from accounts.models import User

from .models import Upload


def upload_get_own(*, owner: User, upload_id: int) -> Upload:
    """Return `owner`'s upload `upload_id`; Upload.DoesNotExist for anyone else's (a 404)."""
    return Upload.objects.get(owner=owner, pk=upload_id)
