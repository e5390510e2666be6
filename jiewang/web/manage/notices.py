"""The administrators' notice that next year's holiday arrangement is due (a context processor).

Shown on the administration pages (/manage/…) and on the user's home workspace, to users who may
load arrangements, from 1 November until next year's official arrangement is known (see
``jiewang.holidays.selectors.notice_year``). Other pages and other users pay nothing for it.
"""

from __future__ import annotations

from django.urls import reverse


def holiday_notice(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from jiewang.web.nav import home_url_for

    path = request.path
    if not (path.startswith(reverse("web:manage")) or path == home_url_for(user)):
        return {}
    from jiewang.holidays.selectors import notice_year

    year = notice_year(user=user)
    if year is None:
        return {}
    return {"holiday_notice": {"year": year, "url": f"{reverse('web:manage-holidays-load')}?year={year}"}}
