"""Signals for apps that react to tweets (timelines fans them out and sweeps them).

Sent inside the transaction that wrote the tweet; a receiver that does work outside the
database transaction defers it with `transaction.on_commit`. `tweets` never imports the apps
above it.
"""

from django.dispatch import Signal

# A tweet or plain retweet was posted. Keyword arguments: tweet_id.
tweet_posted = Signal()
# Tweets were deleted. Keyword arguments: rows, a list of (tweet id, author id, created_at).
tweets_deleted = Signal()
