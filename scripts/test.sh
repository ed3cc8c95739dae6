#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, runs every tier, then checks
# that no test left a network namespace, veth, bridge, iptables rule or test process (Envoy, etcd,
# kube-apiserver) behind.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

scripts/bootstrap.sh --tests
# shellcheck source=/dev/null
source .outrigger/env

# The run id tags every process the tests start (inherited through the environment), so the leftover check
# below counts only what this run created (scripts/host-state.sh).
OUTRIGGER_TEST_RUN=${OUTRIGGER_TEST_RUN:-run-$(date -u +%Y%m%dT%H%M%S)-$$}
export OUTRIGGER_TEST_RUN

before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
scripts/host-state.sh snapshot "$before"

status=0
./mvnw -B -ntp verify "$@" || status=$?

scripts/host-state.sh compare "$before" || status=1
exit $status
