"""Party data in the admin: read-only. Every row is written by the party services (scope checks,
encryption, lifecycles, audit rows); an edit here would bypass them."""

from django.contrib import admin

from jiewang.audit.admin_audit import ReadOnlyModelAdmin

from . import models as m


@admin.register(m.PartyOrg)
class PartyOrgAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "kind", "area", "election_due", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)


@admin.register(m.PartyMember)
class PartyMemberAdmin(ReadOnlyModelAdmin):
    list_display = ("name", "org", "kind", "status", "active")
    list_filter = ("kind", "status")
    search_fields = ("name",)
    exclude = ("phone", "phone_index")  # personal data: shown masked by the pages and the API only


@admin.register(m.ReportIn)
class ReportInAdmin(ReadOnlyModelAdmin):
    list_display = ("member", "community", "service_post", "status", "registered_at")
    list_filter = ("status", "service_post")


@admin.register(m.Wish)
class WishAdmin(ReadOnlyModelAdmin):
    list_display = ("title", "community", "category", "status", "posted_at")
    list_filter = ("status", "category")
    exclude = ("requester_phone",)


for model in (m.CoBuilding, m.Officer, m.MemberTransfer, m.UnitReportIn, m.ServiceRecord, m.YearlyEvaluation, m.Need, m.Resource,
              m.Project, m.ProjectResource, m.Meeting, m.FollowUp):
    admin.site.register(model, ReadOnlyModelAdmin)
