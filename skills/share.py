"""Sharing: export a library to a bundle, import a bundle into a library, merge and diff locations.

A location is a bundle (.zip) or a library (SQLite path or postgresql:// DSN); read commands accept
either. Import verifies the whole bundle first, then merges it in with one store transaction.
"""

from __future__ import annotations

import logging
import uuid
import zipfile
from pathlib import Path

from skills.bundle import BundleLimits, read_bundle, write_bundle
from skills.errors import LibraryError, LibraryNotFound
from skills.merge import MergeReport, effect_key, merge
from skills.snapshot import Snapshot
from skills.store import SqlStore, is_dsn, open_store

log = logging.getLogger(__name__)


def is_bundle(location: str | Path) -> bool:
    text = str(location)
    if is_dsn(text):
        return False
    return text.endswith(".zip") or (Path(text).is_file() and zipfile.is_zipfile(text))


def load(location: str | Path, limits: BundleLimits | None = None) -> Snapshot:
    """The library at a location (bundle or store), as a snapshot; never creates anything."""
    if is_bundle(location):
        return read_bundle(location, limits)
    if not is_dsn(str(location)) and not Path(location).exists():
        raise LibraryNotFound(f"no library or bundle at {location}")
    with open_store(location, create=False) as store:
        return store.snapshot()


def export_library(store: SqlStore, path: str | Path) -> Snapshot:
    """Write the library to a bundle; returns what was written."""
    snap = store.snapshot()
    write_bundle(snap, path)
    log.info("exported %s to %s: %s", store.library_id, path, snap.counts())
    return snap


def absorb(store: SqlStore, incoming: Snapshot) -> MergeReport:
    """Merge a verified snapshot into a store in one transaction (only what changes is written)."""
    local = store.snapshot()
    merged, report = merge(local, incoming, store.library_id)
    old = {
        n.id: n for g in (local.states, local.skills, local.insights, local.strategies) for n in g
    }
    old_edges = {e.ident: e for e in local.edges}
    # an id the merge gave to another variant of the skill (the local one became a sibling)
    replaced = {
        s.id
        for s in merged.skills
        if (mine := old.get(s.id)) is not None and effect_key(mine.effect) != effect_key(s.effect)
    }
    changed = Snapshot.of(
        store.library_id,
        [s for s in merged.states if old.get(s.id) != s],
        [s for s in merged.skills if old.get(s.id) != s],
        [i for i in merged.insights if old.get(i.id) != i],
        [s for s in merged.strategies if old.get(s.id) != s],
        # the store drops every edge of a replaced id (as src, dst or key): all are sent again
        [
            e
            for e in merged.edges
            if old_edges.get(e.ident) != e or {e.src, e.dst, e.key} & replaced
        ],
        {k: v for k, v in merged.evidence.items() if k not in local.evidence},
    )
    remove = {s.id for s in local.skills} - {s.id for s in merged.skills}
    store.absorb(changed, remove=remove, replace=replaced)
    return report


def import_bundle(
    store: SqlStore, path: str | Path, limits: BundleLimits | None = None
) -> MergeReport:
    """Verify a bundle completely, then merge it into the store; nothing is written on error."""
    incoming = read_bundle(path, limits)
    return absorb(store, incoming)


def merge_locations(a: str | Path, b: str | Path, out: str | Path) -> MergeReport:
    """merge A B -o C: C (a bundle if it ends in .zip, else a new library) gets the union."""
    left, right = load(a), load(b)
    merged, report = merge(left, right, "lib-" + uuid.uuid4().hex[:16])
    if is_bundle(out):
        write_bundle(merged, out)
    else:
        if not is_dsn(str(out)) and Path(out).exists():
            raise LibraryError(f"{out} already exists; merge writes a new library")
        with open_store(out) as store:
            store.absorb(merged.__class__.of(store.library_id, *merged.content()))
    return report
