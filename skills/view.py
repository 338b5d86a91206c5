"""Views of a library: node-link JSON, GraphML, GEXF, and one self-contained HTML page.

Views are derived data, rebuilt from a snapshot whenever asked. The HTML page needs nothing from
the network: positions come from networkx's spring layout computed here, the graph is inline SVG,
evidence frames are inline base64 PNGs, and the little script and style are inline too.
"""

from __future__ import annotations

import base64
import html
import io

import networkx as nx

from skills.errors import LibraryError
from skills.model import Skill, canonical_json
from skills.snapshot import Snapshot

FORMATS = ("json", "graphml", "gexf", "html")
_STATUS_COLOUR = {
    "candidate": "#e0a030",
    "active": "#30a050",
    "suspended": "#999999",
    "retired": "#cc4444",
}


def label_of(node) -> str:
    """A short human label for any node."""
    for attr in ("name", "label", "title", "cluster"):
        value = getattr(node, attr, "")
        if value:
            return str(value)
    return getattr(node, "signature", "") or node.id


def flat_graph(snap: Snapshot) -> nx.MultiDiGraph:
    """The library with only string/number attributes, as GraphML and GEXF require."""
    g = nx.MultiDiGraph()
    for s in snap.states:
        g.add_node(s.id, kind="state", label=label_of(s), visits=s.total_visits)
    for k in snap.skills:
        t = k.totals
        g.add_node(
            k.id,
            kind="skill",
            label=label_of(k),
            status=k.status,
            runs=t.runs,
            acted=round(t.acted.mean, 4),
            consistent=round(t.consistent.mean, 4),
            progressive=round(t.progressive.mean, 4),
        )
    for i in snap.insights:
        g.add_node(i.id, kind="insight", label=label_of(i), polarity=i.polarity)
    for s in snap.strategies:
        g.add_node(s.id, kind="strategy", label=label_of(s), runs=s.totals.runs)
    for e in snap.edges:
        g.add_edge(
            e.src, e.dst, key=f"{e.kind}|{e.key}", kind=e.kind, edge_key=e.key, count=e.total
        )
    return g


def render(snap: Snapshot, fmt: str, max_nodes: int = 400) -> str:
    """The library in one of FORMATS, as text."""
    if fmt == "json":
        return canonical_json(nx.node_link_data(flat_graph(snap), edges="links"))
    if fmt == "graphml":
        return "\n".join(nx.generate_graphml(flat_graph(snap)))
    if fmt == "gexf":
        return "\n".join(nx.generate_gexf(flat_graph(snap)))
    if fmt == "html":
        return render_html(snap, max_nodes)
    raise LibraryError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")


def _pick(snap: Snapshot, max_nodes: int) -> nx.Graph:
    """The most-used skills and the states they touch, at most max_nodes nodes in all."""
    skills = sorted(snap.skills, key=lambda s: (-s.totals.runs, s.id))
    states = {s.id for s in snap.states}
    keep: set[str] = set()
    links = [e for e in snap.edges if e.kind in ("available_in", "leads_to", "composed_of")]
    by_skill: dict[str, set[str]] = {}
    for e in links:
        if e.kind == "available_in":
            by_skill.setdefault(e.src, set()).add(e.dst)
        elif e.kind == "leads_to":
            by_skill.setdefault(e.key, set()).update((e.src, e.dst))
    for s in skills:
        extra = {s.id} | (by_skill.get(s.id, set()) & states)
        if len(keep | extra) > max_nodes:
            break
        keep |= extra
    g = nx.Graph()
    g.add_nodes_from(sorted(keep))
    for e in links:
        if e.src in keep and e.dst in keep:
            g.add_edge(e.src, e.dst, kind=e.kind)
    return g


