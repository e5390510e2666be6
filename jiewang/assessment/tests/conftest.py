import pytest


@pytest.fixture
def october(tree, people, loop):
    from jiewang.assessment.testing import build_october

    return build_october(tree, people, loop)
