"""The import report: what happened to each feature, and the totals."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Per-feature statuses.
IMPORTED = "imported"  # a new area was created
UPDATED = "updated"  # an existing (parent, code) area got a new name/boundary/attributes
UNCHANGED = "unchanged"  # an existing area already had exactly this name, boundary and attributes
REJECTED = "rejected"  # the feature has errors; it was not written
SKIPPED = "skipped"  # valid, but not written because other features were rejected (no skip_invalid)
SKIPPED_DRY_RUN = "skipped_dry_run"  # valid; a dry run writes nothing (see ``action``)


@dataclass
class FeatureReport:
    """One feature of the file. ``action`` is what was (or, in a dry run / refused file, would
    have been) done: ``create``, ``update``, ``none`` (unchanged) or ``""`` (rejected).

    For a feature matching an existing area, ``changes`` names the fields that differ and
    ``diff`` gives each one as ``{"old": …, "new": …}`` (the geometry as its area in m² and its
    bbox, plus ``outside_parent_share``), also when the update was refused. ``overrides`` lists
    the guards an explicit flag let through for this feature: ``foreign_code``, ``rename``,
    ``outside_parent``."""

    index: int
    code: str = ""
    name: str = ""
    status: str = ""
    action: str = ""
    area_id: int | None = None
    parent_code: str = ""
    area_m2: float | None = None
    changes: list[str] = field(default_factory=list)
    diff: dict = field(default_factory=dict)
    overrides: list[str] = field(default_factory=list)
    repairs: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def error(self, code: str, message: str, **detail) -> None:
        self.errors.append({"code": code, "message": message, **detail})

    def warn(self, code: str, message: str, **detail) -> None:
        self.warnings.append({"code": code, "message": message, **detail})

    @property
    def rejected(self) -> bool:
        return bool(self.errors)


@dataclass
class ImportReport:
    """The outcome of one import. ``ok`` is true when no feature was rejected. In the default
    mode a single rejected feature means nothing was written (``imported == updated == 0``);
    with ``skip_invalid`` the good features were written and the rejected ones are listed."""

    level: int
    dry_run: bool = False
    skip_invalid: bool = False
    allow_foreign_codes: bool = False
    allow_rename: bool = False
    allow_outside_parent: bool = False
    features: list[FeatureReport] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for f in self.features if f.status == status)

    @property
    def total(self) -> int:
        return len(self.features)

    @property
    def imported(self) -> int:
        return self._count(IMPORTED)

    @property
    def updated(self) -> int:
        return self._count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self._count(UNCHANGED)

    @property
    def rejected(self) -> int:
        return self._count(REJECTED)

    @property
    def skipped(self) -> int:
        return self._count(SKIPPED) + self._count(SKIPPED_DRY_RUN)

    @property
    def repaired(self) -> int:
        """Features that were (or would be) written with at least one repair."""
        return sum(1 for f in self.features if f.repairs and f.status != REJECTED)

    @property
    def warnings(self) -> int:
        """Warning entries over all features (an overlap of two new features counts on both)."""
        return sum(len(f.warnings) for f in self.features)

    @property
    def ok(self) -> bool:
        return self.rejected == 0

    def counts(self) -> dict:
        return {
            "total": self.total, "imported": self.imported, "updated": self.updated,
            "unchanged": self.unchanged, "repaired": self.repaired, "rejected": self.rejected,
            "skipped": self.skipped, "warnings": self.warnings,
        }

    def overrides_used(self) -> dict:
        """For each override, the codes of the features it let through (written or, in a dry
        run, that would be)."""
        used: dict[str, list[str]] = {}
        for f in self.features:
            if f.status != REJECTED:
                for o in f.overrides:
                    used.setdefault(o, []).append(f.code)
        return used

    def to_dict(self) -> dict:
        return {
            "ok": self.ok, "level": int(self.level), "dry_run": self.dry_run,
            "skip_invalid": self.skip_invalid, "allow_foreign_codes": self.allow_foreign_codes,
            "allow_rename": self.allow_rename, "allow_outside_parent": self.allow_outside_parent,
            "overrides_used": self.overrides_used(), **self.counts(),
            "features": [asdict(f) for f in self.features],
        }
