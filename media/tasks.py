"""Background jobs (Django's tasks API); each one calls a service and is safe to run twice."""

from django_tasks import task

from . import storage


@task()
def media_files_delete(names: list[str]) -> int:
    return storage.files_delete(names=names)
