"""Personal data: ID numbers and phones unreadable in the database (raw column and, on SQLite,
the database file's bytes), masked in API answers for roles without the right, and every
unmasked read — a reveal or an unmasked export — leaving an audit row."""

import json

import pytest
from django.db import connection

from jiewang.audit.models import AuditEntry
from jiewang.basedata.models import Resident
from jiewang.basedata.testing import ID_ZHANG, house_at, resident_in

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def test_id_number_and_phone_unreadable_in_the_raw_columns(tree, people):
    r = resident_in(house_at(tree.g1), phone=PHONE)
    table = Resident._meta.db_table
    with connection.cursor() as c:
        c.execute(f"SELECT id_number, phone, id_index, id_masked FROM {table} WHERE id = %s", [r.pk])
        id_raw, phone_raw, index, masked = c.fetchone()
    assert ID_ZHANG not in id_raw and "19491231" not in id_raw and PHONE not in phone_raw
    assert ID_ZHANG not in index and masked == "1101**********002X"
    # the model reads it back in clear
    assert Resident.objects.get(pk=r.pk).id_number == ID_ZHANG


@pytest.mark.django_db(transaction=True)
def test_id_number_absent_from_the_sqlite_file_bytes(tree, people, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the database file is SQLite's")
    resident_in(house_at(tree.g1), phone=PHONE)  # committed: no transaction around a transactional test
    path = tmp_path / "copy.sqlite3"
    with connection.cursor() as c:
        c.execute("VACUUM INTO %s", [str(path)])
    data = path.read_bytes()
    assert b"\xe5\xbc\xa0\xe4\xb8\x89" in data  # the name 张三 is there: the copy holds the row
    for secret in (ID_ZHANG, ID_ZHANG[6:14] + ID_ZHANG[14:], PHONE):
        assert secret.encode() not in data and secret.encode("utf-16-le") not in data


@pytest.mark.parametrize("who", ["town_operator", "town_leader", "district_admin"])
def test_masked_for_roles_without_the_right(tree, people, client_for, who):
    r = resident_in(house_at(tree.g1), phone=PHONE)
    c = client_for(getattr(people, who))
    before = AuditEntry.objects.count()
    for body in (c.get(f"/api/basedata/residents/{r.pk}").json(),
                 c.get("/api/basedata/residents").json()["items"][0]):
        assert body["id_number"] == "1101**********002X" and body["phone"] == "138****5678"
        assert body["may_reveal"] is False
        assert ID_ZHANG not in json.dumps(body) and PHONE not in json.dumps(body)
    resp = c.post(f"/api/basedata/residents/{r.pk}/reveal", data={"field": "id_number"},
                  content_type="application/json")
    assert (resp.status_code, resp.json()["code"]) == (403, "basedata.reveal_denied")
    resp = c.get("/api/basedata/residents/export?unmasked=true")
    assert (resp.status_code, resp.json()["code"]) == (403, "basedata.reveal_denied")
    assert ID_ZHANG.encode() not in c.get("/api/basedata/residents/export").content
    assert not AuditEntry.objects.filter(pk__gt=0, action__in=["resident.reveal", "resident.export_unmasked"]
                                         ).exists()
    assert AuditEntry.objects.count() == before + 1  # the masked export is recorded too


@pytest.mark.parametrize("who", ["grid_worker", "community_staff"])
def test_every_unmasked_read_is_audited(tree, people, client_for, who):
    r = resident_in(house_at(tree.g1), phone=PHONE)
    user = getattr(people, who)
    c = client_for(user)
    assert c.get(f"/api/basedata/residents/{r.pk}").json()["may_reveal"] is True
    assert c.get(f"/api/basedata/residents/{r.pk}").json()["id_number"] == "1101**********002X"  # lists stay masked
    for field, value in (("id_number", ID_ZHANG), ("phone", PHONE), ("id_number", ID_ZHANG)):
        resp = c.post(f"/api/basedata/residents/{r.pk}/reveal", data={"field": field}, content_type="application/json")
        assert resp.json() == {"field": field, "value": value}
    rows = list(AuditEntry.objects.filter(action="resident.reveal").order_by("id"))
    assert [(e.actor_id, e.object_id, e.data["field"]) for e in rows] == [
        (user.pk, str(r.pk), "id_number"), (user.pk, str(r.pk), "phone"), (user.pk, str(r.pk), "id_number")]
    resp = c.get("/api/basedata/residents/export?unmasked=true")
    assert resp.status_code == 200
    from openpyxl import load_workbook
    import io

    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.cell(2, 4).value == ID_ZHANG
    (entry,) = AuditEntry.objects.filter(action="resident.export_unmasked")
    assert (entry.actor_id, entry.data["count"]) == (user.pk, 1)


def test_other_grid_worker_cannot_reveal(tree, people, client_for):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    other = User.objects.create_user("gw2", password="pw-gw2-2026")
    RoleGrant.objects.create(user=other, role=Role.GRID_WORKER, area=tree.g2)
    r = resident_in(house_at(tree.g1))
    resp = client_for(other).post(f"/api/basedata/residents/{r.pk}/reveal", data={"field": "id_number"},
                                  content_type="application/json")
    assert resp.status_code == 404
    assert not AuditEntry.objects.filter(action="resident.reveal").exists()
