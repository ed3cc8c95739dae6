#!/usr/bin/env bash
# istiod and Outrigger's control plane side by side (issue 15): the same objects in one real kube-apiserver,
# the same fleet of simulated sidecars, istiod first, then Outrigger, each in its own process; prints the
# figures of each and the ratios Outrigger / istiod (lines "SIDE"). See BENCHMARKS.md "Side by side with
# istiod" and bench/README.md.
#
#   bench/istiod-side-by-side.sh [PROXIES] [SERVICES]     # root; defaults 1000 1000
#
# Builds pilot-discovery if missing (scripts/istio/build.sh, cached), bench/xds-load and the outrigger jar
# into their target directories (nothing installed), then runs IstiodSideBySide under the bench lock inside
# pod-network.sh. EXTRA_ARGS adds options (e.g. "--endpoint-changes 3 --keep-work true").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
proxies=${1:-1000}
services=${2:-1000}
usage() { echo "istiod-side-by-side.sh: $1 (usage: bench/istiod-side-by-side.sh [PROXIES] [SERVICES])" >&2; exit 2; }
[[ $proxies =~ ^[1-9][0-9]*$ ]] || usage "PROXIES '$proxies': must be a whole number from 1"
[[ $services =~ ^[1-9][0-9]*$ ]] || usage "SERVICES '$services': must be a whole number from 1"
# KubeMesh gives each service's pods addresses that are unique only up to 1,000 services.
[ "$services" -le 1000 ] || usage "SERVICES $services: at most 1000 (the harness's pod addressing)"
[ "$proxies" -le "$services" ] || usage "PROXIES ($proxies) must not exceed SERVICES ($services): one proxy per service"
[ "$(id -u)" -eq 0 ] || usage "needs root (pod-network.sh creates network namespaces)"
# shellcheck disable=SC1091
source .outrigger/env
pilot=$(scripts/istio/build.sh pilot-discovery)
gomodcache=$(go env GOMODCACHE 2>/dev/null || echo "$HOME/go/pkg/mod")
module=$(sed -n 's/^require istio\.io\/istio \(v[^ ]*\)$/\1/p' scripts/istio/go.mod)
crds="$gomodcache/istio.io/istio@$module/manifests/charts/base/files/crd-all.gen.yaml"
[ -r "$crds" ] || { echo "Istio's CRDs not found at $crds (scripts/istio/build.sh downloads the module)" >&2; exit 1; }
cp_file=$(mktemp /tmp/istiod-side-by-side-cp.XXXXXX)
trap 'rm -f "$cp_file"' EXIT
./mvnw -B -q -o -ntp -pl bench/xds-load -am package dependency:build-classpath \
  -Dmdep.includeScope=runtime -Dmdep.outputFile="$cp_file" -DskipTests
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
# shellcheck disable=SC2086
flock /tmp/outrigger-bench.lock bench/xds-load/pod-network.sh "$JAVA_HOME/bin/java" -Xmx3g \
  -cp "bench/xds-load/target/classes:$(cat "$cp_file")" io.outrigger.bench.xdsload.IstiodSideBySide \
  --services "$services" --proxies "$proxies" --endpoint-changes 10 --route-changes 3 \
  --cli-jar cli/target/outrigger.jar --pilot-discovery "$pilot" --istio-crds "$crds" \
  --timeout-seconds 900 ${EXTRA_ARGS:-}
