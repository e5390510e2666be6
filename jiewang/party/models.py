"""Party building's data: organizations on the area tree (with co-building units and committee
seats), members, report-ins (双报到), service hours and yearly evaluations.

Every row carries ``area_path``, the materialized path of the area it belongs to, so the one scope
rule (``permissions.py``) reads it like every other app's rows: a community's party data is the
rows under that community's path.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiewang.core.crypto import BlindIndexField, EncryptedTextField

from .choices import (OPEN_REPORT_IN, EvaluationGrade, MemberKind, MemberStatus, OfficerRole, OrgKind,
                      ReportInStatus, ServicePost, UnitSector, WishCategory, WishStatus, NeedCategory,
                      NeedSource, NeedStatus, ResourceKind, ProjectStatus, FollowUpStatus)


class PartyOrg(models.Model):
    """A party organization (党组织). The chain kinds lead an area (the street's working committee its
    town, a community committee its community, a grid branch its grid, a building group a building
    of a grid or micro-grid); unit and industry organizations sit in an area and are linked to the
    street through :class:`CoBuilding`.

    A committee serves a term (届, usually five years); ``election_due`` is when the next election
    (换届) is due, and the worker's ``party.elections_due`` job reminds the organization and its
    superior ahead of it and again when it is overdue (``election_stage``), once each."""

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=24, choices=OrgKind.choices)
    sector = models.CharField(_("sector"), max_length=24, choices=UnitSector.choices, blank=True, default="")
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="party_orgs")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # A unit's or industry's own superior organization, outside the street's chain (text only).
    superior_name = models.CharField(_("superior organization"), max_length=120, blank=True, default="")
    term_started = models.DateField(_("term started"), null=True, blank=True)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), default=5,
                                                  validators=[MinValueValidator(1), MaxValueValidator(5)])
    election_due = models.DateField(_("election due"), null=True, blank=True, db_index=True)
    election_stage = models.PositiveSmallIntegerField(default=0)  # 0 none, 1 reminded, 2 overdue
    election_reminded_at = models.DateTimeField(null=True, blank=True)
    election_overdue_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party organization")
        verbose_name_plural = _("party organizations")
        ordering = ["area_path", "kind", "id"]

    def __str__(self):
        return self.name


class CoBuilding(models.Model):
    """A unit or industry party organization joined to a street as a co-building unit (共建单位),
    with what it offers; it sits on the street's joint conference (联席会议)."""

    street_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="co_builders")
    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="co_buildings")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)  # the street's
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    offer = models.TextField(_("what it offers"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("co-building unit")
        verbose_name_plural = _("co-building units")
        ordering = ["street_org_id", "joined_on", "id"]
        constraints = [models.UniqueConstraint(fields=["street_org", "org"], condition=Q(left_on__isnull=True),
                                               name="party_cobuilding_one_open")]

    def __str__(self):
        return f"{self.org_id}→{self.street_org_id}"


class PartyMember(models.Model):
    """A party member (党员), a member of exactly one organization (``org``: for an in-service member
    usually their unit's). ``user`` links the member's own account (their phone page); the phone is
    encrypted, with a keyed hash for finding a member by phone."""

    name = models.CharField(_("name"), max_length=60)
    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="members")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)  # the org's
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="party_member")
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.FULL)
    kind = models.CharField(_("kind"), max_length=16, choices=MemberKind.choices, default=MemberKind.IN_SERVICE)
    work_unit = models.CharField(_("work unit"), max_length=120, blank=True, default="")
    joined_party_on = models.DateField(_("joined the party on"), null=True, blank=True)
    # The community where the member lives (居住社区): where an in-service member is expected to report
    # in (双报到率's denominator, ``formulas.py``). Empty when not known.
    home_community = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT,
                                       related_name="party_residents", verbose_name=_("home community"))
    active = models.BooleanField(default=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")
        ordering = ["area_path", "name", "id"]

    def __str__(self):
        return self.name


class MemberTransfer(models.Model):
    """A member's move from one organization to another (组织关系转接), kept as history: the member's
    ``org`` is the current one, these rows say where they were before and who moved them when. Both
    organizations' keepers see the row (``from_path`` or ``to_path`` in their subtree)."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="transfers")
    from_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="transfers_out")
    to_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="transfers_in")
    from_path = models.CharField(max_length=255, editable=False, db_index=True)
    to_path = models.CharField(max_length=255, editable=False, db_index=True)
    transferred_on = models.DateField(_("transferred on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    seats_ended = models.PositiveSmallIntegerField(default=0)  # committee seats in the old org it ended
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("member transfer")
        verbose_name_plural = _("member transfers")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.member_id}: {self.from_org_id}→{self.to_org_id}"


class Officer(models.Model):
    """A seat on an organization's committee held by a member over dates (书记, 副书记, 委员, and the
    part-time members from units in the area that make a community's "big party committee")."""

    org = models.ForeignKey(PartyOrg, on_delete=models.CASCADE, related_name="officers")
    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="seats")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    role = models.CharField(_("role"), max_length=24, choices=OfficerRole.choices)
    from_unit = models.CharField(_("from unit"), max_length=120, blank=True, default="")
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee seat")
        verbose_name_plural = _("committee seats")
        ordering = ["org_id", "role", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["org"], condition=Q(role="secretary", ended_on__isnull=True),
                                    name="party_officer_one_secretary"),
            models.UniqueConstraint(fields=["org", "member", "role"], condition=Q(ended_on__isnull=True),
                                    name="party_officer_one_open_seat"),
        ]

    def __str__(self):
        return f"{self.org_id}:{self.role}:{self.member_id}"


