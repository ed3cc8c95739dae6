#!/usr/bin/env bash
# Runs the Gateway API mesh conformance suite (sigs.k8s.io/gateway-api/conformance, profile MESH-HTTP)
# against Outrigger on the tier-5 single-node cluster, and writes the suite's YAML report into
# docs/conformance/ with the date, versions and this command (docs/conformance.md). One command:
#
#   scripts/conformance.sh                     the whole MESH-HTTP profile, with the features we claim
#   scripts/conformance.sh --run-test=MeshBasic   one test (a quick check; no report is kept)
#   scripts/conformance.sh --features=Mesh,HTTPRoute,MeshClusterIPMatching   another claimed list
#
# It builds what it needs first (scripts/bootstrap.sh --tests: the suite's test binary, the echo app, the
# cluster's binaries), then runs cli's GatewayConformanceIT through Maven (verify: the control-plane image is
# made from the packaged jar). Needs root, like every tier-5 test; waits for the cluster lock if another run
# holds it. Wall time: see docs/conformance.md.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

run_test=""
features=""
for arg in "$@"; do
  case "$arg" in
    --run-test=*) run_test=${arg#--run-test=} ;;
    --features=*) features=${arg#--features=} ;;
    *) echo "usage: scripts/conformance.sh [--run-test=NAME] [--features=A,B,...]" >&2; exit 2 ;;
  esac
done

scripts/bootstrap.sh --tests
# shellcheck source=/dev/null
source .outrigger/env

suite_version=$(sed -n 's/^require sigs.k8s.io\/gateway-api\/conformance \(v[0-9.]*\)$/\1/p' scripts/conformance/go.mod)
report=$root/cli/target/conformance/report.yaml
props=(-Doutrigger.conformance.report="$report")
[ -n "$run_test" ] && props+=(-Doutrigger.conformance.runTest="$run_test")
[ -n "$features" ] && props+=(-Doutrigger.conformance.features="$features")

started=$(date +%s)
status=0
./mvnw -B -ntp -o -pl cli -am verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=GatewayConformanceIT -Dfailsafe.failIfNoSpecifiedTests=false "${props[@]}" || status=$?
took=$(( $(date +%s) - started ))
echo "conformance: wall time ${took} s (build, cluster start, mesh install, suite, teardown); exit $status"

if [ -z "$run_test" ] && [ -f "$report" ]; then
  day=$(date -u +%Y-%m-%d)
  out=docs/conformance/$day-mesh-http-$suite_version.yaml
  mkdir -p docs/conformance
  {
    echo "# Gateway API conformance report for Outrigger, written by the suite itself (its --report-output)."
    echo "# date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "# suite: sigs.k8s.io/gateway-api/conformance $suite_version (scripts/conformance/go.mod, go.sum), profile MESH-HTTP"
    echo "# echo image: built from istio.io/istio $(sed -n 's/^require istio.io\/istio \(v[0-9a-f.-]*\)$/\1/p' scripts/echo/go.mod) pkg/test/echo (scripts/echo)"
    echo "# outrigger: commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' ':!README.md' || echo ' (with local changes)'), chart $(sed -n 's/^version: //p' manifests/charts/outrigger/Chart.yaml)"
    echo "# cluster: tier-5 single node, Kubernetes $(sed -n 's/^require k8s.io\/kubernetes \(v[0-9.]*\)$/\1/p' scripts/kubernetes/go.mod)"
    echo "# command: scripts/conformance.sh${*:+ $*} (wall time ${took} s, suite exit $status)"
    cat "$report"
  } > "$out"
  # Every test's verdict from the suite's log: the report counts only the tests whose features are all
  # in the profile (e.g. not MeshHTTPRoute303Redirect, which also needs HTTPRoute303RedirectStatusCode).
  grep -E '^    --- (PASS|FAIL|SKIP): TestConformance/Mesh[^/]*( |$)' cli/target/conformance/suite.log \
    | sed 's/^    //' > "${out%.yaml}.tests.txt" || true
  echo "conformance: report written to $out (per-test verdicts: ${out%.yaml}.tests.txt)"
fi
exit $status
