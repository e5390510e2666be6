"""Base data (一标三实: one standard address, three "reals" — 实有人口, 实有房屋, 实有单位) of the
grids: who lives where, in which house, which units and shops are there, and who needs regular
care (重点人群). "人、地、事、物、组织" in the reform's words: collected once, reused everywhere
(reports, patrols, visits, tasks), never retyped.

Every row is placed in the area tree by ``grid`` and ``area_path`` (the grid's path, copied so
that a subtree is one prefix query; kept in step by the services). ID numbers and phones are
encrypted at rest (:class:`~jiewang.core.crypto.EncryptedTextField`); the masked form every role
may see is kept beside them, so that lists never decrypt; the blind index finds duplicates by ID
number without the clear value. Writes go through ``services/`` (audit rows, scope, ``version``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.core.crypto import BlindIndexField, EncryptedTextField

from .choices import Gender, HouseUse, ImportMode, Relation, ResidentType, RiskGrade, UnitKind


class Placed(models.Model):
    """Fields every base-data row shares: its grid, the grid's path, an edit version."""

    grid = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("grid"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    # Bumped by every service write; an editor sends the version it read (stale edits refused).
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True


class Building(Placed):
    """A building (楼栋) or a street-numbered plot: road + number (+ building name). Patrol rules
    ("every building once a week") count these."""

    road = models.CharField(_("road"), max_length=60)  # 街路巷
    number = models.CharField(_("number"), max_length=20)  # 门牌号
    name = models.CharField(_("building"), max_length=30, blank=True, default="")  # 楼栋, e.g. 3栋
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["area_path", "road", "number", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["grid", "road", "number", "name"],
                                               name="basedata_building_unique")]

    def __str__(self):
        return f"{self.road}{self.number}{self.name}"


class Address(Placed):
    """A standard address (标准地址): road, number, building (楼栋), unit (单元), room (室), inside
    one grid (found by the area locator from a point, or chosen). ``text`` is the one-line form
    (``学府路12号3栋2单元501``), unique per grid so an import finds an address again."""

    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="addresses",
                                 verbose_name=_("building"))
    road = models.CharField(_("road"), max_length=60)
    number = models.CharField(_("number"), max_length=20)
    building_name = models.CharField(_("building"), max_length=30, blank=True, default="")
    unit = models.CharField(_("unit"), max_length=20, blank=True, default="")  # 单元
    room = models.CharField(_("room"), max_length=20, blank=True, default="")  # 室
    text = models.CharField(_("address"), max_length=200)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)

    class Meta:
        verbose_name = _("standard address")
        verbose_name_plural = _("standard addresses")
        ordering = ["area_path", "text", "id"]
        constraints = [models.UniqueConstraint(fields=["grid", "text"], name="basedata_address_unique")]

    def __str__(self):
        return self.text

    @staticmethod
    def compose(road: str, number: str, building: str = "", unit: str = "", room: str = "") -> str:
        """The one-line standard form of an address's parts."""
        parts = [road.strip(), number.strip(), building.strip(), unit.strip(), room.strip()]
        return "".join(parts)


class House(Placed):
    """A real house (实有房屋) at one address: its use and floor area."""

    address = models.OneToOneField(Address, on_delete=models.PROTECT, related_name="house",
                                   verbose_name=_("address"))
    use = models.CharField(_("use"), max_length=16, choices=HouseUse.choices, default=HouseUse.SELF_OCCUPIED)
    area_m2 = models.DecimalField(_("floor area (m²)"), max_digits=8, decimal_places=2, null=True, blank=True)
    owner_name = models.CharField(_("owner"), max_length=50, blank=True, default="")

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["area_path", "address__text", "id"]

    def __str__(self):
        return str(self.address)


