#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised: the role compute workers connect
# as. It gets its only grant (the job artifacts table) from the `worker-grants` service, once the
# first gateway has created the tables.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v password="$SLUICE_WORKER_PG_PASSWORD" <<'SQL'
CREATE ROLE sluice_worker LOGIN PASSWORD :'password';
SQL
