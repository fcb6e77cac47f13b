"""Check report.sh against an independent computation, on the given and a hidden input."""

import csv
import subprocess
import tempfile
from decimal import Decimal
from pathlib import Path


def expected_report(csv_path: str) -> str:
    revenue = {}
    with open(csv_path, newline="") as f:
        for row in csv.DictReader(line for line in f if line.strip()):
            region = row["region"].strip().lower()
            revenue[region] = revenue.get(region, Decimal(0)) + int(row["units"]) * Decimal(row["unit_price"])
    lines = [f"{r}\t{v:.2f}" for r, v in sorted(revenue.items(), key=lambda kv: (-kv[1], kv[0]))]
    lines.append(f"TOTAL\t{sum(revenue.values()):.2f}")
    return "\n".join(lines) + "\n"


def check(actual_path: Path, csv_path: str) -> None:
    assert actual_path.is_file(), f"{actual_path} was not written"
    actual, expected = actual_path.read_text(), expected_report(csv_path)
    assert actual == expected, f"{actual_path}:\n{actual!r}\nexpected:\n{expected!r}"


def main() -> None:
    check(Path("/app/out/report.txt"), "/app/data/sales.csv")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "nested" / "report.txt"
        subprocess.run(["bash", "/app/report.sh", "/tests/sales_hidden.csv", str(out)],
                       timeout=30, check=False)
        check(out, "/tests/sales_hidden.csv")
    print("all checks passed")


if __name__ == "__main__":
    main()
