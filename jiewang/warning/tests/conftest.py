import pytest


@pytest.fixture(autouse=True)
def _fresh_adjacency():
    from jiewang.warning.services import adjacency

    adjacency.forget()
    yield
    adjacency.forget()
