#!/bin/sh
# Container entrypoint: bring the schema up to date, then become `antena "$@"` (default: run).
#
#   ANTENA_MIGRATE=off        skip `antena db upgrade` (bot/worker replicas; one container migrates)
#   ANTENA_MIGRATE_TRIES=10   attempts while the database is still starting
#   ANTENA_MIGRATE_DELAY=3    seconds between attempts
#
# An empty ANTENA_* variable (`docker run -e ANTENA_X=`, a blank line in an env file) means the
# default: Antena's settings ignore empty values themselves.
set -eu

if [ "$#" -eq 0 ]; then
    set -- run
fi

case "${ANTENA_MIGRATE:-on}" in
    on | ON | On)
        tries="${ANTENA_MIGRATE_TRIES:-10}"
        delay="${ANTENA_MIGRATE_DELAY:-3}"
        case "$tries$delay" in
            *[!0-9]*)
                echo "antena-entrypoint: ANTENA_MIGRATE_TRIES and ANTENA_MIGRATE_DELAY must be whole numbers" >&2
                exit 2
                ;;
        esac
        attempt=1
        # The upgrade reports on stderr: stdout belongs to the command (`... run --rm antena clients export -`).
        until antena db upgrade >&2; do
            if [ "$attempt" -ge "$tries" ]; then
                echo "antena-entrypoint: \`antena db upgrade\` failed $attempt times; giving up" >&2
                exit 1
            fi
            echo "antena-entrypoint: database not ready (attempt $attempt of $tries); retrying in ${delay}s" >&2
            attempt=$((attempt + 1))
            sleep "$delay"
        done
        ;;
    off | OFF | Off)
        ;;
    *)
        echo "antena-entrypoint: ANTENA_MIGRATE must be on or off, not '$ANTENA_MIGRATE'" >&2
        exit 2
        ;;
esac

exec antena "$@"
