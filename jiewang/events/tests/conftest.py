import pytest


@pytest.fixture
def loop(tree, people):
    from jiewang.events.testing import build_loop

    return build_loop(tree, people)
