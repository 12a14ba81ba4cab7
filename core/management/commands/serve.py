"""`manage.py serve`: `runserver`, plus the beat schedule in-process when there is no
broker (`make run`'s embedded defaults: `core.schedules`)."""

from django.conf import settings
from django.contrib.staticfiles.management.commands.runserver import Command as RunServer

from core.schedules import start_in_process


class Command(RunServer):
    help = "Run the development server; without a broker, also run the periodic tasks in it."

    def inner_run(self, *args, **options):
        # The serving process only (the autoreloader's child), never the watcher.
        if settings.CELERY_TASK_ALWAYS_EAGER:
            start_in_process()
        return super().inner_run(*args, **options)
