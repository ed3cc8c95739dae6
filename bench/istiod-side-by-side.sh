#!/usr/bin/env bash
# istiod and Outrigger's control plane side by side (issue 15): the same objects in one real kube-apiserver,
# the same fleet of simulated sidecars, istiod first, then Outrigger, each in its own process; prints the
# figures of each and the ratios Outrigger / istiod (lines "SIDE"). See BENCHMARKS.md "Side by side with
# istiod" and bench/README.md.
#
#   bench/istiod-side-by-side.sh [PROXIES] [SERVICES]     # root; defaults 1000 1000
#
# PROXIES <= SERVICES: one proxy pod per service (pod -a of the first PROXIES services), as in the first
# runs. PROXIES > SERVICES: the same mesh with more meshed pods, PROXIES / SERVICES proxy pods per service
# (e.g. 5000 1000: 5 per service), so PROXIES must then be a multiple of SERVICES. Bounds: PROXIES <= 10000
# (the harness keeps every proxy's stream and config: 5,000 is what was measured), SERVICES <= 32000 and
# 2 addresses per proxy pod and service (pod addresses: 198.18.0.0/15). The harness JVM gets
# HARNESS_HEAP (default 3g up to 1,000 proxies, +1g per further 1,000); the whole run is bounded by
# RUN_TIMEOUT seconds (default 5400: SIGTERM, which stops istiod or Outrigger, the API server and etcd
# and deletes their directories; SIGKILL 60 s later). Above 4,096 proxies Outrigger's connection limit per
# port (4,096 by default) is raised to 2 x PROXIES (--cp-max-connections).
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
[ "$proxies" -le 10000 ] || usage "PROXIES $proxies: at most 10000 (the harness's memory; 5000 is the measured size)"
[ "$services" -le 32000 ] || usage "SERVICES $services: at most 32000 (pod addresses in 198.18.0.0/15)"
pods_per_service=1
if [ "$proxies" -gt "$services" ]; then
  [ $((proxies % services)) -eq 0 ] ||
    usage "PROXIES ($proxies) above SERVICES ($services) must be a multiple of it: PROXIES / SERVICES proxy pods per service"
  pods_per_service=$((proxies / services))
fi
# KubeMesh's addressing: each address slot of a service takes max(4, ceil(SERVICES / 250)) /24 blocks of
# the 512 in 198.18.0.0/15; proxy pods take the even slots, the -b pod and its replacements the odd ones.
blocks=$(( (services + 249) / 250 )); [ "$blocks" -ge 4 ] || blocks=4
slots=$((512 / blocks)); last=$((2 * (pods_per_service - 1))); [ "$last" -ge 3 ] || last=3
[ "$last" -lt "$slots" ] ||
  usage "PROXIES $proxies over SERVICES $services: $pods_per_service proxy pods per service do not fit 198.18.0.0/15 ($slots addresses per service)"
heap=${HARNESS_HEAP:-$(( proxies <= 1000 ? 3 : 3 + (proxies - 1) / 1000 ))g}
# Outrigger refuses connections beyond 4,096 per port by default (-Doutrigger.grpc.maxConnections, as an
# operator raises it in the chart's controlPlane.jvmOptions): a larger fleet gets twice its size.
cap=()
[ "$proxies" -le 4096 ] || cap=(--cp-max-connections $((2 * proxies)))
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
echo "before: $(uptime)"
rc=0
# shellcheck disable=SC2086
flock /tmp/outrigger-bench.lock timeout --kill-after=60 "${RUN_TIMEOUT:-5400}" \
  bench/xds-load/pod-network.sh "$JAVA_HOME/bin/java" "-Xmx$heap" \
  -cp "bench/xds-load/target/classes:$(cat "$cp_file")" io.outrigger.bench.xdsload.IstiodSideBySide \
  --services "$services" --proxies "$proxies" --endpoint-changes 10 --route-changes 3 \
  --cli-jar cli/target/outrigger.jar --pilot-discovery "$pilot" --istio-crds "$crds" \
  --timeout-seconds 900 "${cap[@]}" ${EXTRA_ARGS:-} || rc=$?
echo "after: $(uptime)"
exit "$rc"
