"""Signals for apps that react to tweets (timelines fans them out, notifications tells people).

Sent inside the transaction that wrote the tweet; a receiver that does work outside the
database transaction defers it with `transaction.on_commit`. `tweets` never imports the apps
above it.
"""

from django.dispatch import Signal

# A tweet or plain retweet was posted. Keyword arguments: tweet_id; reply_to_id (the
# replied-to tweet) and original_id (the quoted or retweeted one), each None when there is
# none; mention_ids (the accounts its text @mentions, as stored). What the write already knows,
# so that a receiver with nothing to do for this tweet does not ask the database.
tweet_posted = Signal()
# Tweets were deleted. Keyword arguments: rows, a list of (tweet id, author id, created_at).
tweets_deleted = Signal()
# A moderator hid a tweet. Keyword arguments: tweet_id, author_id.
tweet_hidden = Signal()
# A like was added or taken back. Keyword arguments: user_id, tweet_id (the liked original).
like_created = Signal()
like_removed = Signal()
# A plain retweet was deleted (unretweet, or deleting it). Keyword arguments: user_id,
# original_id. Posting one sends tweet_posted.
retweet_removed = Signal()
