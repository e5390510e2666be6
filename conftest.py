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
