# shellcheck shell=bash disable=SC2034  # ENDPOINTS is for the scripts that source this file
# Sourced by scripts/run and scripts/shell: where everything is stored, from two settings, and who may read it.
#   HAVEN_DATABASE_URL  one SQLAlchemy URL for conversations, gateway state and the directory
#                       (default sqlite:///var/haven.db; postgresql://user@host/db to scale out)
#   HAVEN_REDIS_URL     set (redis://host:6379/0): Rasa's locks and the gateways' bus in Redis, so
#                       several gateways and Rasa instances can share the conversations
# Sets ENDPOINTS to the Rasa endpoints file that matches.
# HAVEN_TRACKER_DIALECT / HAVEN_TRACKER_DB (before HAVEN_DATABASE_URL) still work for an SQLite file.
if [ -z "${HAVEN_DATABASE_URL:-}" ] && [ -n "${HAVEN_TRACKER_DIALECT:-}${HAVEN_TRACKER_DB:-}" ]; then
  if [ "${HAVEN_TRACKER_DIALECT:-sqlite}" != sqlite ]; then
    echo "HAVEN_TRACKER_DIALECT and HAVEN_TRACKER_DB are replaced by one setting, HAVEN_DATABASE_URL" >&2
    echo "(for example postgresql://haven@db.internal/haven): set it and unset them." >&2
    exit 1
  fi
  echo "HAVEN_TRACKER_DB is deprecated: set HAVEN_DATABASE_URL=sqlite:///${HAVEN_TRACKER_DB:-var/haven.db} instead." >&2
  export HAVEN_DATABASE_URL="sqlite:///${HAVEN_TRACKER_DB:-var/haven.db}"
fi
export HAVEN_DATABASE_URL="${HAVEN_DATABASE_URL:-sqlite:///var/haven.db}"
export HAVEN_REDIS_URL="${HAVEN_REDIS_URL:-}"
export HAVEN_REDIS_PREFIX="${HAVEN_REDIS_PREFIX:-haven:}"
ENDPOINTS=endpoints.yml
if [ -n "$HAVEN_REDIS_URL" ]; then
  ENDPOINTS=endpoints-scaleout.yml
fi
# Everything Haven writes is its own user's only (docs/privacy.md): new files 0600 and folders 0700, and var/
# (the SQLite database, the secrets) made so too, however an older version left it.
umask 077
mkdir -p var
chmod -R go= var || { echo "Could not make var/ readable by $(id -un) only: are some of its files another user's?" >&2; exit 1; }
