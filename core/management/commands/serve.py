"""`manage.py serve`: `runserver`, plus the beat schedule in-process when there is no
broker (`make run`'s embedded defaults: `core.schedules`), on a server that does not hold
responses back for 40 ms (`core.devserver`)."""

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunServer

from core.devserver import WSGIServer
from core.schedules import start_in_process


class Command(RunServer):
    help = "Run the development server; without a broker, also run the periodic tasks in it."
    server_cls = WSGIServer

    def inner_run(self, *args, **options):
        # The serving process only (the autoreloader's child), never the watcher.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            start_in_process()
        return super().inner_run(*args, **options)
