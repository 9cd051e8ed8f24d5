"""Background jobs (Django's tasks API); each one calls a service and is safe to run twice."""

from django_tasks import task

from . import services


@task()
def notify_tweet(tweet_id: int) -> int:
    return services.notifications_for_tweet(tweet_id=tweet_id)


@task()
def notify_like(user_id: int, tweet_id: int) -> int:
    return services.notification_for_like(user_id=user_id, tweet_id=tweet_id)


@task()
def notify_follow(follower_id: int, followee_id: int) -> int:
    return services.notification_for_follow(follower_id=follower_id, followee_id=followee_id)


@task()
def notify_follow_request(requester_id: int, target_id: int) -> int:
    return services.notification_for_follow_request(requester_id=requester_id, target_id=target_id)


@task()
def notify_follow_accepted(requester_id: int, target_id: int) -> int:
    return services.notification_for_follow_accepted(requester_id=requester_id, target_id=target_id)
