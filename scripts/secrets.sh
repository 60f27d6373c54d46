# shellcheck shell=bash
# Sourced by scripts/run and scripts/shell: a secret from the environment, or else from a file under
# var/ created once with mode 0600.   Usage: secret VARIABLE var/file
secret() {
  if [ -z "${!1:-}" ]; then
    mkdir -p "$(dirname "$2")"
    if [ ! -s "$2" ]; then
      (umask 077; .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))' > "$2")
    fi
    printf -v "$1" '%s' "$(cat "$2")"
  fi
  export "${1?}"
}