class Resident(Placed):
    """A real resident (实有人口): registered, floating or overseas, living in one house.

    ``id_number`` and ``phone`` are ciphertext in the database; ``id_masked`` / ``phone_masked``
    are what roles without the right see (``5001**********1234``, ``138****1234``); ``id_index``
    is the blind index: one *active* resident per ID number (a database constraint), duplicates
    found without decrypting. Moving out (迁出) clears ``is_active`` and keeps the row."""

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")  # 身份证号
    id_index = BlindIndexField(source="id_number", db_index=True)
    id_masked = models.CharField(_("ID number (masked)"), max_length=32, blank=True, default="", editable=False)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_masked = models.CharField(_("phone (masked)"), max_length=32, blank=True, default="", editable=False)
    kind = models.CharField(_("type"), max_length=12, choices=ResidentType.choices, default=ResidentType.REGISTERED)
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="residents", verbose_name=_("house"))
    relation = models.CharField(_("relation to head"), max_length=12, choices=Relation.choices,
                                default=Relation.HEAD)
    is_active = models.BooleanField(_("living here"), default=True)
    moved_out_at = models.DateTimeField(_("moved out at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["area_path", "house_id", "id"]
        constraints = [models.UniqueConstraint(fields=["id_index"], condition=Q(is_active=True) & ~Q(id_index=""),
                                               name="basedata_resident_one_active_per_id")]
        indexes = [models.Index(fields=["area_path", "is_active"], name="basedata_res_path_active")]

    def __str__(self):
        return f"{self.name} {self.id_masked}"


class Unit(Placed):
    """A real unit (实有单位) or shop (商户): name, unified social credit code (统一社会信用代码),
    kind, address and contact (the contact phone is encrypted and masked like a resident's)."""

    name = models.CharField(_("name"), max_length=100)
    credit_code = models.CharField(_("credit code"), max_length=18, blank=True, default="")
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices, default=UnitKind.SHOP)
    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="units", verbose_name=_("address"))
    contact_name = models.CharField(_("contact"), max_length=50, blank=True, default="")
    contact_phone = EncryptedTextField(_("contact phone"), blank=True, default="")
    contact_phone_masked = models.CharField(max_length=32, blank=True, default="", editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["area_path", "name", "id"]

    def __str__(self):
        return self.name


class KeyGroup(models.Model):
    """A key group (重点人群) needing regular care or follow-up: elderly living alone, disabled,
    low-income, left-behind children, released persons, community correction, severe mental
    illness, drug users … A table (seeded by migration, editable in the admin): its default risk
    grade and visit frequency apply to a new member unless set otherwise."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=40)  # Chinese name (独居老人)
    name_en = models.CharField(_("English name"), max_length=60, blank=True, default="")
    default_risk = models.CharField(_("default risk grade"), max_length=8, choices=RiskGrade.choices,
                                    default=RiskGrade.LOW)
    visit_days = models.PositiveSmallIntegerField(_("visit every (days)"), default=30)
    sensitive = models.BooleanField(_("sensitive"), default=False,
                                    help_text=_("Membership shown only to roles that may unmask personal data."))
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("key group")
        verbose_name_plural = _("key groups")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name

    def label(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        language = language or get_language() or "zh-hans"
        return self.name if language.lower().startswith("zh") or not self.name_en else self.name_en


class KeyPerson(Placed):
    """A resident's membership of a key group (重点人员), with its risk grade and visit frequency
    (days between visits, copied from the group when the membership starts, editable).
    ``last_visited_at`` is kept by the visits that record it (patrols); ``ended_at`` closes the
    membership (history kept)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="key_memberships",
                                 verbose_name=_("resident"))
    group = models.ForeignKey(KeyGroup, on_delete=models.PROTECT, related_name="members", verbose_name=_("key group"))
    risk = models.CharField(_("risk grade"), max_length=8, choices=RiskGrade.choices, default=RiskGrade.LOW)
    visit_days = models.PositiveSmallIntegerField(_("visit every (days)"), default=30)
    since = models.DateField(_("since"), default=timezone.localdate)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    last_visited_at = models.DateTimeField(_("last visited at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("key person")
        verbose_name_plural = _("key persons")
        ordering = ["area_path", "group__order", "id"]
        constraints = [models.UniqueConstraint(fields=["resident", "group"], condition=Q(ended_at__isnull=True),
                                               name="basedata_keyperson_one_open")]

    def __str__(self):
        return f"{self.resident_id}:{self.group_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class ImportRun(models.Model):
    """One Excel import of residents: who, where, which mode, and the outcome — counts and the
    row-by-row errors (``[[row, field, reason], …]``), downloadable as an Excel report."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    kind = models.CharField(max_length=16, default="residents")
    filename = models.CharField(_("file"), max_length=200, blank=True, default="")
    mode = models.CharField(_("mode"), max_length=8, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M} ({self.imported}/{self.rows})"
