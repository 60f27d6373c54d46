"""The benchmark measures realistic data: its services would pass the charity's own import checks."""

from bot.directory.areas import default_areas
from bot.directory.importer import Row, export_rows, validate
from tests.directory.conftest import TODAY
from tools.bench import percentile
from tools.bench.directory import synthetic_entries


def test_benchmark_services_are_valid_directory_entries() -> None:
    entries = synthetic_entries(300, default_areas())
    rows = [Row(line, values) for line, values in enumerate(export_rows(entries), start=2)]
    assert len(validate(rows, TODAY)) == 300
    assert len({area for entry in entries for area in entry.areas}) > 200


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(number) for number in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50.0, 95.0, 99.0)
    assert percentile([7.0], 0.95) == 7.0
