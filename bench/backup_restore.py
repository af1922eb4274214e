"""A backup and its restore, measured: pg_dump -Fc of a fresh database, pg_restore into
another, and every förbund's content hash compared (``finsam.content_hash``).

    .venv/bin/python bench/backup_restore.py              # the demo data (load_demo)
    .venv/bin/python bench/backup_restore.py --national   # bench/national.py's 80 förbund

Needs PostgreSQL on 127.0.0.1:5432 (user ``postgres``, no password) and pg_dump and
pg_restore on the PATH. Its databases are ``backup_bench_src`` and ``backup_bench_dst``
(with ``--national`` also ``backup_bench_national_5``, the five-förbund stage of the
build); they are dropped at the end, also on failure or Ctrl-C, unless ``--keep``.
Exit status 1 when a förbund's hash differs after the restore or the bench could not run.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import abuse  # noqa: E402 (the abuse bench's helpers: a PostgreSQL admin connection)
import national  # noqa: E402 (the 80-förbund build)
from abuse import BenchError  # noqa: E402
from scaleout import manage  # noqa: E402

SOURCE, TARGET, NATIONAL_5 = "backup_bench_src", "backup_bench_dst", "backup_bench_national_5"
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]


def database_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def child_env(name: str) -> dict:
    env = abuse.production_env(mail_port=1)  # nothing is sent: mail waits in the outbox
    env.update(DATABASE_URL=database_url(name), TASKS_BACKEND="database")
    return env


def recreate(name: str, *, create: bool = True) -> None:
    from psycopg import sql

    with abuse.admin_connection() as connection:
        identifier = sql.Identifier(name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        if create:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(identifier))


def print_hashes() -> None:
    """In a child process on one database: slug -> [rows, digest], as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsam.settings")
    import django

    django.setup()
    from finsam.content_hash import content_hashes

    found = {slug: [h.rows, h.digest] for slug, h in content_hashes().items()}
    print("HASHES " + json.dumps(found))


def hashes_of(name: str) -> tuple[dict, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--print-hashes"],
        cwd=ROOT,
        env=child_env(name),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"hashing {name} failed:\n{done.stderr[-2000:]}")
    line = next(line for line in done.stdout.splitlines() if line.startswith("HASHES "))
    return json.loads(line.removeprefix("HASHES ")), time.perf_counter() - started


def run(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"{command[0]} failed (status {done.returncode}):\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def build(args) -> tuple[str, float]:
    started = time.perf_counter()
    if args.national:
        national.DATABASES = {5: NATIONAL_5, 80: SOURCE}
        national.build({5: child_env(NATIONAL_5), 80: child_env(SOURCE)})
        recreate(NATIONAL_5, create=False)
        what = "bench/national.py's data set (80 förbund × 10 plan years)"
    else:
        recreate(SOURCE)
        manage(child_env(SOURCE), "migrate", "--noinput", "-v0")
        manage(child_env(SOURCE), "load_demo")
        what = "the demo data (migrate, load_demo)"
    return what, time.perf_counter() - started


def database_size(name: str) -> int:
    with abuse.admin_connection() as connection:
        return connection.execute("SELECT pg_database_size(%s)", [name]).fetchone()[0]


def mib(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB"


def bench(args, tmp: Path) -> bool:
    what, built = build(args)
    print(f"built {SOURCE} from {what} in {built:.0f} s", flush=True)
    source_hashes, hashed = hashes_of(SOURCE)
    dump = tmp / "finsam.dump"
    dumped = run(["pg_dump", *PG, "--format=custom", "--no-owner", "-f", str(dump), SOURCE])
    recreate(TARGET)
    restore = ["pg_restore", *PG, "--no-owner", "--exit-on-error", f"--jobs={args.jobs}"]
    restored = run([*restore, "-d", TARGET, str(dump)])
    target_hashes, _ = hashes_of(TARGET)

    print()
    print(
        f"PostgreSQL, {what}; database {mib(database_size(SOURCE))}, "
        f"{len(source_hashes)} förbund, nproc {os.cpu_count()}"
    )
    print(f"pg_dump --format=custom      {dumped:7.1f} s   dump file {mib(dump.stat().st_size)}")
    print(f"pg_restore --jobs={args.jobs} (fresh DB) {restored:7.1f} s")
    print(f"content hashes, one database {hashed:7.1f} s")
    print()
    print(f"{'förbund':40} {'rows':>8}  {'hash (first 16)':16}  restored")
    same = 0
    for slug, (rows, digest) in source_hashes.items():
        back = target_hashes.get(slug)
        match = back == [rows, digest]
        same += match
        if len(source_hashes) <= 20 or not match:  # 80 förbund: only the differing ones
            print(f"{slug:40} {rows:8}  {digest[:16]}  {'same' if match else 'DIFFERENT'}")
    extra = set(target_hashes) - set(source_hashes)
    total = sum(rows for rows, _digest in source_hashes.values())
    print(f"{'all':40} {total:8}  {'':16}  {same} of {len(source_hashes)} the same")
    if extra:
        print(f"förbund in the restore only: {sorted(extra)}")
    return same == len(source_hashes) and not extra


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", action="store_true", help="80 förbund (bench/national.py)")
    parser.add_argument("--jobs", type=int, default=1, help="pg_restore --jobs [1]")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            raise BenchError(f"{tool} is missing (Debian: postgresql-client)")
    # A plain `kill` must still drop the databases, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with tempfile.TemporaryDirectory(prefix="finsam-backup-bench-") as tmp:
        try:
            return 0 if bench(args, Path(tmp)) else 1
        finally:
            if not args.keep:
                for name in (SOURCE, TARGET, NATIONAL_5):
                    recreate(name, create=False)


if __name__ == "__main__":
    try:
        if sys.argv[1:2] == ["--print-hashes"]:
            print_hashes()
        else:
            sys.exit(main())
    except BenchError as error:
        sys.exit(f"error: {error}")
    except KeyboardInterrupt:
        sys.exit(130)
