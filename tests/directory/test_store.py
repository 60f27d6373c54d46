"""Storage: saves are all-or-nothing, re-imports replace by key, stale entries are found, tables coexist."""

from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.database import migrate
from bot.database.engine import make_engine
from bot.directory import store
from bot.settings import database_url
from tests.directory.conftest import TODAY, entry, saved


def test_saved_entries_come_back_whole(engine: Engine) -> None:
    original = entry(
        "lambeth-outreach",
        ("borough:Lambeth", "postcode_district:SE11"),
        who_for=("women",),
        languages=("English", "Somali"),
        hours="Mon-Fri 09:00-17:00",
        web_chat="https://chat.example.org/x",
    )
    saved(engine, [original])
    assert store.all_entries(engine) == [original]


def test_importing_a_key_again_replaces_the_entry_and_its_areas(engine: Engine) -> None:
    saved(engine, [entry("svc", ("borough:Lambeth",), phone="0808 2000 247")])
    saved(engine, [entry("svc", ("county:Kent",), phone="0808 802 0300")])
    [only] = store.all_entries(engine)
    assert (only.areas, only.phone) == (("county:Kent",), "0808 802 0300")


def test_a_failing_save_leaves_nothing_half_written(engine: Engine) -> None:
    saved(engine, [entry("kept")])
    broken = entry("broken", ("uk", "uk"))  # the same area twice breaks the primary key mid-save
    with pytest.raises(IntegrityError):
        store.save(engine, [entry("new-one"), broken])
    assert [item.key for item in store.all_entries(engine)] == ["kept"]


def test_stale_lists_entries_not_verified_recently(engine: Engine) -> None:
    saved(
        engine,
        [
            entry("fresh", verified_on=TODAY - timedelta(days=10)),
            entry("old", verified_on=TODAY - timedelta(days=200)),
            entry("older", verified_on=TODAY - timedelta(days=400)),
        ],
    )
    assert [item.key for item in store.stale(engine, 180, TODAY)] == ["older", "old"]
    assert store.count(engine) == 3


def test_migrations_are_idempotent_and_leave_rasas_table_alone(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/haven.db")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, data TEXT)"))
        connection.execute(text("INSERT INTO events (data) VALUES ('a conversation')"))
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert {"events", "directory_services", "directory_alembic_version"} <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT data FROM events")).scalar_one() == "a conversation"


def test_the_default_database_is_the_repos_sqlite_file() -> None:
    url = database_url({})
    assert url.startswith("sqlite:////") and url.endswith("/var/haven.db")
    assert database_url({"HAVEN_DATABASE_URL": "postgresql://u@h/db"}) == "postgresql://u@h/db"


def test_the_migrated_schema_matches_the_models(migrated_engine: Engine) -> None:
    """A model changed without a migration would break a real database: compare them."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import bot.directory.models
    import bot.handoff.models
    import bot.staff.models  # noqa: F401  (each defines its tables on METADATA)
    from bot.database.migrate import include_name
    from bot.database.schema import METADATA

    with migrated_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        assert compare_metadata(context, METADATA) == []
