"""Signals for apps that react to new notifications (stream updates the unread badges).

Sent inside the job's transaction after the rows went in; `notifications` never imports the
apps above it.
"""

from django.dispatch import Signal

# Notifications were written (or a follow request's row became a follow). Keyword arguments:
# recipient_ids, a list of user ids (one per new row).
notifications_created = Signal()
