"""50 clients submit 5,000 reports at once, a fifth of them twice (a retry after a timeout, often
from another client at the same moment): none is lost, none is duplicated, and the numbers run
without a gap.

Runs on whichever database the suite runs on. On SQLite the suite's test database lives in
memory with a shared cache, where SQLite locks whole tables and never waits (``SQLITE_LOCKED``
ignores the busy timeout): the test therefore moves the ``default`` alias to a file copy of the
test database for its duration (:func:`tests.support.sqlite_file.file_database`), which is how
the application really runs (WAL, ``BEGIN IMMEDIATE``, busy timeout 20 s).
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client
from django.utils import timezone

from tests.support.sqlite_file import file_database

CLIENTS = 50
REPORTS = int(os.environ.get("JW_CONC_REPORTS", 5000))
RETRY_SHARE = 0.2
# How the clients submit: "http" (POST /api/events as the grid worker), "service" (event_report
# directly) or "mixed" (even clients over HTTP, odd ones through the service).
MODE = os.environ.get("JW_CONC_MODE", "mixed")


def _jobs(seed: int = 20260930):
    """(key, point, category, resend) per report; resend: None, "again" (same client after a
    timeout) or "other" (another client sends the same submission concurrently)."""
    rnd = random.Random(seed)
    jobs = []
    for i in range(REPORTS):
        r = rnd.random()
        resend = None if r >= RETRY_SHARE else ("again" if r < RETRY_SHARE / 2 else "other")
        # points spread over grid 1 (lon 106.0–106.125, lat 29.0–29.5) so that few are "nearby"
        point = (round(rnd.uniform(106.001, 106.124), 6), round(rnd.uniform(29.001, 29.499), 6))
        jobs.append((f"conc-{i:05d}", point, resend))
    return jobs


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_50_clients_5000_reports_with_retries(tree, people):
    from jiewang.areas.locator import get_locator
    from jiewang.events.models import Event, EventActivity, MatterCategory
    from jiewang.events.services.intake import event_report
    from jiewang.events.services.catalog import catalog_seed

    catalog_seed()
    get_locator(refresh=True)
    jobs = _jobs()
    # Client c sends jobs c, c+50, …; the "other" resends go to the next client's queue so that two
    # clients race on one key.
    queues: list[list[tuple]] = [[] for _ in range(CLIENTS)]
    for i, (key, point, resend) in enumerate(jobs):
        queues[i % CLIENTS].append((key, point, resend == "again"))
        if resend == "other":
            queues[(i + 1) % CLIENTS].append((key, point, False))
    for q in queues:
        random.Random(len(q)).shuffle(q)
    sent = sum(2 if again else 1 for q in queues for _key, _point, again in q)
    assert sent > REPORTS * 1.15

    statuses: Counter = Counter()
    numbers_by_key: dict[str, set] = {}
    errors: list = []
    lock = threading.Lock()
    start_gate = threading.Barrier(CLIENTS)
    user = people.grid_worker

    category = MatterCategory.objects.get(code="LS01")

    def via_http(c, body):
        r = c.post("/api/events", data=json.dumps(body), content_type="application/json")
        return r.status_code, (r.json()["number"] if r.status_code in (200, 201) else r.content[:300])

    def via_service(_c, body):
        event, created = event_report(actor=user, channel="patrol", category=category, lon=body["lon"],
                                      lat=body["lat"], title=body["title"], idempotency_key=body["idempotency_key"])
        return (201 if created else 200), event.number

    def client_run(n, queue):
        try:
            send = via_http if (MODE == "http" or (MODE == "mixed" and n % 2 == 0)) else via_service
            c = Client()
            if send is via_http:
                c.force_login(user, backend="jiewang.accounts.backends.ModelBackend")
            start_gate.wait()
            for key, (lon, lat), again in queue:
                body = {"category": "LS01", "lon": lon, "lat": lat, "title": f"巡查发现 {key}",
                        "channel": "patrol", "idempotency_key": key}
                for _attempt in range(2 if again else 1):
                    status, number = send(c, body)
                    with lock:
                        statuses[status] += 1
                        if status in (200, 201):
                            numbers_by_key.setdefault(key, set()).add(number)
                        else:
                            errors.append((key, status, number))
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            with lock:
                errors.append(("thread", repr(exc)))
        finally:
            connection.close()

    with file_database():
        t0 = time.monotonic()
        threads = [threading.Thread(target=client_run, args=(n, q)) for n, q in enumerate(queues)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - t0
        print(f"\n{sent} submissions by {CLIENTS} clients on {connection.vendor}: {elapsed:.1f} s "
              f"({sent / elapsed:.0f}/s), statuses {dict(statuses)}")
        assert errors == []
        assert statuses[201] == REPORTS
        assert statuses[200] == sent - REPORTS

        # every key once, each key always answered with the same number
        assert Event.objects.count() == REPORTS
        assert {k: len(v) for k, v in numbers_by_key.items() if len(v) != 1} == {}
        assert set(numbers_by_key) == {key for key, *_ in jobs}
        keys = list(Event.objects.values_list("idempotency_key", flat=True))
        assert len(keys) == len(set(keys)) == REPORTS and set(keys) == set(numbers_by_key)
        by_key = dict(Event.objects.values_list("idempotency_key", "number"))
        assert by_key == {k: next(iter(v)) for k, v in numbers_by_key.items()}

        # 5,000 numbers of one town and year, 000001…005000, no gap
        year = timezone.localtime().year
        numbers = sorted(Event.objects.values_list("number", flat=True))
        assert numbers == [f"{tree.t1.code}-{year}-{i:06d}" for i in range(1, REPORTS + 1)]
        from jiewang.events.models import EventNumberSequence

        assert list(EventNumberSequence.objects.values_list("town_id", "year", "last")) == [
            (tree.t1.id, year, REPORTS)]

        # one report activity per event, one accept clock per event
        reports = Counter(EventActivity.objects.filter(action="report").values_list("event_id", flat=True))
        assert len(reports) == REPORTS and set(reports.values()) == {1}
        assert EventActivity.objects.count() == REPORTS
        from jiewang.events.models import Deadline

        assert Deadline.objects.filter(kind="accept", state="running").count() == REPORTS
        connections.close_all()
