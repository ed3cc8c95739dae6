#!/usr/bin/env bash
# The CNI side-by-side benchmark (bench/README.md, BENCHMARKS.md "CNI plugin"): one run, pods interleaved, of
# the chain loopback -> bridge + host-local -> portmap -> X with X = istio-cni, X = outrigger-cni and no X.
# Builds istio-cni first if needed (scripts/istio/build.sh, cached), then the plugin image and the harness
# (cni-chain's cni-bench profile, in target-cnibench/ so no one's target/ is touched), serialised with the
# other engineers' benchmarks under /tmp/outrigger-bench.lock.
#
#   bench/cni-chain.sh [PODS] [BASELINE_IMAGE]     (root; PODS per chain, default 100)
#
# BASELINE_IMAGE: a copy of an earlier outrigger-cni plugin image (cni-chain/target*/plugin-image), run as a
# fourth chain: a plugin change measured before and after in the same run.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pods=${1:-100}
baseline=${2:-none}
[[ $pods =~ ^[1-9][0-9]*$ ]] && [ "$pods" -le 10000 ] || { echo "cni-chain.sh: PODS '$pods': must be a whole number from 1 to 10000 (usage: bench/cni-chain.sh [PODS] [BASELINE_IMAGE])" >&2; exit 2; }
[ "$baseline" = none ] || [ -x "$baseline/outrigger-cni" ] || { echo "cni-chain.sh: BASELINE_IMAGE '$baseline': not an outrigger-cni plugin image (no executable outrigger-cni in it)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "cni-chain.sh: needs root (network namespaces, iptables)" >&2; exit 2; }
[ -f "$root/.outrigger/env" ] || { echo "cni-chain.sh: run scripts/bootstrap.sh --tests first" >&2; exit 2; }
# shellcheck disable=SC1091
source "$root/.outrigger/env"
[ -n "${KUBE_APISERVER_BIN:-}" ] || { echo "cni-chain.sh: no tier-4 kube-apiserver: run scripts/bootstrap.sh --tests" >&2; exit 2; }
[ "$baseline" = none ] || baseline=$(readlink -f "$baseline")
istio_cni=$("$root/scripts/istio/build.sh" istio-cni | tail -n 1)
cd "$root"
echo "cni-chain.sh: commit $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (with local changes)'), $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
exec flock /tmp/outrigger-bench.lock ./mvnw -B -ntp -o -Dbuild.suffix=-cnibench -pl cni-chain -am verify -Pcni-bench \
  -DskipTests -DskipITs -Dspotless.check.skip=true \
  -Dcni.bench.pods="$pods" -Dcni.bench.istio-cni="$istio_cni" -Dcni.bench.baseline="$baseline"
