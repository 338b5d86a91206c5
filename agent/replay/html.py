"""A self-contained HTML report of one recording: one file, inline CSS/JS/SVG, frames as base64.

Sections: the run's figures, the progress signal and settle times over time (inline SVG charts),
and a timeline with one row per step: the frame before with the action drawn on it, the action,
settle time, whether it acted, and every optional field the run recorded (state, skill, judgement,
reflection, guidelines, skills created, model calls with tokens and cost, progress, errors).
Nothing is fetched from the network when the file is opened.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2

from agent.replay.overlay import draw_action
from agent.replay.reader import RecordedStep, Replay
from agent.replay.summary import summarize
from agent.types import describe_action

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;padding:16px 24px;background:#f6f6f4;color:#222}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:22px 0 8px}
.meta{color:#555} .damage{background:#fff1d6;border:1px solid #e0b050;padding:8px 12px;margin:10px 0}
.figs{display:flex;flex-wrap:wrap;gap:10px} .fig{background:#fff;border:1px solid #ddd;padding:6px 10px}
.fig b{display:block;font-size:18px}
table{border-collapse:collapse;background:#fff;width:100%} td,th{border:1px solid #ddd;padding:4px 6px;
vertical-align:top;text-align:left;max-width:280px;overflow-wrap:anywhere}
th{background:#eee;position:sticky;top:0} td.action{min-width:190px}
td img{width:240px;cursor:zoom-in;display:block} tr.noact td.acted{color:#b33}
#zoom{display:none;position:fixed;inset:0;background:rgba(0,0,0,.85);align-items:center;
justify-content:center} #zoom img{max-width:96vw;max-height:96vh}
svg{background:#fff;border:1px solid #ddd} .small{font-size:12px;color:#666}
"""

_JS = """
function zoom(img){const z=document.getElementById('zoom');z.firstChild.src=img.src;z.style.display='flex';}
function filterRows(q){q=q.toLowerCase();for(const r of document.querySelectorAll('tbody tr')){
r.style.display=r.textContent.toLowerCase().includes(q)?'':'none';}}
"""


def _e(value: object) -> str:
    return html.escape(str(value))


def _thumbnail(replay: Replay, step: RecordedStep, width: int) -> str:
    frame = replay.frame(step.before_sha)
    image = draw_action(frame.image, step.action, scale=frame.scale, width=width)
    ok, jpg = cv2.imencode(
        ".jpg", cv2.cvtColor(image, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 72]
    )
    if not ok:
        return ""
    data = base64.b64encode(jpg.tobytes()).decode()
    return f'<img alt="step {step.index}" src="data:image/jpeg;base64,{data}" onclick="zoom(this)">'


def line_chart(
    values: Sequence[tuple[int, float]], *, title: str, unit: str = "", w: int = 640, h: int = 160
) -> str:
    """An inline SVG line chart of (step, value) points with min/max labels."""
    if not values:
        return f'<p class="small">{_e(title)}: nothing recorded</p>'
    xs = [x for x, _ in values]
    ys = [y for _, y in values]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    y0, y1 = min(ys), max(ys) if max(ys) > min(ys) else min(ys) + 1
    pad = 34

    def px(x: float, y: float) -> str:
        sx = pad + (x - x0) / (x1 - x0) * (w - 2 * pad)
        sy = h - pad + (pad * 2 - h) * (y - y0) / (y1 - y0)
        return f"{sx:.1f},{sy:.1f}"

    points = " ".join(px(x, y) for x, y in values)
    return (
        f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{_e(title)}">'
        f'<text x="{pad}" y="16" font-size="12">{_e(title)}</text>'
        f'<line x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}" stroke="#999"/>'
        f'<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}" stroke="#999"/>'
        f'<polyline fill="none" stroke="#3366cc" stroke-width="2" points="{points}"/>'
        f'<text x="2" y="{pad + 4}" font-size="10">{y1:g}{_e(unit)}</text>'
        f'<text x="2" y="{h - pad}" font-size="10">{y0:g}{_e(unit)}</text>'
        f'<text x="{pad}" y="{h - pad + 14}" font-size="10">step {x0}</text>'
        f'<text x="{w - pad - 40}" y="{h - pad + 14}" font-size="10">step {x1}</text></svg>'
    )


