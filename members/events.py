"""The members app's domain signals (sent inside the writing transaction; a listener
acting outside the database uses `transaction.on_commit`).

    member_created    member    a new member row (sign-up, import, API, admin)
    member_confirmed  member    the member clicked their confirmation link
    member_deleted    member    just before the row is deleted (its data still readable)
    member_data_requested  member  "export my data": each receiver returns a dict of the
                           sections it adds (apps above members keep data about them)
"""

from django.dispatch import Signal

member_created = Signal()
member_confirmed = Signal()
member_deleted = Signal()
member_data_requested = Signal()
