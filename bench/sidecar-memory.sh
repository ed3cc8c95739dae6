#!/usr/bin/env bash
# Sidecar memory as services grow (issue 15): a host-mode mesh with two meshed pods in namespace mem-0, one of
# them scoped by a Sidecar resource to its own namespace's services, and 10, 100, 1,000 Services (no
# backends) spread over the namespaces mem-0..mem-9; after each step both sidecars' Envoy memory (admin
# /memory: allocated, heap_size; RSS from /proc) once the control plane's config for that step is in, and
# their idle CPU over 15 s.
# Root. See bench/README.md ("Sidecar memory").
#
#   bench/sidecar-memory.sh [COUNT...]     default 10 100 1000 (services visible without scoping)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10 100 1000)
NAMESPACES=10
IDLE_SECONDS=15
MESH=sidecarmem

for n in "${counts[@]}"; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge "$NAMESPACES" ] && [ "$n" -le 5000 ] ||
    { echo "sidecar-memory: error: service count '$n': must be a whole number from $NAMESPACES to 5000" >&2; exit 2; }
done
work=$(mktemp -d /tmp/sidecarmem.XXXXXX)
# shellcheck source=lib/host-mode-bench.sh
source "$root/bench/lib/host-mode-bench.sh"

# --- the pods, the Sidecar, and the first services ----------------------------------------------------
mkdir -p "$work/base"
{
  for i in $(seq 0 $(( NAMESPACES - 1 ))); do
    printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: mem-%d\n  labels: {outrigger.io/injection: enabled}\n---\n' "$i"
  done
  cat <<'YAML'
# Applies to the pod labelled scope=own only: its egress is its own namespace's services.
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: own-namespace, namespace: mem-0}
spec:
  workloadSelector: {labels: {scope: own}}
  egress: [{hosts: ["./*"]}]
YAML
  for pod in unscoped:all scoped:own; do
    printf -- '---\napiVersion: v1\nkind: Pod\nmetadata: {name: %s, namespace: mem-0, labels: {scope: %s}}\n' "${pod%:*}" "${pod#*:}"
    printf 'spec:\n  containers: [{name: app, image: busybox, command: [sleep, "86400"]}]\n'
  done
} > "$work/base/pods.yaml"
services() { # count file: services svc-0..svc-(count-1), round robin over the namespaces, no backends
  local i
  for i in $(seq 0 $(( $1 - 1 ))); do
    printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: svc-%d, namespace: mem-%d}\n' "$i" $(( i % NAMESPACES ))
    printf 'spec:\n  selector: {app: svc-%d}\n  ports: [{name: http, port: 8080, targetPort: 8080}]\n' "$i"
  done > "$2"
}
mesh_up "$work/base"
declare -A netns
for pod in unscoped scoped; do netns[$pod]=$(pod_field mem-0 "$pod" netns); done
outbound_clusters() { # the Envoy's clusters for the benchmark's services
  admin "${netns[$1]}" '/stats?filter=membership_total' | grep -c '^cluster\.outbound|8080||svc-[0-9]*\.mem-' || true
}
results="$work/results.tsv"
measure() { # services-visible-unscoped
  local n=$1 pod expect seen mem pid rss
  for pod in unscoped scoped; do
    expect=$n
    [ "$pod" = scoped ] && expect=$(( (n + NAMESPACES - 1) / NAMESPACES ))
    # The step is in once the Envoy holds a cluster per visible service (mesh apply waited for the sync).
    for _ in $(seq 1 600); do
      seen=$(outbound_clusters "$pod")
      [ "$seen" -eq "$expect" ] && break
      sleep 0.5
    done
    [ "$seen" -eq "$expect" ] || die "pod mem-0/$pod: $seen outbound service clusters after 300 s, expected $expect"
  done
  sleep 10 # let Envoy drain the replaced listeners and return what it freed
  declare -A pid ticks
  for pod in unscoped scoped; do
    pid[$pod]=$(envoy_pids "${netns[$pod]}")
    [ -n "${pid[$pod]}" ] || die "no Envoy in pod mem-0/$pod"
    ticks[$pod]=$(cpu_ticks "${pid[$pod]}")
  done
  sleep "$IDLE_SECONDS" # idle CPU: the stats flush (every 3 s to the control plane's metrics sink) and xDS
  for pod in unscoped scoped; do
    ticks[$pod]=$(( $(cpu_ticks "${pid[$pod]}") - ticks[$pod] ))
    mem=$(admin "${netns[$pod]}" /memory)
    rss=$(awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/${pid[$pod]}/status")
    jq -r --arg n "$n" --arg pod "$pod" --arg rss "$rss" --arg seen "$(outbound_clusters "$pod")" \
      --arg cpu "$(( ticks[$pod] * 1000 / hz / IDLE_SECONDS ))" \
      '[$n, $pod, $seen, .allocated, .heap_size, $rss, $cpu] | @tsv' <<<"$mem" >> "$results"
  done
}
hz=$(getconf CLK_TCK)
printf 'services\tpod\tvisible\tallocated\theap_size\trss\tidle_cpu_ms_per_s\n' > "$results"
say "0 services (the baseline)"
measure 0
for n in "${counts[@]}"; do
  say "$n services"
  services "$n" "$work/services-$n.yaml"
  "$root/outrigger" mesh apply --name "$MESH" -f "$work/services-$n.yaml" > /dev/null
  measure "$n"
done

run_header "services over $NAMESPACES namespaces; scoped = a Sidecar with egress ./* (its own namespace)"
awk -F'\t' '
  NR == 1 { printf "%9s %-9s %8s %14s %14s %10s %15s\n", "services", "pod", "visible", "allocated MiB", "heap_size MiB", "RSS MiB", "idle CPU ms/s"; next }
  { printf "%9d %-9s %8d %14.1f %14.1f %10.1f %15d\n", $1, $2, $3, $4 / 1048576, $5 / 1048576, $6 / 1048576, $7 }' "$results"
