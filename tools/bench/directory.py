"""Benchmark: how long a directory look-up takes with 10,000 services (target: p95 under 20 ms).

    python -m tools.bench.directory [--services 10000] [--lookups 500]

Fills a throwaway database (a temporary SQLite file; a temporary schema on PostgreSQL when
HAVEN_BENCH_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test, answers) with services
spread over real boroughs, districts, towns, counties and regions, then times what
action_find_services does per message: resolve the place, build its area chain, search and rank.
Prints p50/p95/p99 in milliseconds. Never touches var/haven.db.
"""

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.database import migrate
from bot.database.engine import make_engine
from bot.directory import store
from bot.directory.areas import UK, Areas, default_areas, key
from bot.directory.entries import Entry
from bot.directory.search import search
from bot.nlp.gazetteer import default_gazetteer
from bot.nlp.vocabulary import NEEDS, WHO_FOR
from tools.bench import percentile

logger = logging.getLogger(__name__)

SEED = 20261121
TARGET_P95_MS = 20.0
POSTGRES_URL = os.environ.get("HAVEN_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
QUERIES = ("SE15 4AB", "Croydon", "Brixton", "Leeds", "M1", "Kent", "Cardiff", "Glasgow", "North West", "Lambteh")
NATIONAL_SHARE = 0.005


def _area_pool(areas: Areas) -> List[str]:
    gazetteer = areas.gazetteer
    pool = [key("borough", name) for name in gazetteer.borough_aliases]
    pool += [key("postcode_district", district) for district in gazetteer.london_districts]
    pool += [key("town", name) for name in gazetteer.towns]
    pool += [key("county", name) for name in gazetteer.counties]
    pool += [key("region", name) for name in gazetteer.regions]
    return pool


def synthetic_entries(count: int, areas: Areas) -> List[Entry]:
    """`count` made-up services (never saved anywhere but the benchmark's own database)."""
    rng = random.Random(SEED)
    pool = _area_pool(areas)
    entries = []
    for number in range(count):
        national = rng.random() < NATIONAL_SHARE
        entries.append(
            Entry(
                key=f"bench-{number}",
                organisation=f"Bench organisation {number % 800}",
                name=f"Bench service {number} (example)",
                description="A made-up service for the benchmark.",
                needs=tuple(rng.sample(sorted(NEEDS), 2)),
                who_for=tuple(rng.sample(sorted(WHO_FOR), rng.choice((0, 0, 1)))),
                areas=(UK,) if national else tuple(sorted(set(rng.sample(pool, rng.choice((1, 1, 2, 3)))))),
                hours=rng.choice(("24/7", "Mon-Fri 09:00-17:00", "Mon-Thu 10:00-20:00; Sat 10:00-14:00", "")),
                phone=f"020 7946 0{number % 1000:03d}",
                national=national,
                verified_on=date(2026, 11, 21),
                source="benchmark",
                sample=True,
            )
        )
    return entries


def lookup_times(engine: Engine, areas: Areas, lookups: int) -> Tuple[List[float], int]:
    """Milliseconds per look-up (resolve, chain, search, rank), and the largest result count seen."""
    gazetteer = default_gazetteer()
    rng = random.Random(SEED)
    times: List[float] = []
    largest = 0
    for number in range(lookups):
        query = QUERIES[number % len(QUERIES)]
        need = rng.choice((None, None, *sorted(NEEDS)))
        started = time.perf_counter()
        matches = search(engine, areas.chain(gazetteer.resolve(query)), need=need)
        times.append((time.perf_counter() - started) * 1000)
        largest = max(largest, len(matches))
    return times, largest


def report(label: str, engine: Engine, services: int, lookups: int) -> bool:
    """Fills `engine`'s database, times look-ups, prints one line; True when p95 meets the target."""
    areas = default_areas()
    migrate.upgrade(engine)
    started = time.perf_counter()
    store.save(engine, synthetic_entries(services, areas))
    fill_s = time.perf_counter() - started
    search(engine, areas.chain(None))  # warm the connection pool
    times, largest = lookup_times(engine, areas, lookups)
    p50, p95, p99 = (percentile(times, share) for share in (0.5, 0.95, 0.99))
    verdict = "OK" if p95 < TARGET_P95_MS else f"OVER the {TARGET_P95_MS:.0f} ms target"
    print(
        f"directory lookup  {label:<10} services={services} lookups={lookups}  "
        f"p50={p50:.2f} ms  p95={p95:.2f} ms  p99={p99:.2f} ms  mean={statistics.mean(times):.2f} ms  "
        f"max results={largest}  (filled in {fill_s:.1f} s)  {verdict}"
    )
    return p95 < TARGET_P95_MS


@contextmanager
def _postgres_schema() -> Iterator[Optional[Engine]]:
    """A throwaway schema on PostgreSQL, or None (with a note) when no server answers."""
    schema = f"haven_directory_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        print(f"directory lookup  postgresql skipped: not reachable at {POSTGRES_URL} ({error.orig})".strip())
        yield None
        return
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.directory", description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=500)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    results = []
    with tempfile.TemporaryDirectory(prefix="haven-bench-") as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'bench.db'}")
        results.append(report("sqlite", engine, args.services, args.lookups))
        engine.dispose()
    with _postgres_schema() as postgres:
        if postgres is not None:
            results.append(report("postgresql", postgres, args.services, args.lookups))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
