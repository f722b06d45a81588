"""The bound on sign-ins per second set by one password verification per sign-in.

Runs Portico's own check_password (Argon2, the configured hasher) against the seeded user's stored hash: the
time of one verification, and how many verifications per second PROCESSES processes complete together in
SECONDS seconds (as many processes as the server has workers). Prints one JSON line.

    python bench/password_bound.py PROCESSES SECONDS
"""

import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _setup() -> tuple[str, str]:
    import django

    django.setup()
    from accounts.models import User

    return User.objects.get(username="demo").password, "demo-password"


def _worker(args: tuple[float, float, str, str]) -> float:
    start_at, seconds, encoded, password = args
    import django

    django.setup()
    from django.contrib.auth.hashers import check_password

    time.sleep(max(0.0, start_at - time.time()))  # every process starts together, after its set-up
    done = 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if not check_password(password, encoded):
            raise SystemExit("password does not verify")
        done += 1
    return done / (time.monotonic() - started)


def main() -> None:
    processes, seconds = int(sys.argv[1]), float(sys.argv[2])
    encoded, password = _setup()
    from django.contrib.auth.hashers import check_password

    single = []
    for _ in range(10):
        started = time.perf_counter()
        check_password(password, encoded)
        single.append(time.perf_counter() - started)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        start_at = time.time() + 3
        rates = pool.map(_worker, [(start_at, seconds, encoded, password)] * processes)
    print(
        json.dumps(
            {
                "hasher": encoded.split("$", 1)[0],
                "single_ms": statistics.median(single) * 1000,
                "processes": processes,
                "per_second": sum(rates),
            }
        )
    )


if __name__ == "__main__":
    main()