class ReportIn(models.Model):
    """An in-service member's report-in to the community where they live (在职党员进社区报到): the
    member registers (with the service post chosen and commitments), the community confirms or
    rejects it; service hours are logged against it and the community evaluates it every year, the
    evaluation going back to the member's unit ("工作在单位、服务在社区"). One open report-in per
    member. Each state keeps its own timestamp."""

    member = models.ForeignKey(PartyMember, on_delete=models.PROTECT, related_name="report_ins")
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="party_report_ins")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)  # the community's
    unit_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="reported_members")
    status = models.CharField(_("status"), max_length=16, choices=ReportInStatus.choices,
                              default=ReportInStatus.REGISTERED)
    service_post = models.CharField(_("service post"), max_length=24, choices=ServicePost.choices)
    commitments = models.TextField(_("service commitments"), blank=True, default="")
    registered_at = models.DateTimeField()
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                      related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    rejected_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=200, blank=True, default="")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("member report-in")
        verbose_name_plural = _("member report-ins")
        ordering = ["-registered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["member"], condition=Q(status__in=OPEN_REPORT_IN),
                                               name="party_reportin_one_open")]

    def __str__(self):
        return f"报到 {self.member_id}→{self.community_id}"


class UnitReportIn(models.Model):
    """A unit's party organization reporting in to the community where it sits (单位报到), with what
    it offers; confirmed or rejected by the community like a member's."""

    org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="unit_report_ins")
    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="party_unit_report_ins")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=ReportInStatus.choices,
                              default=ReportInStatus.REGISTERED)
    offer = models.TextField(_("what it offers"), blank=True, default="")
    registered_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.CharField(max_length=200, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("unit report-in")
        verbose_name_plural = _("unit report-ins")
        ordering = ["-registered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["org", "community"], condition=Q(status__in=OPEN_REPORT_IN),
                                               name="party_unitreportin_one_open")]

    def __str__(self):
        return f"单位报到 {self.org_id}→{self.community_id}"


