import pytest


@pytest.fixture
def loop(tree, people):
    from jiewang.events.testing import build_loop

    return build_loop(tree, people)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
