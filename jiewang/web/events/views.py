"""The event page shared by all roles (/events/<number>/)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def event_page(request, number: str):
    return render(request, "web/not_found.html", status=404)
