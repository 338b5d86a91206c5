"""Bundles: a library as one shareable zip, written deterministically and read defensively.

Layout (every JSON canonical: sorted keys, no spaces):
    manifest.json          format, schema_version, library_id, counts, sha256 of every file
    <kind folder>/<id>.json  one record per node, counters per origin
    graph.json                       networkx node-link data: nodes with kind, edges with counts
    evidence/<sha256>.png            evidence frames named by their hash
Entries are sorted and carry fixed timestamps and modes, so the same content gives the same bytes.

Reading verifies everything in memory before anything is written anywhere: a zip at all, entry
names (no absolute paths, '..', backslashes, symlinks, unknown files), counts and sizes (entries,
total, per-entry, compression ratio), checksums, schema major version, every record's shape and
content id, and that edges and evidence refer to what the bundle holds. Any failure raises
BundleError with one clear message.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from skills.errors import BundleError
from skills.model import (
    SCHEMA_MAJOR,
    SCHEMA_VERSION,
    Edge,
    Insight,
    Skill,
    State,
    Strategy,
    canonical_json,
    node_kind,
)
from skills.snapshot import Snapshot

FORMAT = "bottomup-skill-bundle"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_NAME = re.compile(
    r"^(manifest\.json|graph\.json|(states|skills|insights|strategies)/(st|sk|in|sg)_[0-9a-f]{32}"
    r"\.json|evidence/[0-9a-f]{64}\.png)$"
)
_FOLDERS = {"states": State, "skills": Skill, "insights": Insight, "strategies": Strategy}
_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class BundleLimits:
    """What a bundle may not exceed; anything beyond is refused as unsafe."""

    max_bundle_bytes: int = 2 << 30
    max_entries: int = 1_000_000
    max_total_bytes: int = 4 << 30
    max_entry_bytes: int = 64 << 20
    max_ratio: float = 200.0


class Manifest(BaseModel):
    """manifest.json: what the bundle claims to hold; checked against what it does hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    format: str
    schema_version: str
    library_id: str
    counts: dict[str, int]
    files: dict[str, str]


def _json(value: object) -> bytes:
    return canonical_json(value).encode()


def _record_bytes(record) -> bytes:
    return _json(record.model_dump(mode="json"))


def graph_json(snap: Snapshot) -> dict:
    """The library structure as networkx node-link data (MultiDiGraph, edges under "links").

    Built directly (same shape as `nx.node_link_data(g, edges="links")`), which is several times
    faster on large libraries; `nx.node_link_graph(data, edges="links")` reads it back.
    """
    return {
        "directed": True,
        "multigraph": True,
        "graph": {},
        "nodes": [{"id": n, "kind": node_kind(n)} for n in sorted(snap.node_ids())],
        "links": [
            {
                "source": e.src,
                "target": e.dst,
                "key": f"{e.kind}|{e.key}",
                "kind": e.kind,
                "counts": dict(e.counts),
            }
            for e in snap.edges
        ],
    }


