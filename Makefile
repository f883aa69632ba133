# Levqor: `make run` starts the server on embedded defaults, `make test` runs every test.
MVN ?= mvn -B -q
# Extra JVM options for `make run`, e.g. JAVA_OPTS=-Xmx512m, placed after the launcher's defaults (bin/levqor:
# a 128 MiB heap, bounded metaspace and code cache, the class-data sharing archive).
JAVA_OPTS ?=
JAR := target/levqor.jar
JSA := target/levqor.jsa
SOURCES := $(shell find src/main migrations -type f 2>/dev/null) pom.xml
GENERATED := src/main/java/com/levqor/db/jooq

.PHONY: run test chaos drill build jar codegen codegen-check pg-client chromium promtool systemd-analyze jq bench clean

run: $(JAR) $(JSA)
	LEVQOR_JAR=$(JAR) LEVQOR_JAVA_OPTS="$(JAVA_OPTS)" bin/levqor serve

$(JAR): $(SOURCES)
	$(MVN) -DskipTests package

# The class-data sharing archive bin/levqor starts the jar with (a training run of `serve`: ~10 s).
$(JSA): $(JAR) bin/levqor build/cds-archive.sh
	build/cds-archive.sh $(JAR)

jar build: $(JAR) $(JSA)

# Every test, then the runbook drill (RunbookDrillIT, after package: see `make drill`).
test: codegen-check pg-client chromium promtool systemd-analyze jq
	rm -rf target/surefire-reports
	$(MVN) verify
	@awk '/^Tests run:/ { gsub(",", ""); t += $$3; f += $$5 + $$7; s += $$9 } \
	  END { printf "%d passed, %d failed, %d skipped\n", t - f - s, f, s }' target/surefire-reports/*.txt

# The chaos suite (RELIABILITY.md): every scenario, with its longer load, on real processes on loopback (a
# throw-away Postgres, redis-server, levqor serve/worker); figures in target/chaos/<scenario>.json, summed up below.
# make test runs the bounded variant of scenarios 1, 2 and 4 only.
chaos: jq
	rm -rf target/chaos
	$(MVN) test -Dtest='com.levqor.chaos.*ChaosTest' -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dchaos.long=true -Dchaos.excludedGroups=none; status=$$?; \
	for f in target/chaos/*.json; do [ -f "$$f" ] && jq -c '{scenario, acknowledged, lost, run_twice, recover_seconds, errors}' "$$f"; done; \
	exit $$status

# Runs every `drill` block of runbook/RUNBOOK.md against a live `levqor.jar serve` of its own and fails
# naming each block whose output is not what the runbook says (README, "The runbook drill").
drill: pg-client jq
	$(MVN) verify -DskipUnitTests=true

# The runbook drill pipes answers through jq: installed when missing and possible (root with apt-get),
# otherwise the run stops here, never skips the drill.
JQ_ADVICE := Install the Debian package jq (apt-get install jq), or put a jq binary on PATH.
jq:
	@build/require-package.sh jq jq "the runbook drill" "$(JQ_ADVICE)" sh -c 'command -v jq'

# The backup tests run the real pg_dump and psql (major version 15 or newer, the embedded server's):
# installed when missing and possible (root with apt-get), otherwise the run stops here, never skips them.
PG_CLIENT_ADVICE := Install the Debian package postgresql-client-15 (apt-get install postgresql-client-15: pg_dump and psql of major version 15 or newer), or put pg_dump and psql 15+ on PATH.
pg-client:
	@build/require-package.sh postgresql-client-15 "pg_dump/psql 15+" "the backup tests" "$(PG_CLIENT_ADVICE)" \
	  sh -c 'for t in pg_dump psql; do v=$$("$$t" --version 2>/dev/null | sed -n "s/.*(PostgreSQL) \([0-9][0-9]*\).*/\1/p"); [ "$${v:-0}" -ge 15 ] || exit 1; done'

# The status page's browser test runs a real headless Chromium (Debian package chromium): installed when
# missing and possible (root with apt-get), otherwise the run stops here, never skips the test.
CHROMIUM_ADVICE := Install the Debian package chromium (apt-get install chromium), or put a chromium binary on PATH.
chromium:
	@build/require-package.sh chromium chromium "the status page's browser test" "$(CHROMIUM_ADVICE)" sh -c 'command -v chromium'

# The alert rules' tests run Prometheus' promtool (Debian package prometheus: check rules, test rules):
# installed when missing and possible (root with apt-get), otherwise the run stops here, never skips them.
PROMTOOL_ADVICE := Install the Debian package prometheus (apt-get install prometheus), or put a promtool binary on PATH.
promtool:
	@build/require-package.sh prometheus promtool "the alert rules' tests" "$(PROMTOOL_ADVICE)" sh -c 'command -v promtool'

# The service files' test runs `systemd-analyze verify` on runbook/deploy/*.service (Debian package systemd):
# installed when missing and possible (root with apt-get), otherwise the run stops here, never skips the test.
SYSTEMD_ADVICE := Install the Debian package systemd (apt-get install systemd: systemd-analyze and its units), or put systemd-analyze on PATH.
systemd-analyze:
	@build/require-package.sh systemd systemd-analyze "the service files' test" "$(SYSTEMD_ADVICE)" sh -c 'command -v systemd-analyze && test -d /usr/lib/systemd/system -o -d /lib/systemd/system'

# Regenerates the jOOQ classes from migrations/ (never edit them by hand).
codegen:
	$(MVN) -f jooq-codegen/pom.xml compile exec:java

# Fails when the committed jOOQ classes are stale against migrations/.
codegen-check:
	rm -rf target/codegen-check
	$(MVN) -f jooq-codegen/pom.xml compile exec:java -Dcodegen.out=$(CURDIR)/target/codegen-check
	@diff -r $(GENERATED) target/codegen-check/com/levqor/db/jooq > target/codegen-check.diff \
	  || { echo "jOOQ classes are stale against migrations/: run 'make codegen' and commit (see target/codegen-check.diff)"; exit 1; }
	@echo "jOOQ classes are up to date with migrations/"

# Side-by-side benchmark against the peer stack in ../shared/peers (Flask + Gunicorn + RQ), loopback
# only, bounded, cleans up after itself; results in target/bench/latest/results.md (see BENCHMARKS.md).
bench:
	bash bench/bench.sh

clean:
	$(MVN) clean
	rm -rf jooq-codegen/target
