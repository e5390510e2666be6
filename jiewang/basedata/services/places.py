"""Writing places: standard addresses (with their building) and houses. An address lies in one
grid: the grid named, or the one the area locator finds at the address's point."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from jiewang.areas.models import Area
from jiewang.audit.services import audit_record
from jiewang.core.errors import Conflict, ValidationFailed
from jiewang.core.scope import Action, ensure_allowed

from ..choices import HouseUse
from ..models import Address, Building, House
from .common import check_version, clean_text, ensure_writer, grid_of, touch


def locate_grid(lon: float, lat: float) -> Area:
    """The grid at a point (area locator); 422 when the point lies in no grid."""
    from jiewang.areas.locator import get_locator

    result = get_locator().locate(lon, lat)
    if result.area_id is None:
        raise ValidationFailed("该位置不在任何网格内 / The point lies in no grid.", code="basedata.outside_grids",
                               fields={"lon": "outside", "lat": "outside"})
    return grid_of(Area.objects.filter(pk=result.area_id).first())


def building_get_or_create(*, grid: Area, road: str, number: str, name: str = "",
                           lon: float | None = None, lat: float | None = None) -> Building:
    building, _created = Building.objects.get_or_create(
        grid=grid, road=road, number=number, name=name,
        defaults={"area_path": grid.path, "lon": lon, "lat": lat})
    return building


@transaction.atomic
def address_create(*, actor, road: str, number: str, building: str = "", unit: str = "", room: str = "",
                   grid: Area | None = None, lon: float | None = None, lat: float | None = None) -> Address:
    """A new standard address in ``grid`` (or the grid found at ``lon``/``lat``)."""
    if grid is None:
        if lon is None or lat is None:
            raise ValidationFailed("请选择网格或定位 / Choose a grid or a point.", code="validation_failed",
                                   fields={"grid_id": "required"})
        grid = locate_grid(lon, lat)
    grid = grid_of(grid)
    ensure_writer(actor, grid.path)
    road = clean_text(road, "road", required=True, max_length=60)
    number = clean_text(number, "number", required=True, max_length=20)
    building = clean_text(building, "building", max_length=30)
    unit = clean_text(unit, "unit", max_length=20)
    room = clean_text(room, "room", max_length=20)
    text = Address.compose(road, number, building, unit, room)
    if Address.objects.filter(grid=grid, text=text).exists():
        raise Conflict("地址已存在 / The address exists already.", code="basedata.address_exists")
    b = building_get_or_create(grid=grid, road=road, number=number, name=building, lon=lon, lat=lat)
    address = Address.objects.create(grid=grid, area_path=grid.path, building=b, road=road, number=number,
                                     building_name=building, unit=unit, room=room, text=text, lon=lon, lat=lat)
    audit_record(actor=actor, action="address.create", obj=address, data={"grid": grid.pk, "text": text})
    return address


def clean_area_m2(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        area = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("面积无效 / Invalid floor area.", code="validation_failed",
                               fields={"area_m2": "a number"}) from None
    if not Decimal("0") < area <= Decimal("99999"):
        raise ValidationFailed("面积无效 / Invalid floor area.", code="validation_failed",
                               fields={"area_m2": "between 0 and 99999"})
    return area


def clean_use(use: str) -> str:
    if use not in HouseUse.values:
        raise ValidationFailed("房屋用途无效 / Invalid house use.", code="validation_failed", fields={"use": "invalid"})
    return use


@transaction.atomic
def house_create(*, actor, address: Address, use: str = HouseUse.SELF_OCCUPIED, area_m2=None,
                 owner_name: str = "") -> House:
    ensure_writer(actor, address.area_path)
    if House.objects.filter(address=address).exists():
        raise Conflict("该地址已登记房屋 / This address has a house already.", code="basedata.house_exists")
    house = House.objects.create(grid_id=address.grid_id, area_path=address.area_path, address=address,
                                 use=clean_use(use), area_m2=clean_area_m2(area_m2),
                                 owner_name=clean_text(owner_name, "owner_name", max_length=50))
    audit_record(actor=actor, action="house.create", obj=house,
                 data={"address": address.pk, "use": house.use, "area_m2": str(house.area_m2 or "")})
    return house


@transaction.atomic
def house_update(*, actor, house: House, expected_version: int, use: str | None = None, area_m2=None,
                 owner_name: str | None = None) -> House:
    ensure_allowed(actor, Action.CHANGE, house)
    locked = House.objects.select_for_update().get(pk=house.pk)
    check_version(locked, expected_version, "房屋")
    before = {"use": locked.use, "area_m2": str(locked.area_m2 or ""), "owner_name": locked.owner_name}
    if use is not None:
        locked.use = clean_use(use)
    if area_m2 is not None:
        locked.area_m2 = clean_area_m2(area_m2)
    if owner_name is not None:
        locked.owner_name = clean_text(owner_name, "owner_name", max_length=50)
    touch(locked)
    locked.save()
    audit_record(actor=actor, action="house.update", obj=locked,
                 data={"before": before, "after": {"use": locked.use, "area_m2": str(locked.area_m2 or ""),
                                                   "owner_name": locked.owner_name}})
    return locked

