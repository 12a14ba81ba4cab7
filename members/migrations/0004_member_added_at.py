"""`Member.added_at`: when this site added the member, never backdated.

An import keeps the date each member joined at the source (`created_at`), and the API's
cursor pages followed `created_at`: a client that synced before an import never found
the imported members. Cursor pages now follow `added_at`.

The column alone, in a transaction of its own (0005 fills and indexes it without one).
Its database default, `now()`, lets the code still serving during the upgrade add
members; on PostgreSQL it is evaluated once for the existing rows (no row rewritten).
"""

from django.db import migrations, models
from django.db.models.functions import Now


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0003_signinlink_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="added_at",
            field=models.DateTimeField(auto_now_add=True, db_default=Now()),
        ),
    ]
