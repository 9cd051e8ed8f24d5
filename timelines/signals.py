"""Signals for apps that react to home timelines (stream tells connected followers).

Sent inside the fan-out's transaction; `timelines` never imports the apps above it.
"""

from django.dispatch import Signal

# A tweet was fanned out (once per fan-out job, whatever the number of followers; a
# celebrity's tweet too, which followers pull). Keyword arguments: tweet_id.
tweet_fanned_out = Signal()
