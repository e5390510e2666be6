"""Browser tests: Playwright (PyPI ``playwright``; its driver ships in the wheel) driving Debian's
``/usr/bin/chromium`` — never a downloaded browser — against pytest-django's ``live_server``.

The live server runs in a thread of this process and needs committed rows, so the fixtures here
build the test tree and people under ``transactional_db`` (the root conftest's ``tree``/``people``
use ``db``; use ``live_tree``/``live_people`` instead). Helpers: :func:`login` fills the sign-in
form; :func:`axe_check` runs axe-core (``frontend/vendor/axe-core/axe.min.js``, installed by
``dev.py``) and fails on serious or critical violations.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop in this thread; the ORM calls the tests make between
# page steps are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("JIEWANG_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "frontend" / "vendor" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return (f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; "
                ".ci/run does it) to run the browser tests")
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not AXE.exists():
        return f"{AXE.relative_to(ROOT)} is missing: run `python3 dev.py test` once to install the front-end libraries"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser):
    """new_page(viewport=DESKTOP) -> a page in a fresh context (own cookies); closed afterwards."""
    contexts = []

    def make(viewport=None, locale="zh-CN"):
        ctx = browser.new_context(viewport=viewport or DESKTOP, locale=locale)
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def live_tree(transactional_db, live_server):
    from jiewang.core.testing import build_tree

    return build_tree()


@pytest.fixture
def live_people(live_tree):
    from jiewang.core.testing import build_people

    return build_people(live_tree)


@pytest.fixture
def live_loop(live_tree, live_people):
    from jiewang.events.testing import build_loop

    return build_loop(live_tree, live_people)


def password_of(user) -> str:
    """The password core.testing gives every test user."""
    return f"pw-{user.username}-2026"


def login(page, base_url: str, user, password: str | None = None, next_url: str = "/") -> None:
    """Sign in through the login form, then go to ``next_url``."""
    page.goto(f"{base_url}/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", password or password_of(user))
    with page.expect_navigation():
        page.click("form button[type=submit]")
    assert "/login/" not in page.url, f"sign-in as {user.username} failed"


def axe_check(page, *, impacts=("serious", "critical"), disable: tuple[str, ...] = ()) -> list[dict]:
    """Run axe-core on the page; fail listing every violation of the given impacts."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async (disabled) => {
             const rules = {};
             for (const id of disabled) rules[id] = {enabled: false};
             return await axe.run(document, {resultTypes: ["violations"], rules});
           }""", list(disable))
    bad = [v for v in result["violations"] if v.get("impact") in impacts]
    if bad:
        lines = []
        for v in bad:
            targets = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                                for n in v["nodes"][:5])
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} nodes: {targets})")
        pytest.fail(f"axe-core found {len(bad)} serious/critical violations on {page.url}:\n" + "\n".join(lines))
    return result["violations"]


def no_horizontal_scroll(page, width: int = 360) -> None:
    sw = page.evaluate("document.documentElement.scrollWidth")
    assert sw <= width, f"{page.url} scrolls sideways at {width}px (scrollWidth {sw})"
