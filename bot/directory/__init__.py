"""The services directory behind `action_find_services`: organisations, their services and the areas they cover.

One concern per module: `db` (engine and URL), `models` (tables), `migrations/` (Alembic), `hours`
(opening hours in UK time), `areas` (places to coverage keys), `search` (ranked look-ups), `importer`
(validated CSV/YAML import and export), `seed` (national helplines and the sample set), and the CLI
in `__main__`. See docs/directory.md.
"""
