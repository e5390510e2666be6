"""Fixtures shared by every test package (see jiewang/core/testing.py for the tree)."""

import pytest
from django.test import Client


@pytest.fixture(autouse=True)
def _fast_hashing_and_tmp_locator(settings, tmp_path):
    # Argon2 is the production hasher (asserted in accounts tests); tests hash with MD5 for speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LOCATOR_INDEX_DIR = tmp_path / "locator"
    # Per-process copies of tables (the catalog) would outlive each test's rolled-back database.
    from jiewang.core.snapshot import invalidate_all

    invalidate_all()


@pytest.fixture
def tree(db):
    from jiewang.core.testing import build_tree

    return build_tree()


@pytest.fixture
def people(tree):
    from jiewang.core.testing import build_people

    return build_people(tree)


@pytest.fixture
def loop(tree, people):
    """The closed-loop extras: the seeded catalog and two departments with staff (events.testing)."""
    from jiewang.events.testing import build_loop

    return build_loop(tree, people)


@pytest.fixture
def client_for():
    """client_for(user) -> a Django test client signed in as user (None = anonymous)."""

    def make(user):
        c = Client()
        if user is not None:
            c.force_login(user, backend="jiewang.accounts.backends.ModelBackend")
        return c

    return make


@pytest.fixture
def provisional_2027(monkeypatch):
    """Years from 2027 on as chinesecalendar 1.11 has them: unknown (provisional), whatever version
    is installed, so tests of the statutory fallback keep their meaning when the package grows."""
    from jiewang.core import worktime

    monkeypatch.setattr(worktime, "_package_years", {y: False for y in range(2027, 2041)})
    monkeypatch.setattr(worktime, "_national_years", {})
    monkeypatch.setattr(worktime, "_warned_years", set())
    worktime.clear_cache()
    yield
    worktime.clear_cache()
