"""The JSON Schemas of ``report.json`` and ``result.json``, generated from the models.

    python -m agentindex.results.schema --write   # rewrite docs/schema/*.schema.json
    python -m agentindex.results.schema --check   # exit 1 if the files differ from the models
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from agentindex.results.base import Record
from agentindex.results.report import Report
from agentindex.results.trial import TrialResult

SCHEMAS: dict[str, type[Record]] = {"report.schema.json": Report,
                                    "trial.schema.json": TrialResult}
DEFAULT_DIR = Path(__file__).resolve().parents[3] / "docs" / "schema"


def schema_text(model: type[Record]) -> str:
    """The model's JSON Schema (draft 2020-12), as checked in: sorted keys, 2-space indent."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              **model.model_json_schema()}
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale(directory: Path) -> list[str]:
    """The schema files in ``directory`` that are missing or differ from the models."""
    return [name for name, model in SCHEMAS.items()
            if not (directory / name).is_file()
            or (directory / name).read_text() != schema_text(model)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m agentindex.results.schema",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="default: docs/schema")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    if args.write:
        args.dir.mkdir(parents=True, exist_ok=True)
        for name, model in SCHEMAS.items():
            (args.dir / name).write_text(schema_text(model))
            print(f"wrote {args.dir / name}")
        return 0
    bad = stale(args.dir)
    for name in bad:
        print(f"{args.dir / name} differs from the model; run python -m "
              "agentindex.results.schema --write", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
