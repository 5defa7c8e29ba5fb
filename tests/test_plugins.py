"""The one extension mechanism: a package installed beside storyline adds a component to each of the six groups
through entry points, and the command line, the pipeline and the export use them as they use the built-ins.

The example plugin (tests/plugin_example) is installed the way pip leaves a package: its module and a
.dist-info folder with entry_points.txt, on the import path (sys.path in-process, PYTHONPATH for the CLI).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.conftest import STORYLINE_BIN

from storyline.errors import ConfigurationError
from storyline.export import FORMATS
from storyline.plugins import Registry
from storyline.settings import Settings
from storyline.store import open_store

EXAMPLE = Path(__file__).parent / "plugin_example" / "storyline_example_plugin.py"
ENTRY_POINTS = {
    "storyline.sources": {"wire": "reader"},
    "storyline.extractors": {"text/x-wire": "extract_wire"},
    "storyline.ner": {"shouting": "shouting_entities"},
    "storyline.embedders": {"hashing": "HashingEmbedder"},
    "storyline.claims": {"said": "said_claims"},
    "storyline.exporters": {"tsv": "tsv", "jsonl": "tsv", "broken": "no_such_name"},
}
WIRE = (
    "WIRE/1\nTitle: {title}\nDate: {date}\n\n{body}\n"
    "%%\n"
    "WIRE/1\nTitle: {title} (update)\nDate: {date}\n\n{body} The ministry announced a review on Friday.\n"
)


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A folder holding the example plugin as an installed distribution."""
    folder = tmp_path / "site"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder)
    dist = folder / "storyline_example_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: storyline-example-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "".join(
            f"[{group}]\n" + "".join(f"{name} = storyline_example_plugin:{target}\n" for name, target in names.items())
            for group, names in ENTRY_POINTS.items()
        )
    )
    return folder


@pytest.fixture
def installed(plugin_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(plugin_path))
    return plugin_path


def _storyline(plugin_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join(p for p in (str(plugin_path), os.environ.get("PYTHONPATH")) if p)
    environment = {**os.environ, "PYTHONPATH": path, **(env or {})}
    return subprocess.run(
        [str(STORYLINE_BIN), *args], capture_output=True, text=True, env=environment, timeout=300, check=False
    )


def test_plugins_lists_every_group_with_who_provides_each_name(plugin_path: Path) -> None:
    done = _storyline(plugin_path, "plugins", "--json")
    assert done.returncode == 0, done.stderr
    rows = {(r["group"], r["name"]): r for r in json.loads(done.stdout)}
    for group, names in ENTRY_POINTS.items():
        assert any(r["provider"] == "storyline" for (g, _), r in rows.items() if g == group), group  # built-ins
        for name, target in names.items():
            row = rows[(group, name)]
            assert row["provider"] == "storyline-example-plugin 1.0"
            assert row["target"] == f"storyline_example_plugin:{target}"
    assert rows[("storyline.exporters", "jsonl")]["shadowed"]  # a built-in name is never taken over
    assert not rows[("storyline.exporters", "tsv")]["shadowed"]
    # Without the plugin on the path, only the built-ins.
    alone = json.loads(_storyline(plugin_path.parent / "empty", "plugins", "--json").stdout)
    assert {r["provider"] for r in alone} == {"storyline"}


def test_every_hook_is_used_by_an_ingest_and_an_export(plugin_path: Path, tmp_path: Path) -> None:
    """A wire file read by the plugin's reader and extractor, analysed with its embedder and NER, its claims read
    by its extractor, and exported in its format; the NER backend is recorded with each analysis."""
    news = tmp_path / "news"
    news.mkdir()
    body = (
        "The harbour authority of Brenta said on Monday that ACME will build a new container quay with forty"
        " berths, after years of planning and a long public consultation."
    )
    (news / "harbour.wire").write_text(WIRE.format(title="Harbour quay", date="2025-10-06", body=body))
    (news / "unnamed").write_text(WIRE.format(title="Sniffed", date="2025-10-07", body=body.replace("forty", "fifty")))
    db = tmp_path / "wire.db"
    done = _storyline(
        plugin_path,
        "--db",
        str(db),
        "ingest",
        str(news),
        "--workers",
        "1",
        "--claims",
        "said",
        "--ner",
        "shouting",
        "--json",
        env={"STORYLINE_EMBEDDER": "hashing"},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["new_articles"] == 4  # two stories in each file, one found by its first bytes
    store = open_store(db)
    try:
        articles = list(store.articles())
        assert {a.extractor for a in articles} == {"text/x-wire"}
        assert sorted(a.title or "" for a in articles)[0] == "Harbour quay"
        assert {a.published.value.date().isoformat() for a in articles if a.published} == {"2025-10-06", "2025-10-07"}
        analyses = store.analysed([a.id for a in articles])
        assert {(x.embedder, x.ner) for _, x in analyses.values()} == {("hashing", "shouting")}
        assert all(x.embedding.shape == (64,) for _, x in analyses.values())
        # The rules alone type ACME as MISC; the plugin's backend makes it an organisation.
        assert all(("name:acme", "ORG") in {(e.key, e.type) for e in x.entities} for _, x in analyses.values())
        claims = store.claims([a.id for a in articles])
        said = [c for found in claims.values() for c in found]
        assert len(said) == 2 and all("announced" in c.evidence for c in said)
        assert len(store.story_ids_of([a.id for a in articles])) == 4
    finally:
        store.close()
    exported = tmp_path / "articles.tsv"
    done = _storyline(plugin_path, "--db", str(db), "export", "--format", "tsv", "--output", str(exported))
    assert done.returncode == 0, done.stderr
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 and all(line.count("\t") == 2 and "\tst_" in line for line in lines)


def test_a_name_nobody_registered_or_a_plugin_that_fails_is_a_configuration_error(installed: Path) -> None:
    with pytest.raises(
        ConfigurationError, match=r"unknown export format 'xml'; known: jsonl, csv, parquet, broken, tsv"
    ):
        FORMATS.get("xml")
    with pytest.raises(ConfigurationError, match=r"'broken' from storyline-example-plugin 1.0 .* could not be loaded"):
        FORMATS.get("broken")
    assert FORMATS.get("tsv").binary is False
    assert FORMATS.get("jsonl") is not FORMATS.get("tsv")  # the built-in


def test_a_bad_component_on_the_command_line_is_a_usage_error(plugin_path: Path, tmp_path: Path) -> None:
    for args in (["ingest", str(tmp_path), "--claims", "nope"], ["ingest", str(tmp_path), "--ner", "nope"]):
        done = _storyline(plugin_path, "--db", str(tmp_path / "x.db"), *args)
        assert done.returncode == 2 and "unknown" in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = _storyline(plugin_path, "--db", str(tmp_path / "x.db"), "export", "--format", "broken")
    assert done.returncode == 2 and "could not be loaded" in done.stderr and "Traceback" not in done.stderr


def test_a_registry_keeps_built_ins_first_and_loads_a_plugin_once(installed: Path) -> None:
    readers: Registry[object] = Registry("storyline.sources", "source reader")
    readers.register("text", "built-in")
    assert readers.names() == ["text", "wire"]
    assert "wire" in readers and "nope" not in readers
    assert readers.get("wire") is readers.get("wire")
    assert [name for name, _ in readers.plugins()] == ["wire"]
    assert Settings().ner == ""  # no NER backend unless asked for
