import pytest


@pytest.fixture
def duty(tree, people):
    from jiewang.duty.testing import build_duty

    return build_duty(tree, people)
