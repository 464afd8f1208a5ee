# The project's commands. See README.md.
SHELL := /bin/bash
.PHONY: run test admin db-url bench sqlx-prepare fmt check db-stop db-reset

run:           ## set up everything, build, serve on http://127.0.0.1:3000
	@scripts/run.sh

test:          ## set up everything, run unit, integration and browser tests
	@scripts/test.sh

admin:         ## create a platform admin: make admin EMAIL=you@example.com [NAME="Your Name"]
	@scripts/admin.sh

db-url:        ## print the local database's owner URL (for psql and tools)
	@scripts/postgres.sh owner-url

db-stop:       ## stop the local database
	@scripts/postgres.sh stop

db-reset:      ## stop and delete the local database (the next make run starts a new one)
	@scripts/postgres.sh reset

bench:         ## load-test /healthz and / against a bare axum handler
	@scripts/bench.sh

sqlx-prepare:  ## regenerate .sqlx/ after changing a query or migration
	@scripts/sqlx-prepare.sh

check:         ## fast server-side type check
	@. scripts/env.sh && cargo check -p app --features ssr --tests

fmt:
	@cargo fmt --all
