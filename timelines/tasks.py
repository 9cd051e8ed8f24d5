"""Background jobs (Django's tasks API); each one calls a service and is safe to run twice."""

from datetime import datetime

from django_tasks import task

from . import services


@task()
def timeline_fan_out(tweet_id: int) -> int:
    return services.timeline_fan_out(tweet_id=tweet_id)


@task()
def timeline_sweep(rows: list[list]) -> int:
    parsed = [(pk, author_id, datetime.fromisoformat(at)) for pk, author_id, at in rows]
    return services.timeline_sweep(rows=parsed)


@task()
def timeline_backfill(follower_id: int, followee_id: int) -> int:
    return services.timeline_backfill(follower_id=follower_id, followee_id=followee_id)


@task()
def timeline_remove_author(owner_id: int, author_id: int) -> int:
    return services.timeline_remove_author(owner_id=owner_id, author_id=author_id)


@task()
def timeline_rebuild(owner_id: int) -> None:
    services.timeline_rebuild(owner_id=owner_id)


@task()
def timelines_trim_all() -> int:
    return services.timelines_trim_all()
