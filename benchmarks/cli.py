"""CLI start-up: how long each reading command takes on a small store, beside the interpreter's own start.

    python benchmarks/cli.py [--repeat 7]

A store of the sample corpus is built once (ingest with stories); then each command runs as a real
process `--repeat` times and the median wall time is printed, beside two references measured the same
way: a bare `python -c pass` (the floor no command can go under) and `python -c "import storyline.pipeline"`
(what every command paid before the pipeline was imported only where it is used).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STORYLINE = Path(sys.executable).with_name("storyline")


def timed(command: list[str], repeat: int) -> float:
    """Median wall seconds of `repeat` runs (after one warm-up run for the file cache)."""
    subprocess.run(command, capture_output=True, check=True)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per command (median shown)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "sample.db")
        subprocess.run(
            [str(STORYLINE), "--db", db, "ingest", str(REPO / "samples" / "corpus")], capture_output=True, check=True
        )
        listed = json.loads(
            subprocess.run([str(STORYLINE), "--db", db, "articles", "--json"], capture_output=True, check=True).stdout
        )
        stories = json.loads(
            subprocess.run([str(STORYLINE), "--db", db, "stories", "--json"], capture_output=True, check=True).stdout
        )
        commands = {
            "storyline --help": ["--help"],
            "articles": ["--db", db, "articles"],
            "show ID": ["--db", db, "show", listed[0]["id"][:8]],
            "search WORDS": ["--db", db, "search", "Quantix"],
            "stories": ["--db", db, "stories"],
            "story ID": ["--db", db, "story", stories[0]["id"]],
        }
        figures = {
            "python -c pass (floor)": timed([sys.executable, "-c", "pass"], args.repeat),
            "import storyline.pipeline (before)": timed(
                [sys.executable, "-c", "import storyline.pipeline"], args.repeat
            ),
        }
        figures |= {name: timed([str(STORYLINE), *command], args.repeat) for name, command in commands.items()}
    if args.json:
        print(
            json.dumps({"date": date.today().isoformat(), "machine": platform.machine(), "seconds": figures}, indent=2)
        )
        return 0
    print(
        f"CLI start-up, median of {args.repeat} runs; {date.today()}, {platform.machine()}, python {platform.python_version()}"
    )
    for name, seconds in figures.items():
        print(f"{name:<38}{seconds * 1000:>8.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
