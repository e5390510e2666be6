import signal

from django.core.management.base import BaseCommand

from jiewang.core import worker


class Command(BaseCommand):
    help = "Run the background worker (periodic jobs: locator index rebuilds, deadline sweeps…)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run every job once and exit")

    def handle(self, *args, once=False, **options):
        if once:
            ran = worker.run_due_jobs()
            self.stdout.write("ran: " + ", ".join(ran))
            return
        stopping = {"flag": False}

        def stop(*_):
            stopping["flag"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker running jobs: {', '.join(worker.JOBS) or '(none)'}")
        worker.run_forever(stop=lambda: stopping["flag"])
        self.stdout.write("worker stopped")
