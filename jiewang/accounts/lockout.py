"""The response a locked-out login attempt gets (django-axes calls this)."""

from django.http import JsonResponse
from django.shortcuts import render


def lockout_response(request, *args, **kwargs):
    message = "登录失败次数过多，账户已暂时锁定，请 30 分钟后再试 / Too many failed logins; try again in 30 minutes."
    if request.path.startswith("/api/"):
        return JsonResponse({"code": "auth.locked_out", "message": message, "fields": {}}, status=429)
    return render(request, "web/locked_out.html", {"message": message}, status=429)
