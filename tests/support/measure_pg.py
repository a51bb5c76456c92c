"""What the emulator's real PostgreSQL servers cost: start-up time and memory.

`.venv/bin/python tests/support/measure_pg.py [N]` makes N servers (10 by
default) the way a CreateDBInstance does (a copy of the template data
directory, the master user, a start on its own loopback address) and
prints each one's start-up time, then the memory of all N at once, idle
after start-up: the sum of their processes' RSS and of their PSS (shared
pages counted once across processes), both from /proc, and the size of
their files (in /dev/shm, so memory too). The first line is the one-off
initdb of the template.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from emulator import pgserver  # noqa: E402


def memory_kib(pids: list[int]) -> tuple[int, int]:
    rss = pss = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            field, _, rest = line.partition(":")
            if field == "Rss":
                rss += int(rest.split()[0])
            elif field == "Pss":
                pss += int(rest.split()[0])
    return rss, pss


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    started = time.monotonic()
    pgserver.template()
    print(f"template initdb (once per emulator): {time.monotonic() - started:.2f} s")
    times = []
    try:
        for n in range(count):
            started = time.monotonic()
            server = pgserver.new_database("appadmin", "password-1", "app")
            server.start(pgserver.free_address(5432), 5432)
            times.append(time.monotonic() - started)
            print(f"server {n + 1}: {times[-1]:.2f} s to accept connections")
        time.sleep(1)
        pids = pgserver.postgres_processes()
        rss, pss = memory_kib(pids)
        print(
            f"{count} servers, {len(pids)} processes: RSS {rss / 1024:.0f} MiB, "
            f"PSS {pss / 1024:.0f} MiB ({pss / 1024 / count:.1f} MiB a server)"
        )
        files = sum(f.stat().st_size for f in pgserver.root().rglob("*") if f.is_file())
        print(f"their files in {pgserver.root().parent}: {files / 2**20:.0f} MiB (the template included)")
        print(f"start-up: median {statistics.median(times):.2f} s, max {max(times):.2f} s")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    finally:
        pgserver.stop_all()


main()
