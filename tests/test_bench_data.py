"""The bench's data helpers: emptying the event tables leaves no row referring to an event."""

import pytest
from django.db import connection

from bench import events_data
from jiewang.dispatching.models import Assignment
from jiewang.events.models import Event, EventActivity, MatterCategory
from jiewang.events.services.intake import event_report
from jiewang.open311.models import ApiKey, Submission


@pytest.mark.django_db
def test_wipe_events_empties_every_table_referring_to_events(tree, people):
    from jiewang.events.services.catalog import catalog_seed
    from jiewang.open311.services import api_key_create

    catalog_seed()
    ls01 = MatterCategory.objects.get(code="LS01")
    events = [event_report(actor=None, channel="open311", category=ls01, lon=106.05, lat=29.2, title=f"接口{i}")[0]
              for i in range(2)]
    key, _ = api_key_create(actor=None, name="client")
    Submission.objects.create(event=events[0], api_key=key, body_sha256="0" * 64)
    Assignment.objects.create(event=events[1], department=people.department, role="lead")
    assert "open311_submission" in events_data.event_tables()
    assert "dispatching_assignment" in events_data.event_tables()

    if connection.vendor == "postgresql":
        # the test's rows were written in this same transaction: TRUNCATE refuses while their
        # deferred foreign-key checks are pending (a bench database has none)
        with connection.cursor() as c:
            c.execute("SET CONSTRAINTS ALL IMMEDIATE")
    events_data.wipe_events("postgres" if connection.vendor == "postgresql" else "sqlite")
    assert (Event.objects.count(), EventActivity.objects.count(), Submission.objects.count(),
            Assignment.objects.count()) == (0, 0, 0, 0)
    # what does not refer to events stays
    assert ApiKey.objects.get() == key and MatterCategory.objects.filter(code="LS01").exists()
