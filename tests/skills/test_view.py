"""Views: GraphML/GEXF/JSON that networkx reads back, and an HTML page chromium renders offline."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from skills.view import render
from tests.chromium import chromium
from tests.skills.libraries import sample_library


def test_graphml_and_gexf_read_back_with_stats() -> None:
    snap = sample_library()
    play = snap.skills[0]
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        g = reader(io.BytesIO(render(snap, fmt).encode()))
        assert g.number_of_nodes() == len(snap.node_ids()), fmt
        assert g.number_of_edges() == len(snap.edges), fmt
        assert g.nodes[play.id]["label"] == "click 'Play'"
        assert int(g.nodes[play.id]["runs"]) == 4


def test_node_link_json_matches_the_library() -> None:
    snap = sample_library()
    data = json.loads(render(snap, "json"))
    g = nx.node_link_graph(data, directed=True, multigraph=True, edges="links")
    assert set(g.nodes) == snap.node_ids()
    kinds = sorted(d["kind"] for _, _, d in g.edges(data=True))
    assert kinds == ["about", "available_in", "leads_to"]


def test_html_is_self_contained() -> None:
    page = render(sample_library(), "html")
    assert "click &#x27;Play&#x27;" in page or "click 'Play'" in page
    assert "data:image/png;base64," in page
    for remote in ('src="http', "src='http", 'href="http', "<link", "@import", "url(http"):
        assert remote not in page
    assert "<svg" in page and "<script>" in page


@pytest.mark.chromium
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_chromium_renders_the_graph_offline(tmp_path: Path) -> None:
    import cv2

    page = tmp_path / "library.html"
    page.write_text(render(sample_library(), "html"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    chromium(f"--screenshot={shot}", "--window-size=1280,900", page.as_uri())
    image = cv2.imread(str(shot))
    assert image is not None, "chromium wrote no screenshot"
    assert image.shape[:2] == (900, 1280)
    graph_area = image[:800, :880].reshape(-1, 3)  # inside the SVG
    colours, counts = np.unique(graph_area, axis=0, return_counts=True)
    drawn = 1 - counts.max() / counts.sum()
    assert drawn > 0.002, f"only {drawn:.4f} of the graph area is drawn: blank"
    graph_area = image[:, :900]
    blue = np.all(np.abs(graph_area.astype(int) - [192, 120, 74]) < 30, axis=2)  # BGR state boxes
    assert blue.sum() > 50
    dom = chromium("--dump-dom", page.as_uri()).stdout.decode()
    assert "click 'Play'" in dom
    assert "<svg" in dom
