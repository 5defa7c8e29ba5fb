"""Alerts: what changed in a story that a reader following it cares about. Pure: a story's kept state and its
overview now in, the state to keep and the alerts out (which watchlists get them is the pipeline's).

A story's state is its languages and, for each event of its timeline, the type, status and independent sources.
Compared with the state kept after the last look, these alert (precision first: what a person acts on):

    new_story                 the story was not there at the last look
    status_change             an event's status became confirmed or denied (a rumour confirmed, a plan denied)
    new_event                 an event of a type the story had not reported
    new_language              the first article in a language
    independent_confirmation  a confirmed event now backed by two or more independent sources

An event is known across looks by its type and the article that first reported it (its participants may be
named more fully as articles arrive, its first report stays).
"""

from __future__ import annotations

from typing import Any

from storyline.model import Alert, StoryOverview, TimelineEntry

ACTIONABLE = ("confirmed", "denied")


def event_key(entry: TimelineEntry) -> str:
    return f"{entry.type}|{entry.first_report.article_id if entry.first_report else entry.id}"


def story_state(story: StoryOverview) -> dict[str, Any]:
    """What the next look compares with."""
    return {
        "languages": sorted(story.language_counts),
        "events": {
            event_key(e): {"type": e.type, "status": e.status, "independent": e.independent_sources or 0}
            for e in story.timeline
        },
    }


def story_changes(before: dict[str, Any] | None, story: StoryOverview) -> list[Alert]:
    """The alerts of a story since its state `before` (None: it is new), for no watchlist yet.

    >>> from storyline.model import StoryOverview
    >>> story = StoryOverview("st_1", "Label", {}, 1, ["en"], {"en": 1}, [], 0, None, None, [], {}, 0, 0.0)
    >>> [a.kind for a in story_changes(None, story)], story_changes(story_state(story), story)
    (['new_story'], [])
    """
    if before is None:
        return [_alert(story, "new_story", "", f"New story: {story.label or story.id}", _story_detail(story))]
    alerts: list[Alert] = []
    seen_types = {event["type"] for event in before.get("events", {}).values()}
    for entry in story.timeline:
        old = before.get("events", {}).get(event_key(entry))
        what = _event_label(entry)
        if old is None:
            if entry.type not in seen_types:
                seen_types.add(entry.type)
                alerts.append(
                    _alert(story, "new_event", entry.type, f"New event: {what} ({entry.status})", _evidence(entry))
                )
            continue
        if entry.status != old["status"] and entry.status in ACTIONABLE:
            title = f"{_status_change(old['status'], entry.status)}: {what}"
            detail = _evidence(entry) | {"previous_status": old["status"]}
            alerts.append(_alert(story, "status_change", f"{event_key(entry)}>{entry.status}", title, detail))
        independent = entry.independent_sources or 0
        if (
            entry.status == "confirmed"
            and independent >= 2
            and (old["status"] != "confirmed" or old["independent"] < 2)
        ):
            title = f"Confirmed by {independent} independent sources: {what}"
            alerts.append(_alert(story, "independent_confirmation", event_key(entry), title, _evidence(entry)))
    for lang in sorted(set(story.language_counts) - set(before.get("languages", []))):
        headline = story.labels.get(lang)
        title = f"First report in {lang}: {headline or story.label or story.id}"
        alerts.append(_alert(story, "new_language", lang, title, {"lang": lang, "headline": headline}))
    return alerts


def _alert(story: StoryOverview, kind: str, subject: str, title: str, detail: dict[str, Any]) -> Alert:
    return Alert("", story.id, kind, subject, title, detail | {"story_label": story.label})


def _story_detail(story: StoryOverview) -> dict[str, Any]:
    return {
        "languages": story.languages,
        "sources": story.sources[:5],
        "statuses": story.statuses,
        "entities": [e.label for e in story.entities[:6]],
        "first_seen": story.first_seen,
    }


def _event_label(entry: TimelineEntry) -> str:
    who = ", ".join(entry.participants[:3])
    return f"{entry.type.replace('_', ' ')}" + (f" ({who})" if who else "")


def _status_change(old: str, new: str) -> str:
    """'Rumour confirmed', 'Plan denied', 'Report confirmed'..."""
    nouns = {"rumoured": "Rumour", "planned": "Plan", "reported": "Report", "confirmed": "Confirmation"}
    return f"{nouns.get(old, old.capitalize())} {new}"


def _evidence(entry: TimelineEntry) -> dict[str, Any]:
    """The sentence behind the event's latest status, in its own language, and where it is from."""
    step = next((s for s in reversed(entry.status_history) if s.status == entry.status), None)
    if step is None:
        return {"status": entry.status}
    return {
        "status": entry.status,
        "evidence": step.evidence,
        "lang": step.lang,
        "source": step.source,
        "published": step.published,
        "article_id": step.article_id,
        "participants": entry.participants,
    }
