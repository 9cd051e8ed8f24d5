"""Signals for apps that depend on the follow graph (home timelines, notifications).

Sent inside the transaction that changed the graph; a receiver that does work outside the
database transaction defers it with `transaction.on_commit`. `social` never imports `tweets`.
"""

from django.dispatch import Signal

# Keyword arguments: follower_id, followee_id.
follow_created = Signal()
follow_removed = Signal()
# A follow request was made, or withdrawn (cancelled by the requester, rejected by the
# target, or dropped by a block), or approved (a follow_created follows it).
# Keyword arguments: requester_id, target_id.
follow_requested = Signal()
follow_request_withdrawn = Signal()
follow_request_approved = Signal()
