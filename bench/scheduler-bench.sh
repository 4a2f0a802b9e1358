#!/usr/bin/env bash
# Scheduler daemon benchmark: fire delay (scheduled time to run.started) in memory and clustered,
# duplicate and missed fires, failover time after kill -9. Builds the jar and the test classes into
# its own build directory, then runs dev.runbook.bench.SchedulerBench against that jar.
#
#   bench/scheduler-bench.sh [SECONDS] [FAILOVER_ROUNDS] [CHECKIN]...     (defaults: 120 3 5s 2s)
#
# RUNBOOK_BENCH_BUILD sets the build directory (default /tmp/build-scheduler-bench).
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
build="${RUNBOOK_BENCH_BUILD:-/tmp/build-scheduler-bench}"
cd "$here"
mvn -q -B -DskipTests -Drunbook.build.dir="$build" package
mvn -q -B -Drunbook.build.dir="$build" dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$build/bench.classpath"
exec java -cp "$build/test-classes:$build/classes:$(cat "$build/bench.classpath")" \
  dev.runbook.bench.SchedulerBench "$build/runbook.jar" "$@"