class ServiceRecord(models.Model):
    """Hours a reported-in member served (服务记录). Logged by the community (confirmed at once) or
    by the member (confirmed by the community later); only confirmed hours count."""

    report_in = models.ForeignKey(ReportIn, on_delete=models.PROTECT, related_name="services")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    served_on = models.DateField(_("served on"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("24"))])
    description = models.CharField(_("what was done"), max_length=300)
    source = models.CharField(max_length=16, default="manual")  # manual; later: wish (微心愿)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-served_on", "-id"]

    def __str__(self):
        return f"{self.served_on} {self.hours}h"


class YearlyEvaluation(models.Model):
    """The community's yearly evaluation of a reported-in member (年度评价), with the hours and
    services counted at that moment (a snapshot), and the report sent back to the member's unit
    organization (``report_text``, ``sent_at``)."""

    report_in = models.ForeignKey(ReportIn, on_delete=models.PROTECT, related_name="evaluations")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"))
    hours = models.DecimalField(max_digits=7, decimal_places=1)
    services = models.PositiveIntegerField()
    grade = models.CharField(_("grade"), max_length=16, choices=EvaluationGrade.choices)
    comment = models.TextField(_("comment"), blank=True, default="")
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    evaluated_at = models.DateTimeField()
    report_text = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("yearly evaluation")
        verbose_name_plural = _("yearly evaluations")
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["report_in", "year"], name="party_evaluation_once_a_year")]

    def __str__(self):
        return f"{self.year} {self.get_grade_display()}"


class Wish(models.Model):
    """A small wish or service request (微心愿 / 点单): a resident (or a grid worker for one) asks for a
    small service; the community or grid party branch publishes it; a reported-in member or a
    co-building unit claims it, does it and uploads proof; the requester rates it. The member's hours
    then count as confirmed service under their report-in (``ServiceRecord.source = "wish"``).

    ``area_path`` is the grid's (or the community's) path. The requester's phone is encrypted and
    never shown to claimants; they reach the requester through the community."""

    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="party_wishes")
    grid = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    title = models.CharField(_("wish"), max_length=80)
    description = models.TextField(_("details"), blank=True, default="")
    category = models.CharField(_("category"), max_length=16, choices=WishCategory.choices)
    wanted_by = models.DateField(_("wanted by"), null=True, blank=True)
    requester_name = models.CharField(_("requester"), max_length=60)
    requester_phone = EncryptedTextField(_("requester's phone"), blank=True, default="")
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="party_wishes")
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    event_number = models.CharField(max_length=32, blank=True, default="")  # a small event handed over
    status = models.CharField(_("status"), max_length=16, choices=WishStatus.choices, default=WishStatus.POSTED)
    posted_at = models.DateTimeField()
    published_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # refused or withdrawn
    close_reason = models.CharField(max_length=200, blank=True, default="")
    claimant_member = models.ForeignKey(PartyMember, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="claimed_wishes")
    claimant_org = models.ForeignKey(PartyOrg, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="claimed_wishes")
    proof = models.TextField(_("what was done"), blank=True, default="")
    # The claimant's photo proof (checked as the events' photos are: type by content, bytes, pixels).
    proof_photo = models.FileField(_("photo proof"), upload_to="party/wishes/%Y/%m/", blank=True, default="")
    proof_photo_type = models.CharField(max_length=32, blank=True, default="")
    proof_photo_sha256 = models.CharField(max_length=64, blank=True, default="")
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1, null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True,
                                              validators=[MinValueValidator(1), MaxValueValidator(5)])
    rating_comment = models.CharField(_("comment"), max_length=300, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("small wish")
        verbose_name_plural = _("small wishes")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["area_path", "status"], name="party_wish_scope_status_idx")]

    def __str__(self):
        return self.title


