"""Compare /app/output/employees.json with the expected records (parsed, so formatting is free)."""

import json

EXPECTED = [
    {"id": 3, "name": "Alan M. Turing", "email": "alan.turing@example.com",
     "department": "Research", "salary": 91500, "active": True, "start_date": "2018-06-23"},
    {"id": 7, "name": "Grace Hopper", "email": "grace@example.com",
     "department": "Engineering", "salary": 98000, "active": True, "start_date": "2019-12-09"},
    {"id": 9, "name": "Edsger Dijkstra", "email": "edsger@example.com",
     "department": "Engineering", "salary": None, "active": False, "start_date": "2017-05-11"},
    {"id": 10, "name": "Barbara Liskov", "email": "barbara@example.com",
     "department": "Research", "salary": 105250, "active": True, "start_date": "2016-11-07"},
    {"id": 12, "name": "Lovelace, Ada", "email": "ada@example.com",
     "department": None, "salary": None, "active": False, "start_date": "2020-12-10"},
]


def main() -> None:
    with open("/app/output/employees.json", encoding="utf-8") as f:
        actual = json.load(f)
    assert isinstance(actual, list), "top level must be an array"
    assert [r.get("id") for r in actual] == [r["id"] for r in EXPECTED], \
        f"ids/order: {[r.get('id') for r in actual]}"
    for got, want in zip(actual, EXPECTED):
        assert got == want, f"record {want['id']}: {got} != {want}"
        # bool is an int subclass in Python; insist on JSON true/false and real integers.
        assert type(got["active"]) is bool and type(got["id"]) is int
        assert got["salary"] is None or type(got["salary"]) is int
    print("all checks passed")


if __name__ == "__main__":
    main()
