"""The bundled sample as a workflow: seed it (with the Overview's baseline forecast), find
everything that came from it, and remove all of that at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.access import AuditAction, Permission, Principal, require
from data.config import get_settings
from data.sample import seed_store
from data.store import (
    ImportResult,
    Provenance,
    RowSelection,
    Store,
    delete_rows,
    read_provenance,
)

#: The import source the sample's batches carry (``import_batches.source``).
SAMPLE_SOURCE = "sample"
#: Input kinds whose files are HR data; flag evaluations derive from them.
_HR_KINDS = ("agents", "absences", "hours", "performance")


@dataclass(frozen=True)
class SeedResult:
    """What seeding wrote: the imports, and the baseline run's id (None: not made)."""

    imports: tuple[ImportResult, ...]
    baseline_run_id: int | None

    @property
    def rows(self) -> int:
        return sum(r.rows_written for r in self.imports)


def seed_sample(
    store: Store,
    directory: Path | None = None,
    *,
    with_baseline: bool = True,
    end: dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> SeedResult:
    """Generate the sample, import it and (by default) save the Overview's baseline forecast.

    What the app's "Explore the sample", ``crewcast seed``, the UI tests and the benchmark do.

    Parameters
    ----------
    store : Store
    directory : Path, optional
        Where the sample's CSV files are written (default: ``<data dir>/sample``).
    with_baseline : bool
        Also forecast every queue and save the run the Overview shows (about 20 s).
    end : date, optional
        Last day of the sample (default: today).
    progress : callable, optional
        ``progress(done, total, label)`` after each imported file.
    """
    directory = directory or get_settings().sample_dir
    imports = seed_store(store, directory, end=end, progress=progress)
    run_id = None
    if with_baseline:
        from services.forecasts import ensure_baseline_forecast

        run_id = ensure_baseline_forecast(store)
    return SeedResult(tuple(imports), run_id)


def holds_sample(store: Store) -> bool:
    """True when any import batch came from the sample."""
    batches = store.batches()
    return bool((batches["source"] == SAMPLE_SOURCE).any())


def holds_sample_and_own_data(store: Store) -> bool:
    """True when the database holds the sample next to imported data of the user's own."""
    sources = set(store.batches()["source"])
    return SAMPLE_SOURCE in sources and bool(sources - {SAMPLE_SOURCE})


def _sample_by_queue(items: pd.DataFrame, id_col: str, first_own: pd.Series) -> list[int]:
    """Ids of the runs or schedules made before any of their queues held the user's own
    contacts: they were worked out from the sample's contacts alone."""
    if items.empty:
        return []
    merged = items.merge(
        first_own.rename("own_since").reset_index(), on=["country", "channel"], how="left"
    )
    own_before = merged["own_since"].notna() & (merged["own_since"] <= merged["at"])
    tainted = set(merged.loc[own_before, id_col])
    return sorted(int(i) for i in set(merged[id_col]) - tainted)


def select_sample(prov: Provenance) -> RowSelection:
    """Everything that came from the sample, by these rules:

    - import batches whose source is ``sample``, with every row they brought;
    - wellbeing flags of the sample's agents, with their observations and reviews;
    - flag evaluations made before any HR file of the user's own was imported (they scored the
      sample's people alone), with whatever they raised;
    - saved forecast runs and published schedules made before any of their queues (country and
      channel) held contacts of the user's own (they were worked out from the sample alone; the
      baseline forecast saved at the first start is one of them).

    A run or schedule over a queue that held the user's own contacts when it was made stays:
    it was worked out from their data too.
    """
    batches = prov.batches
    sample_ids = set(batches.loc[batches["source"] == SAMPLE_SOURCE, "batch_id"])
    own = batches.loc[batches["source"] != SAMPLE_SOURCE]
    own_series = prov.contact_series.merge(own[["batch_id", "imported_at"]], on="batch_id")
    first_own = own_series.groupby(["country", "channel"])["imported_at"].min()
    own_hr = own.loc[own["kind"].isin(_HR_KINDS), "imported_at"]
    first_own_hr = own_hr.min() if len(own_hr) else None
    evaluations = prov.evaluations
    if first_own_hr is not None:
        evaluations = evaluations.loc[evaluations["at"] < first_own_hr]
    sample_agents = set(prov.agents.loc[prov.agents["batch_id"].isin(sample_ids), "agent_id"])
    flags = prov.flags.loc[prov.flags["agent_id"].isin(sample_agents), "flag_id"]
    return RowSelection(
        batch_ids=tuple(sorted(int(i) for i in sample_ids)),
        flag_ids=tuple(sorted(int(i) for i in flags)),
        evaluation_ids=tuple(sorted(int(i) for i in evaluations["evaluation_id"])),
        run_ids=tuple(_sample_by_queue(prov.runs, "run_id", first_own)),
        schedule_ids=tuple(_sample_by_queue(prov.schedules, "schedule_id", first_own)),
    )


@dataclass(frozen=True)
class SampleRemoval:
    """What removing the sample deleted (or would delete): rows per table."""

    deleted: dict[str, int]
    dry_run: bool

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


def preview_sample_removal(store: Store, viewer: Principal | None) -> RowSelection:
    """What :func:`remove_sample` would delete (ids), changing nothing. Admins, and the demo
    admin too (who may look but not remove)."""
    if viewer is not None:
        require(viewer, Permission.REMOVE_SAMPLE, look_only=True)
    return select_sample(read_provenance(store))


def remove_sample(store: Store, principal: Principal | None) -> SampleRemoval:
    """Delete every sample row, agent, flag, saved forecast and published schedule that came
    from the sample (see :func:`select_sample`), in one audited transaction.

    Parameters
    ----------
    store : Store
    principal : Principal or None
        The admin doing it (``REMOVE_SAMPLE``; never the demo visitor); ``None`` is the command
        line, whose user already holds the server's files.

    Raises
    ------
    AccessDenied
        If the principal may not remove the sample (or is the demo visitor).
    """
    if principal is not None:
        require(principal, Permission.REMOVE_SAMPLE)
    selection = select_sample(read_provenance(store))
    deleted = delete_rows(
        store,
        selection,
        actor=principal if principal is not None else "cli",
        action=AuditAction.REMOVE_SAMPLE,
        subject="sample",
        detail={"batches": list(selection.batch_ids)},
    )
    return SampleRemoval(deleted, dry_run=False)
