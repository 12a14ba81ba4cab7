"""The newsletters app's domain signals (sent inside the writing transaction).

newsletter_sent   issue          every delivery of `issue` has an outcome
"""

from django.dispatch import Signal

newsletter_sent = Signal()
