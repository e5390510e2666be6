"""Every page each demo role can reach shows no English word in zh-Hans (issue #9, item 6); and the
crawl does fail on a planted English word."""

import pytest

from tests.zh_crawl import crawl, english_words, read_page, report

from jiewang.demo.seeding import DEMO_USERS

# Every demo login: a role added to the demo is crawled too.
ROLES = [d.username for d in DEMO_USERS]


@pytest.fixture
def demo_city(db):
    from jiewang.demo.seeding import seed_demo
    from jiewang.web.management.commands.screenshots import Command

    seed_demo(scale="small", seed=1)
    return Command().seed_events()


def _client(username):
    from django.test import Client

    from jiewang.accounts.models import User

    c = Client()
    c.force_login(User.objects.get(username=username), backend="jiewang.accounts.backends.ModelBackend")
    return c


def _start(username, events):
    from jiewang.web.nav import sections_for
    from jiewang.accounts.models import User

    user = User.objects.get(username=username)
    return ["/", "/inbox/", "/areas/", *[url for url, _ in sections_for(user)],
            *[f"/events/{n}/" for n in events.values()]]


def _codes() -> set[str]:
    """Codes that may show as they are: the logins, and department codes (e.g. cgj)."""
    from jiewang.accounts.models import Department, User

    return set(User.objects.values_list("username", flat=True)) | set(Department.objects.values_list("code", flat=True))


@pytest.mark.parametrize("username", ROLES)
def test_every_reachable_page_is_chinese(demo_city, username):
    findings, read, errors = crawl(_client(username), role=username, start=_start(username, demo_city),
                                   allowed_users=_codes())
    assert len(read) >= 5, read
    assert not [e for e in errors if e[1] >= 500], errors
    assert not findings, f"English words on {len(findings)} of {len(read)} pages:\n" + report(findings)


def test_the_reader_strips_tags_scripts_styles_and_attributes():
    text, links = read_page('<p class="Big" data-x="Hello">网格 <b>Open311</b> SL01 town_operator</p>'
                            '<script>var label = "Sign in";</script><style>.x{color:red}</style>'
                            '<a href="/inbox/" title="Inbox">消息</a><input type="submit" value="Send">')
    assert links == ["/inbox/"]
    assert english_words(text) == ["Inbox", "Send"]
    assert english_words("已于 2026-11-30 15:15 由 town_operator 受理 · GeoJSON · 3 km") == []


def test_the_crawl_fails_on_a_planted_english_word(demo_city, monkeypatch):
    from jiewang.web import nav

    monkeypatch.setattr(nav, "SECTIONS", [*nav.SECTIONS, ("web:inbox", "Planted words", None, "planted")])
    findings, read, _errors = crawl(_client("resident"), role="resident", start=["/"], max_pages=3)
    assert read and findings
    assert all({"Planted", "words"} <= set(f.words) for f in findings)
