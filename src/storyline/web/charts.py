"""Layouts of the SVG charts the pages draw: a story's timeline and an entity's stories per month.

Only coordinates and labels are computed here; the templates write the SVG (escaped like every
other string), and the stylesheet colours it, in light and dark mode alike.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from storyline.model import TimelineEntry

WIDTH = 960
NARROW_WIDTH = 360  # the layout for a phone: drawn at its width, so that its text keeps its size
_LEFT, _RIGHT_PAD, _TOP = 72, 20, 34
_LANE = 30
_UNDATED = 84  # width of the column for undated articles
_CLAIM_ROW = 44
MAX_CLAIM_ROWS = 12
_STEPS = [timedelta(days=d) for d in (1, 2, 7, 14)] + ["month", "quarter", "half", "year", "5years"]


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Dot:
    x: float
    y: float
    id: str
    label: str
    lang: str
    duplicate: bool


@dataclass
class Step:
    x: float
    status: str
    label: str
    article_id: str | None


@dataclass
class ClaimRow:
    y: float
    label: str
    status: str
    steps: list[Step]
    segments: list[tuple[float, float]]  # x1, x2 of the lines joining consecutive steps


@dataclass
class Lane:
    lang: str
    y: float
    count: int


@dataclass
class TimelineChart:
    width: int
    height: int
    left: int
    plot_right: float
    lanes: list[Lane]
    dots: list[Dot]
    ticks: list[Tick]
    axis_y: float
    undated_x: float | None
    claims_y: float | None
    claim_rows: list[ClaimRow] = field(default_factory=list)
    hidden_claims: int = 0


def moment(text: str | None) -> datetime | None:
    """A naive datetime from an ISO date at any precision ('2025', '2025-10', '2025-10-03T09:30+02:00').

    Times with a zone become UTC, as the store sorts them; times without one stay as stated.
    """
    if not text:
        return None
    try:
        if len(text) == 4:
            return datetime(int(text), 1, 1)
        if len(text) == 7:
            return datetime(int(text[:4]), int(text[5:7]), 1)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def human_date(text: str | None, precision: str | None = None) -> str:
    """'24 May 2022, 15:02' at the date's own precision ('May 2022', '2022'); '' when unknown."""
    value = moment(text[:16] if text else None)
    if value is None or text is None:
        return ""
    precision = precision or {4: "year", 7: "month", 10: "day"}.get(len(text), "minute")
    if precision == "year":
        return f"{value.year}"
    if precision == "month":
        return f"{calendar.month_abbr[value.month]} {value.year}"
    day = f"{value.day} {calendar.month_abbr[value.month]} {value.year}"
    if precision == "day":
        return day
    zone = text[16:] if len(text) > 16 else ""
    return f"{day}, {value:%H:%M}{' ' + zone if zone else ''}"


def _step_start(value: datetime, step: Any) -> datetime:
    if isinstance(step, timedelta):
        start = value.replace(hour=0, minute=0, second=0, microsecond=0)
        if step.days >= 7:
            start -= timedelta(days=start.weekday())
        return start
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12, "5years": 60}[step]
    if months >= 12:
        years = months // 12
        return datetime(value.year - value.year % years, 1, 1)
    return datetime(value.year, value.month - (value.month - 1) % months, 1)


