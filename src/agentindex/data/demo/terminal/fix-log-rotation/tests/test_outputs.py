"""Check the rotated /app/logs, then run rotate.sh on fresh fixtures (KEEP=2 twice, default KEEP)."""

import subprocess
import tempfile
from pathlib import Path


def tree(root: Path) -> dict:
    """Relative path -> content for files, None for directories."""
    return {str(p.relative_to(root)): (p.read_text() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def log(name: str, empty: bool = False) -> tuple:
    service, date = name[:-4].rsplit("-", 1)
    return name, "" if empty else f"{service} {date}\n"


def make(root: Path, files: dict) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def rotate(root: Path, *keep: str) -> None:
    subprocess.run(["bash", "/app/rotate.sh", str(root), *keep], timeout=30, check=False)


def expect(root: Path, files: dict, what: str) -> None:
    dirs = {str(p) for rel in files for p in Path(rel).parents if str(p) != "."}
    want = {**{d: None for d in dirs}, **files}
    got = tree(root)
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    assert not missing and not extra, f"{what}: missing {missing}, unexpected {extra}"
    wrong = [k for k in want if got[k] != want[k]]
    assert not wrong, f"{what}: wrong content in {wrong}"


def check_app_logs() -> None:
    kept = [log(n) for n in [
        "web-20240103.log", "web-20240104.log", "web-20240105.log",
        "web-admin-20240110.log", "web-admin-20240111.log", "web-admin-20240112.log",
        "auth-api-20231230.log", "auth-api-20240102.log",
        "db-20231231.log", "db-20240101.log", "db-20240201.log"]]
    kept.append(log("auth-api-20231229.log", empty=True))  # empty but among the newest 3
    archived = [("archive/web/" + n, c) for n, c in [log("web-20240101.log")]]
    archived += [("archive/web-admin/" + n, c) for n, c in [log("web-admin-20240103.log")]]
    archived += [("archive/db/" + n, c) for n, c in [log("db-20231130.log")]]
    other = [("web-current.log", "web current\n"),
             ("README.txt", "Logs of the demo services. Rotated by /app/rotate.sh.\n")]
    expect(Path("/app/logs"), dict(kept + archived + other), "/app/logs")


def check_fixture_keep_2(tmp: Path) -> None:
    root = tmp / "a"
    untouched = {"api-2024031.log": "7 digits\n", "api-latest.log": "x\n", "notes.log": "n\n",
                 "api-20240301.log.1": "old\n", "archive/api/api-20240101.log": "api 20240101\n"}
    make(root, {**untouched, **dict(log(n) for n in [
        "api-20240215.log", "api-20240301.log", "api-20240302.log",
        "api-v2-20240101.log", "api-v2-20240301.log",
        "cron-20231231.log", "cron-20240105.log", "cron-20240110.log"]),
        **dict([log("cron-20240101.log", empty=True)])})
    want = {**untouched, **dict(log(n) for n in [
        "api-20240301.log", "api-20240302.log", "api-v2-20240101.log", "api-v2-20240301.log",
        "cron-20240105.log", "cron-20240110.log"])}
    want["archive/api/api-20240215.log"] = log("api-20240215.log")[1]
    want["archive/cron/cron-20231231.log"] = log("cron-20231231.log")[1]
    rotate(root, "2")
    expect(root, want, "fixture with KEEP=2")
    rotate(root, "2")
    expect(root, want, "fixture with KEEP=2, second run")


def check_fixture_default_keep(tmp: Path) -> None:
    root = tmp / "b"
    names = [f"svc-2024{m:02d}01.log" for m in range(1, 6)]
    make(root, dict(log(n) for n in names))
    rotate(root)
    want = dict(log(n) for n in names[2:])
    want.update({f"archive/svc/{n}": c for n, c in (log(n) for n in names[:2])})
    expect(root, want, "fixture with default KEEP")


def main() -> None:
    check_app_logs()
    with tempfile.TemporaryDirectory() as tmp:
        check_fixture_keep_2(Path(tmp))
        check_fixture_default_keep(Path(tmp))
    print("all checks passed")


if __name__ == "__main__":
    main()
