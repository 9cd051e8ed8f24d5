#!/bin/sh
# Register the two workers with the coordinator (docker compose --profile citus up).
# Runs once in the citus-setup container; idempotent (citus_add_node ignores a known node).
set -eu
export PGHOST=citus-coordinator PGUSER=postgres PGPASSWORD=postgres PGDATABASE=twitterclone
until pg_isready -q; do sleep 1; done
for worker in citus-worker-1 citus-worker-2; do
  until pg_isready -q -h "$worker"; do sleep 1; done
done
psql -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION IF NOT EXISTS citus;
SELECT citus_set_coordinator_host('citus-coordinator', 5432);
SELECT citus_add_node('citus-worker-1', 5432);
SELECT citus_add_node('citus-worker-2', 5432);
SELECT nodename, nodeport, noderole FROM pg_dist_node ORDER BY nodeid;
SQL
