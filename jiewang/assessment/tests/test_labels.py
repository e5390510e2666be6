"""The pages show schemes, run statuses and lists by their zh-Hans names, never their codes."""

from django.utils import translation

from jiewang.assessment.choices import ListKind, RunStatus, scheme_label
from jiewang.assessment.models import MemberScore


def test_labels_in_zh_hans():
    with translation.override("zh-hans"):
        assert scheme_label("general") == "综合"
        assert scheme_label("hotline") == "12345 三率"
        assert scheme_label("custom") == "custom"  # a scheme of one's own shows as named
        assert str(RunStatus.PUBLISHED.label) == "已发布"  # not the holiday notice's 发布日期
        assert MemberScore(scheme="whistle", list_kind=ListKind.RED).scheme_label == "吹哨报到"
        assert MemberScore(scheme="general", list_kind=ListKind.BLACK).list_label == "黑榜"
        assert MemberScore(scheme="general", list_kind="").list_label == ""