def _svg(snap: Snapshot, g: nx.Graph, width: int = 900, height: int = 820) -> str:
    pos = nx.spring_layout(g, seed=7) if len(g) else {}
    skills = {s.id: s for s in snap.skills}
    states = {s.id: s for s in snap.states}

    def xy(node: str) -> tuple[float, float]:
        x, y = pos[node]
        return 30 + (x + 1) / 2 * (width - 160), 30 + (y + 1) / 2 * (height - 60)  # room for labels

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="skill graph">',
        f'<rect width="{width}" height="{height}" fill="#fbfbf8"/>',
    ]
    for a, b, data in g.edges(data=True):
        (x1, y1), (x2, y2) = xy(a), xy(b)
        colour = "#7aa0d0" if data["kind"] == "leads_to" else "#c8c8c8"
        parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"/>'
        )
    for node in g.nodes:
        x, y = xy(node)
        if node in skills:
            s = skills[node]
            name = html.escape(label_of(s))
            parts.append(
                f'<g class="node skill" data-id="{node}"><circle cx="{x:.1f}" cy="{y:.1f}" r="9"'
                f' fill="{_STATUS_COLOUR[s.status]}" stroke="#333"/>'
                f'<text x="{x + 11:.1f}" y="{y + 4:.1f}" font-size="11">{name}</text></g>'
            )
        else:
            label = html.escape(label_of(states[node]) if node in states else node)[:24]
            parts.append(
                f'<g class="node state" data-id="{node}"><rect x="{x - 7:.1f}" y="{y - 7:.1f}"'
                f' width="14" height="14" fill="#4a78c0"/><title>{label}</title></g>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


def _card(skill: Skill, snap: Snapshot) -> str:
    t = skill.totals
    frames = "".join(
        f'<img alt="evidence {sha[:8]}" src="data:image/png;base64,'
        f'{base64.b64encode(snap.evidence[sha]).decode()}">'
        for sha in skill.evidence[:4]
        if sha in snap.evidence
    )
    return (
        f'<div class="card" id="{skill.id}"><h3>{html.escape(label_of(skill))}</h3>'
        f'<div class="id">{skill.id} · {skill.status} · v{skill.version}</div>'
        f"<table><tr><td>runs</td><td>{t.runs}</td></tr>"
        f"<tr><td>acted</td><td>{t.acted.mean:.2f} ({t.acted.successes}/{t.acted.n})</td></tr>"
        f"<tr><td>consistent</td><td>{t.consistent.mean:.2f} "
        f"({t.consistent.successes}/{t.consistent.n})</td></tr>"
        f"<tr><td>progressive</td><td>{t.progressive.mean:.2f} "
        f"({t.progressive.successes}/{t.progressive.n})</td></tr>"
        f"<tr><td>mean cost</td><td>{t.mean_cost:.2f}</td></tr></table>"
        f'<p>{html.escape(skill.description)}</p><div class="frames">{frames}</div></div>'
    )


_STYLE = """
body{font-family:sans-serif;margin:0;display:flex;background:#fff;color:#222}
#graph{flex:0 0 auto}#cards{flex:1;height:100vh;overflow:auto;padding:8px}
.card{border:1px solid #ddd;border-radius:6px;margin:6px 0;padding:6px 10px}
.card.hl{border-color:#d04;box-shadow:0 0 6px #d04}.card h3{margin:2px 0;font-size:15px}
.id{font-size:10px;color:#777}.frames img{width:96px;margin:2px;border:1px solid #ccc;image-rendering:pixelated}
td{font-size:12px;padding:0 8px 0 0}.node{cursor:pointer}h1{font-size:18px;margin:4px 0}
"""
_SCRIPT = """
document.querySelectorAll('.node.skill').forEach(function(n){n.addEventListener('click',
function(){var c=document.getElementById(n.dataset.id);if(!c)return;
document.querySelectorAll('.card.hl').forEach(function(x){x.classList.remove('hl')});
c.classList.add('hl');c.scrollIntoView();});});
"""


def render_html(snap: Snapshot, max_nodes: int = 400) -> str:
    """One offline HTML page: the graph as SVG and a card per shown skill."""
    g = _pick(snap, max_nodes)
    shown = [s for s in snap.skills if s.id in g]
    shown.sort(key=lambda s: (-s.totals.runs, s.id))
    counts = ", ".join(f"{v} {k}" for k, v in snap.counts().items())
    buf = io.StringIO()
    buf.write("<!DOCTYPE html>\n<html><head><meta charset='utf-8'>")
    buf.write(f"<title>skill library {html.escape(snap.library_id)}</title>")
    buf.write(f"<style>{_STYLE}</style></head><body>")
    buf.write(f'<div id="graph">{_svg(snap, g)}</div><div id="cards">')
    buf.write(f"<h1>Library {html.escape(snap.library_id)}</h1><p>{counts}")
    if len(shown) < len(snap.skills):
        buf.write(f"; showing the {len(shown)} most-run skills")
    buf.write("</p>")
    for skill in shown:
        buf.write(_card(skill, snap))
    buf.write(f"</div><script>{_SCRIPT}</script></body></html>\n")
    return buf.getvalue()
