"""The hot-path statements write what save() writes, surface Django's errors and stay countable."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiewang.core import fastsql
from jiewang.events.models import Deadline, Event, EventActivity
from jiewang.events.testing import make_event
from jiewang.notifications.models import Notification, OutboundMessage


def test_models_written_by_fastsql_have_no_signal_receivers():
    # fastsql.insert sends no signal: a receiver added to one of these models would be skipped.
    for model in (Event, EventActivity, Deadline, Notification, OutboundMessage):
        assert not pre_save.has_listeners(model) and not post_save.has_listeners(model), model


@pytest.mark.django_db
def test_insert_writes_what_save_writes(tree, people, loop):
    template = make_event(tree, people, loop, "reported")
    fields = {f.attname: getattr(template, f.attname) for f in Event._meta.concrete_fields
              if f.attname not in ("id", "number", "idempotency_key")}
    fields["reporter_phone"] = "13800138000"
    fields["attributes"] = {"面积": 12.5, "list": ["a", "b"]}
    a = fastsql.insert(Event(**fields, number="FAST-1"))
    b = Event(**fields, number="ORM-1")
    b.save()
    assert a.pk and not a._state.adding and a._state.db == "default"
    ra, rb = Event.objects.get(pk=a.pk), Event.objects.get(pk=b.pk)
    skip = {"id", "number"}
    assert {f.attname: getattr(ra, f.attname) for f in Event._meta.concrete_fields if f.attname not in skip} == \
           {f.attname: getattr(rb, f.attname) for f in Event._meta.concrete_fields if f.attname not in skip}
    assert ra.reporter_phone == "13800138000" and ra.attributes == {"面积": 12.5, "list": ["a", "b"]}
    with connection.cursor() as cur:  # the phone is stored encrypted, as by save()
        cur.execute("SELECT reporter_phone FROM events_event WHERE id = %s", [a.pk])
        assert "13800138000" not in cur.fetchone()[0]


@pytest.mark.django_db
def test_insert_raises_djangos_integrity_error_and_writes_nothing(tree, people, loop):
    e = make_event(tree, people, loop, "reported")
    before = Event.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert(EventActivity(event_id=e.pk, action="x"))
        fastsql.insert(Event(number=e.number, town=e.town, area_path=e.area_path, category=e.category,
                             title="dup"))
    assert Event.objects.count() == before
    assert not EventActivity.objects.filter(event=e, action="x").exists()


@pytest.mark.django_db
def test_insert_many_splits_long_lists_and_queries_stay_countable(people):
    rows = [Notification(recipient=people.grid_worker, kind="t", title=f"n{i}") for i in range(250)]
    with CaptureQueriesContext(connection) as q:
        assert fastsql.insert_many(rows) == 250
    per = fastsql._MAX_PARAMS // len(fastsql._statement(Notification, "default", 1, False)[1])
    assert len(q.captured_queries) == -(-250 // per) > 1
    assert sorted(Notification.objects.filter(kind="t").values_list("title", flat=True)) == \
           sorted(f"n{i}" for i in range(250))
    assert fastsql.insert_many([]) == 0


@pytest.mark.django_db
def test_execute_fetches_and_maps_errors(people):
    assert fastsql.execute("SELECT %s + %s", [2, 3], fetch="one")[0] == 5
    assert fastsql.execute("SELECT 1 UNION ALL SELECT 2", [], fetch="all") == [(1,), (2,)]
    from django.db import DatabaseError

    with pytest.raises(DatabaseError), transaction.atomic():
        fastsql.execute("SELECT * FROM no_such_table", [])


@pytest.mark.django_db
def test_select_builds_instances_as_the_orm_does(tree, people, loop):
    e = make_event(tree, people, loop, "reported")
    Event.objects.filter(pk=e.pk).update(reporter_phone="13900001111", attributes={"a": [1, 2]})
    ours = fastsql.select(Event, "id = %s", [e.pk])[0]
    orm = Event.objects.get(pk=e.pk)
    assert {f.attname: getattr(ours, f.attname) for f in Event._meta.concrete_fields} == \
           {f.attname: getattr(orm, f.attname) for f in Event._meta.concrete_fields}
    assert ours.reported_at.tzinfo is not None and ours.reporter_phone == "13900001111"
    assert ours.attributes == {"a": [1, 2]} and not ours._state.adding
    partial = fastsql.select(Event, "id = %s", [e.pk], fields=["id", "number"])[0]
    assert partial.number == e.number and partial.get_deferred_fields() >= {"title", "status"}
    assert fastsql.select(Event, "id = %s", [-1]) == []


@pytest.mark.django_db
def test_catalog_snapshot_sees_edits(tree, people, loop, settings):
    from jiewang.events import selectors
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.catalog import category_update

    ls01 = selectors.category_for_report("LS01")
    assert ls01.code == "LS01" and selectors.category_for_report("LS") is None  # groups are not reportable
    assert selectors.category_for_report("LS01") is ls01  # one copy per process
    category_update(actor=people.admin, category=MatterCategory.objects.get(code="LS01"), name="新名称")
    assert selectors.category_for_report("LS01").name == "新名称"  # this process: at once
    category_update(actor=people.admin, category=MatterCategory.objects.get(code="LS01"), is_active=False)
    assert selectors.category_for_report("LS01") is None
    # Another process's edit (no signal here): seen once the token is checked again.
    snap = selectors._REPORTABLE
    assert selectors.category_for_report("LS02") is not None
    MatterCategory.objects.filter(code="LS02").update(is_active=False, updated_at=timezone.now())
    assert selectors.category_for_report("LS02") is not None  # within the recheck interval
    snap._state = (snap._state[0], snap._state[1], snap._state[2] - snap.recheck - 1)
    assert selectors.category_for_report("LS02") is None


@pytest.mark.django_db
def test_catalog_snapshot_forgets_a_rolled_back_edit(tree, people, loop):
    from jiewang.events import selectors
    from jiewang.events.models import MatterCategory
    from jiewang.events.services.catalog import category_update

    snap = selectors._REPORTABLE
    with pytest.raises(RuntimeError), transaction.atomic():
        category_update(actor=people.admin, category=MatterCategory.objects.get(code="LS01"), name="回滚")
        assert selectors.category_for_report("LS01").name == "回滚"  # rebuilt inside the transaction
        raise RuntimeError
    snap._state = (snap._state[0], snap._state[1], snap._state[2] - snap.recheck - 1)  # next check is due
    assert selectors.category_for_report("LS01").name == "垃圾堆放"
