"""Who may do what with base data, and who may see personal data unmasked.

Every row lies in a grid's subtree (``area_path``); a role reaches it through a grant on that grid
or above.

* **Read (masked)**: grid workers (their grids), community staff (their community), the town's
  operators, leaders and command-center leaders, district administrators.
* **Write** (create, update, move out, import): grid workers for their grids and community staff
  for their community — the people who collect the data (采集) — and district administrators.
* **Unmask** (``reveal``: an ID number or phone in clear, an unmasked export): only grid workers
  for their own grids and community staff for their own community, who serve these people in
  person. Town and district roles read masked data: least privilege (GB/T 31000, PIPL). Every
  unmasked read writes an audit row (``resident.reveal`` / ``resident.export_unmasked``).
* Members of the *sensitive* key groups (community correction, drug users …) are listed only to
  those who may unmask.
"""

from __future__ import annotations

from jiewang.accounts.choices import Role
from jiewang.core.scope import Action, register_scope, subtree_q

REVEAL = "reveal"  # the scope action "see personal data in clear"

READERS = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.TOWN_OPERATOR, Role.TOWN_LEADER,
                     Role.COMMANDER, Role.DEPUTY_COMMANDER, Role.DUTY_LEADER, Role.DISTRICT_ADMIN})
WRITERS = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF, Role.DISTRICT_ADMIN})
REVEALERS = frozenset({Role.GRID_WORKER, Role.COMMUNITY_STAFF})


def _path_q(grants, user, action):
    return subtree_q("area_path", grants)


def register() -> None:
    from .models import Address, Building, House, ImportRun, KeyPerson, Resident, Unit

    roles = {Action.VIEW: READERS, Action.ADD: WRITERS, Action.CHANGE: WRITERS, REVEAL: REVEALERS}
    for model in (Building, Address, House, Resident, Unit, KeyPerson):
        register_scope(model, roles=roles, to_q=_path_q)
    register_scope(ImportRun, roles={Action.VIEW: WRITERS, Action.ADD: WRITERS}, to_q=_path_q)
