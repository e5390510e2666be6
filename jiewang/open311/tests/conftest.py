import pytest


@pytest.fixture
def catalog(db):
    from jiewang.events.services.catalog import catalog_seed

    catalog_seed()


@pytest.fixture
def api_key(db):
    """(ApiKey, clear key) of one Open311 client."""
    from jiewang.open311.services import api_key_create

    return api_key_create(actor=None, name="随手拍 App", organization="渝州市大数据局")


@pytest.fixture(autouse=True)
def _tmp_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
