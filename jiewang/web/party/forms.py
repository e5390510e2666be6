"""The forms of the party keepers' pages (the street's organization department and a community's
party committee): found an organization, join a co-building unit, seat an officer, enrol a member,
transfer a member. The forms only parse and offer choices within the user's scope; every rule is
the service's, and a service's refusal is shown on the field it names (:func:`apply_error`)."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiewang.areas.choices import AreaLevel
from jiewang.areas.models import Area
from jiewang.core.errors import ApplicationError
from jiewang.core.scope import Action, restrict, user_grants
from jiewang.party.choices import (CO_BUILDING_KINDS, PARENT_KINDS, STREET_KINDS, MemberKind, MemberStatus,
                                   OfficerRole, OrgKind, UnitSector)
from jiewang.party.models import PartyMember, PartyOrg
from jiewang.party.permissions import KEEPERS

LIMIT = 500
PARENT_CAPABLE = sorted({k for kinds in PARENT_KINDS.values() for k in kinds})


def kept_paths(user) -> list[str]:
    return [g.path for g in user_grants(user) if g.role in KEEPERS]


def _under(field: str, paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def capped(qs):
    """At most LIMIT rows, as a queryset a choice field can still filter (a sliced one cannot)."""
    return qs.model.objects.filter(pk__in=list(qs.values_list("pk", flat=True)[:LIMIT])).order_by(*qs.query.order_by)


def kept_areas(user, levels):
    qs = Area.objects.filter(level__in=levels, valid_to__isnull=True)
    if not user.is_superuser:
        qs = qs.filter(_under("path", kept_paths(user)))
    return capped(qs.order_by("path"))


def kept_orgs(user, kinds=None):
    qs = restrict(PartyOrg.objects.select_related("area"), user, Action.CHANGE).filter(active=True)
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("area_path", "kind", "id")


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_level_display()}）"


class OrgChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_kind_display()} · {obj.area.name}）"


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.org.name}）"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PartyForm(forms.Form):
    """Maps a service's field names (``area_id``, ``parent_id`` …) to this form's fields."""

    field_map: dict[str, str] = {}
    template_name_div = "web/party/_fields.html"

    def apply_error(self, exc: ApplicationError) -> None:
        placed = False
        for key in exc.fields or {}:
            name = self.field_map.get(key, key)
            if name in self.fields:
                self.add_error(name, exc.text)
                placed = True
        if not placed:
            self.add_error(None, exc.text)


class OrgForm(PartyForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    area = AreaChoice(label=_("Area it leads or sits in"), queryset=Area.objects.none())
    parent = OrgChoice(label=_("Parent organization"), queryset=PartyOrg.objects.none(), required=False,
                       help_text=_("Required for the chain below the street; none for units and industries."))
    sector = forms.ChoiceField(label=_("Sector (units and industries)"), required=False,
                               choices=[("", "—"), *UnitSector.choices])
    superior_name = forms.CharField(label=_("Own superior organization (units and industries)"), max_length=120,
                                    required=False)
    term_started = forms.DateField(label=_("Term started"), required=False, widget=DateInput())
    term_years = forms.IntegerField(label=_("Term (years)"), min_value=1, max_value=5, initial=5)
    field_map = {"area_id": "area", "parent_id": "parent"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = kept_areas(user, (AreaLevel.TOWN, AreaLevel.COMMUNITY, AreaLevel.GRID,
                                                         AreaLevel.MICROGRID))
        self.fields["parent"].queryset = kept_orgs(user, PARENT_CAPABLE)


class CoBuildingForm(PartyForm):
    street_org = OrgChoice(label=_("Street's party committee"), queryset=PartyOrg.objects.none())
    org = OrgChoice(label=_("Unit or industry organization"), queryset=PartyOrg.objects.none())
    joined_on = forms.DateField(label=_("Joined on"), widget=DateInput(), initial=timezone.localdate)
    offer = forms.CharField(label=_("What it offers"), max_length=2000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    field_map = {"street_org_id": "street_org", "org_id": "org"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["street_org"].queryset = kept_orgs(user, STREET_KINDS)
        self.fields["org"].queryset = kept_orgs(user, CO_BUILDING_KINDS)


class OfficerForm(PartyForm):
    org = OrgChoice(label=_("Organization"), queryset=PartyOrg.objects.none())
    member = MemberChoice(label=_("Member"), queryset=PartyMember.objects.none())
    role = forms.ChoiceField(label=_("Seat"), choices=OfficerRole.choices)
    from_unit = forms.CharField(label=_("From unit (part-time members)"), max_length=120, required=False)
    started_on = forms.DateField(label=_("Started on"), widget=DateInput(), initial=timezone.localdate)
    term_started = forms.DateField(label=_("A new term started on (election held)"), required=False,
                                   widget=DateInput(),
                                   help_text=_("Starts the organization's new term: the election-due clock is "
                                               "counted again from this day."))
    term_years = forms.IntegerField(label=_("Term (years)"), min_value=1, max_value=5, required=False)
    field_map = {"member_id": "member", "org_id": "org"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = kept_orgs(user)
        self.fields["member"].queryset = capped(restrict(PartyMember.objects, user, Action.VIEW)
                                                .filter(active=True).order_by("area_path", "name", "id")
                                                ).select_related("org")


class MemberForm(PartyForm):
    org = OrgChoice(label=_("Organization"), queryset=PartyOrg.objects.none())
    name = forms.CharField(label=_("Full name"), max_length=60)
    phone = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=MemberStatus.choices)
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices)
    work_unit = forms.CharField(label=_("Work unit"), max_length=120, required=False)
    joined_party_on = forms.DateField(label=_("Joined the party on"), required=False, widget=DateInput())
    home_community = AreaChoice(label=_("Community where the member lives"), queryset=Area.objects.none(),
                                required=False)
    field_map = {"org_id": "org", "home_community_id": "home_community"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = kept_orgs(user)
        # Members often live in a neighbouring community: offer those of the keepers' towns.
        paths = ["/".join(p.split("/")[:4]) + "/" if p.count("/") > 4 else p for p in kept_paths(user)]
        qs = Area.objects.filter(level=AreaLevel.COMMUNITY, valid_to__isnull=True)
        if not user.is_superuser:
            qs = qs.filter(_under("path", paths))
        self.fields["home_community"].queryset = capped(qs.order_by("path"))


class TransferForm(PartyForm):
    to_org = OrgChoice(label=_("Into the organization"), queryset=PartyOrg.objects.none())
    transferred_on = forms.DateField(label=_("Transferred on"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    field_map = {"to_org_id": "to_org"}

    def __init__(self, *args, user, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = kept_orgs(user).exclude(pk=member.org_id)
