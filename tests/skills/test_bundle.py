"""Bundles: deterministic round trips, and every malicious bundle refused with nothing written."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from skills.bundle import BundleLimits, bundle_entries, read_bundle, write_bundle
from skills.errors import BundleError
from skills.graph import SkillGraph
from skills.share import export_library, import_bundle
from skills.snapshot import Snapshot
from tests.skills.conftest import make_skill
from tests.skills.libraries import sample_library, snapshots, tiny_png


def _zip(entries: dict[str, bytes], attrs: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if attrs and name in attrs:
                info.external_attr = attrs[name] << 16
            zf.writestr(info, data)
    return buf.getvalue()


def _resign(entries: dict[str, bytes]) -> dict[str, bytes]:
    """Recompute the manifest's checksums so only the intended defect remains."""
    import hashlib

    manifest = json.loads(entries["manifest.json"])
    manifest["files"] = {
        n: hashlib.sha256(d).hexdigest() for n, d in entries.items() if n != "manifest.json"
    }
    return {**entries, "manifest.json": json.dumps(manifest).encode()}


def test_export_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    snap = sample_library()
    write_bundle(snap, tmp_path / "one.zip")
    write_bundle(snap, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    back = read_bundle(tmp_path / "one.zip")
    assert back == snap
    graph = nx.node_link_graph(
        json.loads(zipfile.ZipFile(tmp_path / "one.zip").read("graph.json")), edges="links"
    )
    assert graph.is_directed() and graph.is_multigraph()
    assert set(graph.nodes) == snap.node_ids()
    assert graph.number_of_edges() == len(snap.edges)


def test_export_import_export_is_identical_in_content(tmp_path: Path) -> None:
    with SkillGraph.open(tmp_path / "a.sqlite") as a:
        s = a.state("menu")
        sha = a.add_evidence(tiny_png(1))
        play = a.add_skill(make_skill("Play", evidence=(sha,)), available_in=[s.id])
        a.record_outcome(play.id, s.id, True, True, True, 1.0, a.state("game").id)
        export_library(a.store, tmp_path / "a.zip")
    with SkillGraph.open(tmp_path / "b.sqlite") as b:
        import_bundle(b.store, tmp_path / "a.zip")
        export_library(b.store, tmp_path / "b.zip")
    za, zb = zipfile.ZipFile(tmp_path / "a.zip"), zipfile.ZipFile(tmp_path / "b.zip")
    assert za.namelist() == zb.namelist()
    for name in za.namelist():
        if name != "manifest.json":
            assert za.read(name) == zb.read(name), name
    ma, mb = json.loads(za.read("manifest.json")), json.loads(zb.read("manifest.json"))
    assert ma.pop("library_id") != mb.pop("library_id")  # each library keeps its own identity
    assert ma == mb


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_any_library_round_trips_through_a_bundle(snap: Snapshot) -> None:
    entries = bundle_entries(snap)
    assert read_bundle(_zip(entries)) == snap


def _entries() -> dict[str, bytes]:
    return bundle_entries(sample_library())


def _bad_bundles() -> dict[str, tuple[bytes, str]]:
    good = _entries()
    skill_name = next(n for n in good if n.startswith("skills/"))
    png_name = next(n for n in good if n.startswith("evidence/"))
    manifest = json.loads(good["manifest.json"])
    return {
        "not a zip": (b"this is not a zip file at all", "not a valid zip"),
        "traversal": (_zip({**good, "../evil.json": b"{}"}), "path traversal"),
        "absolute": (_zip({**good, "/tmp/evil.json": b"{}"}), "absolute path"),
        "symlink": (
            _zip({**good, "evil": b"/etc/passwd"}, {"evil": stat.S_IFLNK | 0o777}),
            "symbolic link",
        ),
        "unknown file": (_zip({**good, "run.sh": b"rm -rf /"}), "unexpected entry"),
        "zip bomb": (_zip({**good, png_name: b"\0" * (8 << 20)}), "zip bomb"),
        "checksum": (
            _zip({**good, skill_name: good[skill_name].replace(b"Play", b"Pla_")}),
            "checksum mismatch",
        ),
        "major version": (
            _zip(
                {
                    **good,
                    "manifest.json": json.dumps({**manifest, "schema_version": "2.0"}).encode(),
                }
            ),
            "schema version 2.0 is not supported",
        ),
        "invalid json": (_zip(_resign({**good, skill_name: b"{not json"})), "invalid JSON"),
        "tampered id": (
            _zip(_resign({**good, skill_name: good[skill_name].replace(b"Play", b"Quit")})),
            "does not match its content",
        ),
        "no manifest": (
            _zip({k: v for k, v in good.items() if k != "manifest.json"}),
            "no manifest",
        ),
        "missing node": (
            _zip(_resign({k: v for k, v in good.items() if not k.startswith("states/")})),
            "manifest counts",
        ),
    }


@pytest.mark.parametrize("case", sorted(_bad_bundles()))
def test_malicious_bundles_are_refused_and_nothing_is_written(tmp_path: Path, case: str) -> None:
    data, message = _bad_bundles()[case]
    target = tmp_path / "lib" / "library.sqlite"
    target.parent.mkdir()
    with SkillGraph.open(target) as g:
        g.add_skill(make_skill("Existing"), available_in=[g.state("home").id])
        before = g.store.snapshot()
    bundle = tmp_path / "in" / "bundle.zip"
    bundle.parent.mkdir()
    bundle.write_bytes(data)
    listing = sorted(str(p) for p in tmp_path.rglob("*"))
    with SkillGraph.open(target) as g:
        with pytest.raises(BundleError, match=message):
            import_bundle(g.store, bundle)
        assert g.store.snapshot() == before
        assert g.check() == []
    after = sorted(
        str(p) for p in tmp_path.rglob("*") if "-wal" not in str(p) and "-shm" not in str(p)
    )
    assert after == [p for p in listing if "-wal" not in p and "-shm" not in p]
    assert not Path("/tmp/evil.json").exists()


def test_size_limits_are_enforced(tmp_path: Path) -> None:
    data = _zip(_entries())
    with pytest.raises(BundleError, match="too many entries"):
        read_bundle(data, BundleLimits(max_entries=3))
    with pytest.raises(BundleError, match="too large uncompressed"):
        read_bundle(data, BundleLimits(max_total_bytes=500))
    with pytest.raises(BundleError, match="bundle file too large"):
        read_bundle(data, BundleLimits(max_bundle_bytes=100))
    (tmp_path / "missing").mkdir()
    with pytest.raises(BundleError, match="no bundle file"):
        read_bundle(tmp_path / "missing" / "x.zip")


def test_write_is_atomic(tmp_path: Path) -> None:
    write_bundle(sample_library(), tmp_path / "b.zip")
    assert os.listdir(tmp_path) == ["b.zip"]