def _advance(value: datetime, step: Any) -> datetime:
    if isinstance(step, timedelta):
        return value + step
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12, "5years": 60}[step]
    total = value.year * 12 + value.month - 1 + months
    return datetime(total // 12, total % 12 + 1, 1)


def _tick_label(value: datetime, step: Any) -> str:
    if isinstance(step, timedelta):
        return f"{value.day} {calendar.month_abbr[value.month]}"
    if step in ("year", "5years"):
        return str(value.year)
    return f"{calendar.month_abbr[value.month]} {value.year}"


def ticks(start: datetime, end: datetime, scale: Any, most: int = 7) -> list[Tick]:
    """Round dates between start and end, at the finest step that gives at most `most` of them."""
    for step in _STEPS:
        found: list[datetime] = []
        value = _step_start(start, step)
        while value <= end and len(found) <= most:
            if value >= start:
                found.append(value)
            value = _advance(value, step)
        if len(found) <= most:
            return [Tick(round(scale(v), 1), _tick_label(v, step)) for v in found]
    return []


def story_timeline(points: list[dict[str, Any]], timeline: list[TimelineEntry], width: int = WIDTH) -> TimelineChart:
    """Articles as dots by date in one lane per language, and each claimed event's status history below."""
    counts: dict[str, int] = {}
    for p in points:
        counts[p["lang"] or "?"] = counts.get(p["lang"] or "?", 0) + 1
    lanes = [
        Lane(lang, _TOP + i * _LANE, n)
        for i, (lang, n) in enumerate(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    ]
    lane_y = {lane.lang: lane.y for lane in lanes}
    shown = timeline[:MAX_CLAIM_ROWS]
    step_dates = [moment(s.published) for entry in shown for s in entry.status_history]
    dates = [d for d in [moment(p["published_sort"] or p["published"]) for p in points] + step_dates if d]
    undated = any(not p["published_sort"] for p in points) or any(d is None for d in step_dates)
    plot_right = width - _RIGHT_PAD - (_UNDATED if undated else 0)
    first: datetime | None  # the plotted range; None when nothing is dated
    last: datetime | None
    if dates:
        first, last = min(dates), max(dates)
        if last - first < timedelta(days=2):
            first, last = first - timedelta(days=1), last + timedelta(days=1)
        pad = (last - first) * 0.04
        first, last = first - pad, last + pad
    else:
        first = last = None

    def scale(value: datetime) -> float:
        assert first is not None and last is not None
        return _LEFT + (value - first) / (last - first) * (plot_right - _LEFT)

    undated_x = plot_right + _UNDATED / 2 + 4 if undated else None
    dots = []
    taken: dict[tuple[str, int], int] = {}  # dots closer than their size stack up in the lane
    for p in points:
        lang = p["lang"] or "?"
        when = moment(p["published_sort"] or p["published"])
        x = scale(when) if when and first else (undated_x or plot_right)
        slot = (lang, round(x / 9))
        n = taken.get(slot, 0)
        taken[slot] = n + 1
        y = lane_y[lang] + ((n + 1) // 2) * (4 if n % 2 else -4)
        label = f"{p['title'] or '(untitled)'} — {p['source'] or 'unknown source'}, {human_date(p['published'], p['published_precision']) or 'undated'}"
        dots.append(Dot(round(x, 1), y, p["id"], label, lang, bool(p["duplicate_of"])))
    axis_y = _TOP + max(len(lanes), 1) * _LANE - _LANE / 2 + 6
    tick_marks = ticks(first, last, scale) if first and last else []
    rows = []
    claims_y = axis_y + 44 if shown else None
    for i, entry in enumerate(shown):
        y = (claims_y or 0) + 30 + i * _CLAIM_ROW
        steps = []
        for s in entry.status_history:
            when = moment(s.published)
            x = scale(when) if when and first else (undated_x or plot_right)
            label = f"{s.status}: {s.source or 'unknown source'}, {human_date(s.published) or 'undated'}"
            steps.append(Step(round(x, 1), s.status, label, s.article_id))
        segments = [(a.x, b.x) for a, b in pairwise(steps)]
        rows.append(ClaimRow(y, claim_label(entry), entry.status, steps, segments))
    height = int((rows[-1].y + 20) if rows else axis_y + 26)
    return TimelineChart(
        width,
        height,
        _LEFT,
        plot_right,
        lanes,
        dots,
        tick_marks,
        axis_y,
        undated_x,
        claims_y,
        rows,
        max(len(timeline) - len(shown), 0),
    )


def claim_label(entry: TimelineEntry | dict[str, Any]) -> str:
    """'partnership: Leica, Xiaomi' from a timeline entry or a claim (as `Claim.to_dict()`)."""
    if isinstance(entry, TimelineEntry):
        names, kind = list(entry.participants), entry.type.replace("_", " ")
    else:
        names = [n if isinstance(n, str) else n.get("name", "") for n in entry.get("participants") or []]
        kind = str(entry.get("type") or "event").replace("_", " ")
    return f"{kind}: {', '.join(n for n in names if n)}" if names else kind


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass
class MonthsChart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]


def entity_months(months: list[dict[str, Any]], width: int = WIDTH, height: int = 160) -> MonthsChart | None:
    """Bars of the stories that started each month, months without any included."""
    if not months:
        return None
    start, end = moment(months[0]["month"]), moment(months[-1]["month"])
    if start is None or end is None:
        return None
    by_month = {m["month"]: m for m in months}
    series: list[datetime] = []
    value = start
    while value <= end and len(series) < 600:
        series.append(value)
        value = _advance(value, "month")
    top = max(m["stories"] for m in months) or 1
    baseline = height - 26
    slot = (width - _LEFT - _RIGHT_PAD) / len(series)
    bars = []
    for i, month in enumerate(series):
        key = f"{month.year:04d}-{month.month:02d}"
        found = by_month.get(key, {"stories": 0, "articles": 0})
        h = (baseline - 12) * found["stories"] / top
        label = f"{calendar.month_abbr[month.month]} {month.year}: {found['stories']} stories, {found['articles'] or 0} articles"
        bars.append(
            Bar(
                round(_LEFT + i * slot + slot * 0.1, 1),
                round(baseline - h, 1),
                round(max(slot * 0.8, 1), 1),
                round(h, 1),
                label,
            )
        )
    every = max(1, len(series) // 8)
    labels = [
        Tick(round(_LEFT + i * slot + slot / 2, 1), _tick_label(m, "month" if len(series) < 36 else "year"))
        for i, m in enumerate(series)
        if i % every == 0
    ]
    return MonthsChart(width, height, baseline, bars, labels)
