"""Area chains: a located leaf with all its ancestors, cached per process.

Whoever locates a point wants more than the grid: intake numbers an event with its town's code and
files it under grid, community and town; the map shows the names from the district down. A
:class:`AreaChain` is that answer — each area of the chain, root first, with the few fields a
chain shows (``id``, ``level``, ``code``, ``name``, ``path``, ``parent_id``; the rest deferred).

A chain is read once per process and kept in a :class:`ChainCache` that belongs to the loaded
:class:`~jiewang.areas.locator.Locator`. It is forgotten when what it shows may have changed:

* a boundary change loads a new locator, with an empty cache;
* a change to an area's code, name, parent or validity bumps
  :attr:`BoundaryRevision.chain_revision <jiewang.areas.models.BoundaryRevision>` in the same
  transaction (the area services do it, they are the only writers). The process that made it drops
  its chains at once (and again at commit); every other process sees the counter move at its next
  revision check (``LOCATOR_REVISION_CHECK_SECONDS``, 2 s) and drops them then.

The areas above the leaves (a city's ~12,000 towns and communities against ~62,000 grids) are
cached apart, so that a grid seen for the first time costs one statement reading its own row (and
any ancestor not cached yet). The leaf's path comes from the index (saved at build time); when the
leaf's row says otherwise (the tree was reshaped since), the chain is read along the row's path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jiewang.areas.choices import AreaLevel

CHAIN_FIELDS = ("id", "level", "code", "name", "path", "parent_id")
#: Chains kept per process before the cache starts over (a large city has ~62,000 grids).
CACHE_MAX = 200_000
# Up to this many ids, one prepared statement per count (core.fastsql); more go through the ORM.
_FAST_IDS = 16


@dataclass(frozen=True, slots=True)
class AreaChain:
    """A leaf area and its ancestors, root first: ``areas[-1]`` is the leaf.

    The areas are shared by every caller of the process: read them, never change or save them."""

    areas: tuple
    by_level: dict = field(repr=False)

    @classmethod
    def of(cls, areas) -> AreaChain:
        areas = tuple(areas)
        return cls(areas, {a.level: a for a in areas})

    @property
    def leaf(self):
        return self.areas[-1]

    def at(self, level: int):
        """The chain's area of ``level`` (:class:`~jiewang.areas.choices.AreaLevel`), or None."""
        return self.by_level.get(level)

    @property
    def city(self):
        return self.by_level.get(AreaLevel.CITY)

    @property
    def district(self):
        return self.by_level.get(AreaLevel.DISTRICT)

    @property
    def town(self):
        return self.by_level.get(AreaLevel.TOWN)

    @property
    def community(self):
        return self.by_level.get(AreaLevel.COMMUNITY)

    @property
    def grid(self):
        """The grid, or the micro-grid when the chain ends in one without a grid above it."""
        return self.by_level.get(AreaLevel.GRID) or self.by_level.get(AreaLevel.MICROGRID)

    @property
    def ids(self) -> list[int]:
        return [a.id for a in self.areas]


def _path_ids(path: str | None) -> list[int]:
    return [int(x) for x in (path or "").strip("/").split("/") if x]


def read_areas(ids) -> dict:
    """Areas by id, with the chain's fields only: one statement (prepared for small sets)."""
    from jiewang.areas.models import Area
    from jiewang.core import fastsql

    ids = list(ids)
    if not ids:
        return {}
    if len(ids) <= _FAST_IDS:
        where = f"id IN ({', '.join(['%s'] * len(ids))})"
        return {a.id: a for a in fastsql.select(Area, where, ids, fields=CHAIN_FIELDS)}
    return {a.id: a for a in Area.objects.filter(id__in=ids).only(*CHAIN_FIELDS).order_by()}


class ChainCache:
    """The chains of one process and one locator (see the module docstring)."""

    def __init__(self, leaf_path):
        self._leaf_path = leaf_path  # area id -> its path when the index was built, or None
        self.by_leaf: dict = {}
        self.upper: dict = {}

    def clear(self) -> None:
        # Replaced, not emptied: a reader in another thread keeps the dict it already holds.
        self.by_leaf = {}
        self.upper = {}

    def get(self, leaf_id: int) -> AreaChain | None:
        hit = self.by_leaf.get(leaf_id)
        if hit is None:
            hit = self.load([leaf_id]).get(leaf_id)
        return hit

    def get_many(self, leaf_ids) -> dict:
        """Chains by leaf id; the missing ones are read together (one or two statements)."""
        by_leaf = self.by_leaf
        out, missing = {}, []
        for i in leaf_ids:
            hit = by_leaf.get(i)
            if hit is None:
                missing.append(i)
            else:
                out[i] = hit
        if missing:
            out.update(self.load(missing))
        return out

    def load(self, leaf_ids) -> dict:
        """Read and cache the chains of ``leaf_ids`` (the index's leaves; one deleted since the
        build is left out)."""
        if len(self.by_leaf) > CACHE_MAX:
            self.clear()
        by_leaf, upper = self.by_leaf, self.upper
        leaf_ids = list(dict.fromkeys(int(i) for i in leaf_ids))
        expected = {i: self._leaf_path(i) or "" for i in leaf_ids}
        wanted = set(leaf_ids)
        for i in leaf_ids:
            wanted.update(j for j in _path_ids(expected[i]) if j not in upper)
        rows = read_areas(wanted)
        found = [rows[i] for i in leaf_ids if i in rows]  # a leaf deleted since the build has no chain
        reshaped = [leaf for leaf in found if leaf.path != expected[leaf.id]]
        if reshaped:  # moved since the index was built: follow the row's path
            rows.update(read_areas({j for leaf in reshaped for j in leaf.ancestor_ids()
                                    if j not in rows and j not in upper}))
        for i, a in rows.items():
            if i not in expected:
                upper[i] = a
        out = {}
        for leaf in found:
            chain = AreaChain.of([upper[j] for j in leaf.ancestor_ids() if j in upper] + [leaf])
            out[leaf.id] = by_leaf[leaf.id] = chain
        return out
