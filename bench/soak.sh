#!/usr/bin/env bash
# Soak profiles of issue 13, never part of the default test run (bench/README.md, docs/reliability.md):
#
#   bench/soak.sh control-plane   10,000 registry changes over 10 min, 200 simulated proxies on ADS
#   bench/soak.sh webhook         the injection webhook at its benchmark load (32 clients) for 10 min
#   bench/soak.sh ca              the CA issuing over its gRPC API (8 clients) for 10 min
#   bench/soak.sh all             the three, one after another
#
# Builds into target-soak/ (reactor build, nothing installed), then runs each profile under
# `flock /tmp/outrigger-bench.lock` (one benchmark on the machine at a time) and prints the load average
# before and after. Each profile prints a per-minute table, a SUMMARY line and RESULT PASSED/FAILED, and
# exits 1 when its bounds are not held. Logs: target-soak/soak-<profile>.log in the repository root.
# Shorter runs for trying it out: SOAK_MINUTES=2 (and for the control plane SOAK_CHANGES=2000).
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -f .outrigger/env ]] && source .outrigger/env
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
MINUTES="${SOAK_MINUTES:-10}"
CHANGES="${SOAK_CHANGES:-10000}"
out=target-soak
mkdir -p "$out"

build() {
  # One reactor build: the classpaths name this build's jars (target-soak/), never ~/.m2's.
  ./mvnw -B -q -o -ntp -Pbench -Dbuild.suffix=-soak -pl cli,bench/xds-load,certs,injector-webhook -am \
    package dependency:build-classpath -Dmdep.outputFile=target-soak/classpath.txt \
    -Dmaven.test.skip=true -Dspotless.check.skip=true
}

run() { # name, then the command
  local name=$1; shift
  echo "== soak $name: $(date -u +%FT%TZ), waiting for /tmp/outrigger-bench.lock"
  flock /tmp/outrigger-bench.lock bash -c '
    echo "load average at start: $(cut -d" " -f1-3 /proc/loadavg) ($(nproc) cores; other people share this machine)"
    "$@"; rc=$?
    echo "load average at end: $(cut -d" " -f1-3 /proc/loadavg)"
    exit $rc' soak "$@" 2>&1 | tee "$out/soak-$name.log"
  return "${PIPESTATUS[0]}"
}

control_plane() {
  run control-plane "$JAVA" -Xmx2g -cp "bench/xds-load/target-soak/classes:$(cat bench/xds-load/target-soak/classpath.txt)" \
    io.outrigger.bench.xdsload.ControlPlaneSoak --services 200 --proxies 200 \
    --changes "$CHANGES" --minutes "$MINUTES" --cli-jar cli/target-soak/outrigger.jar
}
webhook() {
  run webhook "$JAVA" -Xmx1g -Dbench.soakMinutes="$MINUTES" \
    -cp "injector-webhook/target-soak/classes:$(cat injector-webhook/target-soak/classpath.txt)" \
    io.outrigger.injector.bench.WebhookSoak
}
ca() {
  run ca "$JAVA" -Xmx1g -Dlogback.configurationFile=bench/soak-logback.xml -Dbench.soakMinutes="$MINUTES" --enable-native-access=ALL-UNNAMED \
    -cp "certs/target-soak/classes:$(cat certs/target-soak/classpath.txt)" io.outrigger.certs.bench.CaSoak
}

case "${1:-}" in
  control-plane) build; control_plane ;;
  webhook) build; webhook ;;
  ca) build; ca ;;
  all) build; rc=0; control_plane || rc=1; webhook || rc=1; ca || rc=1; exit $rc ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
