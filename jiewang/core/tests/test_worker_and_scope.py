import pytest

from jiewang.core import worker
from jiewang.core.scope import collapse_paths, restrict

CALLS = []


def ok_job():
    CALLS.append("ok")


def bad_job():
    CALLS.append("bad")
    raise RuntimeError("boom")


@pytest.mark.django_db
def test_worker_runs_due_jobs_and_survives_a_failing_one(monkeypatch):
    monkeypatch.setattr(worker, "JOBS", {})
    CALLS.clear()
    worker.register_periodic("bad", 10, "jiewang.core.tests.test_worker_and_scope:bad_job")
    worker.register_periodic("ok", 5, "jiewang.core.tests.test_worker_and_scope:ok_job")
    assert worker.run_due_jobs(now=100.0) == ["ok"]  # bad ran too, but failed
    assert CALLS == ["bad", "ok"]
    assert worker.run_due_jobs(now=104.0) == []  # nothing due yet
    assert worker.run_due_jobs(now=105.0) == ["ok"]
    assert worker.run_due_jobs(now=110.0) == ["ok"]
    assert CALLS == ["bad", "ok", "ok", "bad", "ok"]


def test_collapse_paths_drops_nested():
    assert collapse_paths(["/1/2/", "/1/", "/3/4/", "/3/45/", "/3/4/5/"]) == ["/1/", "/3/4/", "/3/45/"]


@pytest.mark.django_db
def test_unregistered_model_fails_closed(people):
    from django.contrib.sessions.models import Session

    assert restrict(Session.objects.all(), people.district_admin).query.is_empty()
    assert not restrict(Session.objects.all(), people.admin).query.is_empty()


@pytest.mark.django_db
def test_inactive_and_anonymous_users_see_nothing(tree, people):
    from django.contrib.auth.models import AnonymousUser

    from jiewang.areas.models import Area

    assert restrict(Area.objects.all(), AnonymousUser()).count() == 0
    people.district_admin.is_active = False
    assert restrict(Area.objects.all(), people.district_admin).count() == 0
