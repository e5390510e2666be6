from django.urls import path

from . import rules, views

urlpatterns = [
    path("alerts/<int:alert_id>/<str:verb>/", views.alert_action, name="warning-alert"),
    path("rules/", rules.rule_list, name="warning-rules"),
    path("rules/new/", rules.rule_new, name="warning-rule-new"),
    path("rules/<int:rule_id>/", rules.rule_edit, name="warning-rule"),
    path("rules/<int:rule_id>/toggle/", rules.rule_toggle, name="warning-rule-toggle"),
]