def bundle_entries(snap: Snapshot) -> dict[str, bytes]:
    """Every file of the bundle, by name, manifest included."""
    files: dict[str, bytes] = {}
    for folder, records in (
        ("states", snap.states),
        ("skills", snap.skills),
        ("insights", snap.insights),
        ("strategies", snap.strategies),
    ):
        for r in records:
            files[f"{folder}/{r.id}.json"] = _record_bytes(r)
    files["graph.json"] = _json(graph_json(snap))
    for sha, png in snap.evidence.items():
        files[f"evidence/{sha}.png"] = png
    manifest = Manifest(
        format=FORMAT,
        schema_version=SCHEMA_VERSION,
        library_id=snap.library_id,
        counts=snap.counts(),
        files={name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    )
    files["manifest.json"] = _json(manifest.model_dump(mode="json"))
    return dict(sorted(files.items()))


def write_bundle(snap: Snapshot, path: str | Path) -> Path:
    """Write a deterministic zip atomically (temp file, then rename)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for name, data in bundle_entries(snap).items():
                info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                zf.writestr(info, data, compresslevel=6)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _check_entries(zf: zipfile.ZipFile, limits: BundleLimits) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > limits.max_entries:
        raise BundleError(f"too many entries: {len(infos)} > {limits.max_entries}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        parts = name.split("/")
        if name.startswith("/") or "\\" in name or re.match(r"^[A-Za-z]:", name):
            raise BundleError(f"unsafe entry name {name!r}: absolute path")
        if ".." in parts or "" in parts or "." in parts:
            raise BundleError(f"unsafe entry name {name!r}: path traversal")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise BundleError(f"unsafe entry {name!r}: symbolic link")
        if not _NAME.match(name):
            raise BundleError(f"unexpected entry {name!r} (not part of the bundle format)")
        if name in seen:
            raise BundleError(f"duplicate entry {name!r}")
        seen.add(name)
        if info.file_size > limits.max_entry_bytes:
            raise BundleError(f"entry {name!r} too large: {info.file_size} bytes")
        if info.file_size > 1024 and info.file_size / max(info.compress_size, 1) > limits.max_ratio:
            raise BundleError(f"entry {name!r} compresses {limits.max_ratio:.0f}x+: a zip bomb")
        total += info.file_size
        if total > limits.max_total_bytes:
            raise BundleError(f"bundle too large uncompressed: more than {limits.max_total_bytes}")
    return infos


def _read_entries(source: str | Path | bytes, limits: BundleLimits) -> dict[str, bytes]:
    """Every entry's bytes, after the structural checks; sizes enforced while reading too."""
    if isinstance(source, bytes):
        size, handle = len(source), io.BytesIO(source)
    else:
        p = Path(source)
        if not p.is_file():
            raise BundleError(f"no bundle file at {p}")
        size, handle = p.stat().st_size, p.open("rb")
    if size > limits.max_bundle_bytes:
        raise BundleError(f"bundle file too large: {size} > {limits.max_bundle_bytes} bytes")
    try:
        with handle, zipfile.ZipFile(handle) as zf:
            infos = _check_entries(zf, limits)
            out: dict[str, bytes] = {}
            for info in infos:
                with zf.open(info) as f:
                    data = f.read(limits.max_entry_bytes + 1)
                if len(data) != info.file_size:
                    raise BundleError(f"entry {info.filename!r} size differs from its header")
                out[info.filename] = data
            return out
    except zipfile.BadZipFile as exc:
        raise BundleError(f"not a valid zip bundle: {exc}") from None
    except (zlib.error, EOFError, NotImplementedError) as exc:
        raise BundleError(f"corrupt zip bundle: {exc}") from None


def _load_json(name: str, data: bytes):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{name}: invalid JSON ({exc})") from None


def _validation_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "record"
    return f"{where}: {first['msg']}"


def read_bundle(source: str | Path | bytes, limits: BundleLimits | None = None) -> Snapshot:
    """Verify a bundle completely and return its library; raises BundleError on any problem."""
    entries = _read_entries(source, limits or BundleLimits())
    if "manifest.json" not in entries:
        raise BundleError("no manifest.json in bundle")
    raw = _load_json("manifest.json", entries["manifest.json"])
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as exc:
        raise BundleError(f"manifest.json: {_validation_message(exc)}") from None
    if manifest.format != FORMAT:
        raise BundleError(f"manifest.json: format {manifest.format!r} is not {FORMAT!r}")
    major = manifest.schema_version.split(".", 1)[0]
    if not major.isdigit() or int(major) != SCHEMA_MAJOR:
        raise BundleError(
            f"bundle schema version {manifest.schema_version} is not supported (this reads 1.x)"
        )
    listed, present = set(manifest.files), set(entries) - {"manifest.json"}
    if listed != present:
        odd = sorted(listed ^ present)[:3]
        raise BundleError(f"manifest files do not match the zip entries: {', '.join(odd)}")
    for name, sha in manifest.files.items():
        if hashlib.sha256(entries[name]).hexdigest() != sha:
            raise BundleError(f"checksum mismatch for {name}")

    records: dict[str, list] = {folder: [] for folder in _FOLDERS}
    for name, data in entries.items():
        folder = name.split("/", 1)[0]
        if folder not in _FOLDERS:
            continue
        try:
            record = _FOLDERS[folder].model_validate(_load_json(name, data))
        except ValidationError as exc:
            raise BundleError(f"{name}: {_validation_message(exc)}") from None
        if name != f"{folder}/{record.id}.json":
            raise BundleError(f"{name}: holds record {record.id}")
        records[folder].append(record)
    evidence = {
        n[len("evidence/") : -4]: d for n, d in entries.items() if n.startswith("evidence/")
    }
    for sha, png in evidence.items():
        if not png.startswith(_PNG):
            raise BundleError(f"evidence/{sha}.png is not a PNG")

    edges = _read_graph(entries.get("graph.json"))
    snap = Snapshot.of(
        manifest.library_id,
        records["states"],
        records["skills"],
        records["insights"],
        records["strategies"],
        edges,
        evidence,
    )
    _check_consistency(snap, manifest)
    return snap


def _read_graph(data: bytes | None) -> list[Edge]:
    if data is None:
        raise BundleError("no graph.json in bundle")
    raw = _load_json("graph.json", data)
    if not isinstance(raw, dict) or not isinstance(raw.get("links"), list):
        raise BundleError("graph.json: not node-link data with 'links'")
    edges = []
    for link in raw["links"]:
        if not isinstance(link, dict):
            raise BundleError("graph.json: a link is not an object")
        key = str(link.get("key", ""))
        try:
            edges.append(
                Edge(
                    kind=link.get("kind"),
                    src=link.get("source"),
                    dst=link.get("target"),
                    key=key.split("|", 1)[1] if "|" in key else "",
                    counts=link.get("counts", {}),
                )
            )
        except ValidationError as exc:
            raise BundleError(f"graph.json: {_validation_message(exc)}") from None
    return edges


def _check_consistency(snap: Snapshot, manifest: Manifest) -> None:
    if manifest.counts != snap.counts():
        raise BundleError(f"manifest counts {manifest.counts} differ from contents {snap.counts()}")
    nodes = snap.node_ids()
    for e in snap.edges:
        for end in (e.src, e.dst):
            if end not in nodes:
                raise BundleError(f"graph.json: {e.kind} edge refers to missing node {end}")
    for skill in snap.skills:
        for sha in skill.evidence:
            if sha not in snap.evidence:
                raise BundleError(f"skill {skill.id} cites missing evidence {sha}")