class Need(models.Model):
    """One line of the needs list (需求清单): what residents, a community, a grid visit or an event
    asks for, in a community of a street."""

    community = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="party_needs")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    title = models.CharField(_("need"), max_length=100)
    description = models.TextField(_("details"), blank=True, default="")
    category = models.CharField(_("category"), max_length=16, choices=NeedCategory.choices)
    source = models.CharField(_("source"), max_length=16, choices=NeedSource.choices)
    source_ref = models.CharField(max_length=40, blank=True, default="")  # event number, visit id …
    amount = models.PositiveIntegerField(_("amount needed"), default=1)  # in the resource's units
    status = models.CharField(_("status"), max_length=16, choices=NeedStatus.choices, default=NeedStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    matched_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class Resource(models.Model):
    """One line of the resources list (资源清单): what a co-building unit (or the street itself) offers
    — a venue, people, funds or a service — with its capacity in its own unit (seats, people, hours,
    yuan) and when it is available. What projects have taken is subtracted from the capacity."""

    street = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="party_resources")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)  # the street's
    provider = models.ForeignKey(PartyOrg, null=True, blank=True, on_delete=models.PROTECT, related_name="resources")
    provider_name = models.CharField(_("provider"), max_length=120)
    title = models.CharField(_("resource"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ResourceKind.choices)
    category = models.CharField(_("category"), max_length=16, choices=NeedCategory.choices)
    description = models.TextField(_("details"), blank=True, default="")
    capacity = models.PositiveIntegerField(_("capacity"))
    unit = models.CharField(_("unit"), max_length=12, default="人次")
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    available_until = models.DateField(_("available until"), null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["area_path", "category", "id"]

    def __str__(self):
        return self.title


class Project(models.Model):
    """One line of the projects list (项目清单): a need matched with resources, with an owner, a plan,
    progress, a result and the residents' evaluation."""

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="projects")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)  # the need's
    title = models.CharField(_("project"), max_length=100)
    owner = models.CharField(_("owner"), max_length=60)
    plan = models.TextField(_("plan"), blank=True, default="")
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0, validators=[MaxValueValidator(100)])
    status = models.CharField(_("status"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    result = models.TextField(_("result"), blank=True, default="")
    rating = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1),
                                                                                MaxValueValidator(5)])
    evaluation = models.CharField(_("residents' evaluation"), max_length=300, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title


class ProjectResource(models.Model):
    """How much of a resource a project takes (in the resource's unit)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uses")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="uses")
    amount = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("resource used by a project")
        verbose_name_plural = _("resources used by projects")
        constraints = [models.UniqueConstraint(fields=["project", "resource"], name="party_project_resource_once")]

    def __str__(self):
        return f"{self.project_id}:{self.resource_id}×{self.amount}"


class Meeting(models.Model):
    """A meeting of the street's joint conference (区域化党建联席会议): its agenda, the co-building
    units that attended, minutes; resolutions are its follow-up items."""

    street_org = models.ForeignKey(PartyOrg, on_delete=models.PROTECT, related_name="meetings")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    title = models.CharField(_("meeting"), max_length=100)
    held_on = models.DateField(_("held on"))
    agenda = models.TextField(_("agenda"), blank=True, default="")
    minutes = models.TextField(_("minutes"), blank=True, default="")
    attendees = models.ManyToManyField(PartyOrg, blank=True, related_name="meetings_attended")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("joint conference meeting")
        verbose_name_plural = _("joint conference meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self):
        return self.title


class FollowUp(models.Model):
    """A resolution's follow-up item (决议事项): an owner (a member unit or a person), a task and a
    deadline. The worker's ``party.followups_due`` job reminds the owner and the street once when it
    goes overdue (``overdue_at``); done items keep ``done_at`` and the result."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="followups")
    area_path = models.CharField(max_length=255, editable=False, db_index=True)
    resolution = models.CharField(_("resolution"), max_length=300)
    owner_org = models.ForeignKey(PartyOrg, null=True, blank=True, on_delete=models.PROTECT, related_name="followups")
    owner_name = models.CharField(_("owner"), max_length=60)
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    result = models.CharField(_("result"), max_length=300, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up item")
        verbose_name_plural = _("follow-up items")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="party_followup_due_idx")]

    def __str__(self):
        return self.resolution[:40]
