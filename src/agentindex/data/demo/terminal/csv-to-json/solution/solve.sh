#!/bin/bash
# Reference solution.
set -euo pipefail
mkdir -p /app/output
python3 - <<'PY'
import csv
import json

rows = {}
with open("/app/input/employees.csv", newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        email = row["email"].strip().lower()
        if not email:
            continue
        salary = row["salary"].strip().replace(",", "")
        day, month, year = row["start_date"].strip().split("/")
        rows[int(row["id"])] = {  # later rows overwrite earlier ones with the same id
            "id": int(row["id"]),
            "name": " ".join(row["name"].split()),
            "email": email,
            "department": row["department"].strip() or None,
            "salary": int(salary) if salary and salary.upper() != "N/A" else None,
            "active": row["active"].strip().lower() in {"yes", "y", "true", "1"},
            "start_date": f"{year}-{month}-{day}",
        }
with open("/app/output/employees.json", "w", encoding="utf-8") as f:
    json.dump([rows[k] for k in sorted(rows)], f, indent=2)
    f.write("\n")
PY