_OPTIONAL = (
    ("state", lambda s: s.state_id or ""),
    ("skill", lambda s: s.skill_id or ""),
    ("judgement", lambda s: s.judgement or ""),
    ("reflection", lambda s: s.reflection or ""),
    ("guidelines", lambda s: "; ".join(s.guidelines)),
    ("skills created", lambda s: "; ".join(s.skills_created)),
    (
        "model calls",
        lambda s: (
            (
                f"{len(s.model_calls)} call(s): "
                + ", ".join(
                    f"{c.prompt_id} {c.tokens_in}+{c.tokens_out} tok" for c in s.model_calls
                )
                + f"; ${s.cost:.4f}"
            )
            if s.model_calls
            else ""
        ),
    ),
    ("progress", lambda s: "" if s.progress is None else f"{s.progress:g}"),
    ("errors", lambda s: "; ".join(s.errors)),
    ("other", lambda s: "; ".join(f"{k}={v}" for k, v in s.extra)),
)


def render_html(
    replay: Replay,
    *,
    thumb_width: int = 320,
    on_step: Callable[[int], None] | None = None,
) -> str:
    """The full report as one HTML string."""
    summary = summarize(replay)
    steps = replay.steps
    columns = [(name, get) for name, get in _OPTIONAL if any(get(s) for s in steps)]
    rows = []
    for step in steps:
        cells = [
            f"<td>{step.index}</td>",
            f"<td>{_thumbnail(replay, step, thumb_width)}</td>",
            f'<td class="action">{_e(describe_action(step.action))}'
            + (f'<div class="small">{_e(step.summary)}</div>' if step.summary else "")
            + "</td>",
            f"<td>{step.settle_s * 1000:.0f} ms</td>",
            f'<td class="acted">{"yes" if step.acted else "no"} ({step.changed:.1%})</td>',
        ]
        cells += [f"<td>{_e(get(step))}</td>" for _, get in columns]
        rows.append(f'<tr class="{"act" if step.acted else "noact"}">{"".join(cells)}</tr>')
        if on_step:
            on_step(step.index)
    head = "".join(
        f"<th>{_e(h)}</th>"
        for h in ["step", "frame before + action", "action", "settle", "acted"]
        + [name for name, _ in columns]
    )
    figures = [
        (
            "steps",
            f"{summary.steps}"
            + (f" of {summary.recorded_steps}" if summary.recorded_steps != summary.steps else ""),
        ),
        (
            "responsive",
            "-" if summary.responsive_rate is None else f"{summary.responsive_rate:.0%}",
        ),
        (
            "settle median",
            "-" if summary.settle_median_ms is None else f"{summary.settle_median_ms:.0f} ms",
        ),
        ("states", summary.states),
        ("skills used", len(summary.skills_used)),
        ("skills created", len(summary.skills_created)),
        ("reflections", summary.reflections),
        ("model calls", summary.model_calls),
        ("tokens", summary.tokens),
        ("cost", f"${summary.cost:.4f}"),
        ("ended", summary.ended),
    ]
    damage = "".join(f"<li>{_e(d)}</li>" for d in summary.damage)
    progress = [(s.index, s.progress) for s in steps if s.progress is not None]
    settle = [(s.index, round(s.settle_s * 1000, 1)) for s in steps]
    m = replay.manifest
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>bottomup replay: {_e(replay.name)}</title><style>{_CSS}</style>"
        f"<script>{_JS}</script></head><body>"
        f"<h1>{_e(m.game)} — {_e(replay.name)}</h1>"
        f'<div class="meta">agent {_e(m.agent_id)} · policy {_e(replay.policy_name or "?")} · '
        f"seed {_e(m.seed)} · started {_e(m.started_at)}</div>"
        + (f'<div class="damage"><b>Damage</b><ul>{damage}</ul></div>' if damage else "")
        + '<h2>Figures</h2><div class="figs">'
        + "".join(f'<div class="fig">{_e(k)}<b>{_e(v)}</b></div>' for k, v in figures)
        + "</div><h2>Over time</h2>"
        + line_chart(progress, title="progress signal")
        + " "
        + line_chart(settle, title="settle time", unit=" ms")
        + "<h2>Timeline</h2>"
        + '<p><input placeholder="filter steps…" oninput="filterRows(this.value)"></p>'
        + f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + '<div id="zoom" onclick="this.style.display=\'none\'"><img alt="zoomed frame"></div>'
        + "</body></html>"
    )


def write_html(replay: Replay, out: Path, **kwargs) -> Path:
    """Write the report to `out` (refusing to write inside the recording folder)."""
    out = Path(out)
    if out.resolve().is_relative_to(replay.path.resolve()):
        from agent.replay.reader import ReplayError

        raise ReplayError(f"{out}: reports are not written inside the recording folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(replay, **kwargs), encoding="utf-8")
    return out
