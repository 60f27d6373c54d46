"""The two settings that switch Haven to scale-out, read the same way by every process."""

from bot.settings import ROOT, Settings, is_loopback


def test_by_default_everything_is_in_the_repos_sqlite_file_and_there_is_no_redis() -> None:
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{ROOT / 'var' / 'haven.db'}"
    assert settings.redis_url is None and settings.workers == 1


def test_one_database_url_and_a_redis_url_switch_to_scale_out() -> None:
    settings = Settings.from_env(
        {
            "HAVEN_DATABASE_URL": "postgresql://haven:pw@db.internal/haven",
            "HAVEN_REDIS_URL": " redis://redis.internal:6379/0 ",
            "HAVEN_REDIS_PREFIX": "live:",
            "SANIC_WORKERS": "4",
        }
    )
    assert settings.database_url == "postgresql://haven:pw@db.internal/haven", "the password must survive"
    assert settings.redis_url == "redis://redis.internal:6379/0"
    assert (settings.redis_prefix, settings.workers) == ("live:", 4)


def test_the_old_tracker_file_setting_still_works_until_the_url_is_set() -> None:
    assert Settings.from_env({"HAVEN_TRACKER_DB": "/srv/haven/haven.db"}).database_url == "sqlite:////srv/haven/haven.db"
    both = {"HAVEN_TRACKER_DB": "/srv/haven/old.db", "HAVEN_DATABASE_URL": "sqlite:////srv/haven/new.db"}
    assert Settings.from_env(both).database_url == "sqlite:////srv/haven/new.db"


def test_a_blank_redis_url_means_one_instance_as_scripts_run_exports_it() -> None:
    settings = Settings.from_env({"HAVEN_REDIS_URL": "", "HAVEN_REDIS_PREFIX": ""})
    assert settings.redis_url is None and settings.redis_prefix == "haven:"


def test_only_this_machine_counts_as_loopback() -> None:
    """One predicate for the guard, /metrics and the production check."""
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost", "LocalHost"))
    assert not any(is_loopback(host) for host in ("10.0.0.5", "192.168.1.2", "chat.example.org", "", "::ffff:1.2.3.4"))
