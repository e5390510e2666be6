import pytest


@pytest.fixture
def dlist(tree, people, loop):
    """北区's published list v1 (jiewang.admission.testing.published_list), 城市管理局 allowed on RK01."""
    from jiewang.admission.testing import published_list

    return published_list(tree, department=people.department)


@pytest.fixture
def commander(tree):
    from jiewang.accounts.choices import Role
    from jiewang.accounts.models import RoleGrant, User

    u = User.objects.create(username="commander", display_name="指挥长")
    RoleGrant.objects.create(user=u, role=Role.COMMANDER, area=tree.t1)
    return u
