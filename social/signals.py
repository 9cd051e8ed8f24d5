"""Signals for apps that depend on the follow graph (tweets keeps home timelines from them).

Sent inside the transaction that changed the graph; a receiver that does work outside the
database transaction defers it with `transaction.on_commit`. `social` never imports `tweets`.
"""

from django.dispatch import Signal

# Keyword arguments: follower_id, followee_id.
follow_created = Signal()
follow_removed = Signal()
