#!/usr/bin/env bash
# Data-plane benchmark (issue 15): fortio's load generator and echo server in a client and a server pod of a
# host-mode mesh, through (a) no sidecars, (b) two Envoys with a minimal hand-written mTLS config, (c) two
# Envoys with the config Outrigger's control plane generates; HTTP/1.1 and HTTP/2 (h2c from the app), a fixed
# rate, 1 KB bodies. Root. See bench/README.md ("Data plane") for what is measured and how.
#
#   bench/data-plane.sh            the benchmark: 1,000 req/s, 5 s warm-up then 30 s measured, per case and protocol
#   bench/data-plane.sh --smoke    a quick check of the harness: 100 req/s, 1 s + 5 s; fails (exit 1) on any error
#                                  or when a sidecar's counters did not see the load
#
# Environment: QPS, DURATION, WARMUP and IDLE (seconds; IDLE: both pairs' CPU with no load, default 20),
# CONNECTIONS (fortio -c, default 8), ROUNDS (default 1: each round runs every protocol and case once, the
# cases back to back), DPBENCH_KEEP=DIR (keep fortio's JSON results and the Envoy config dumps there).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here="$root/bench/data-plane"
smoke=false
case "${1:-}" in
  --smoke) smoke=true ;;
  "") ;;
  *) echo "usage: bench/data-plane.sh [--smoke]" >&2; exit 2 ;;
esac
if $smoke; then
  QPS=${QPS:-100} DURATION=${DURATION:-5} WARMUP=${WARMUP:-1} IDLE=${IDLE:-3}
else
  QPS=${QPS:-1000} DURATION=${DURATION:-30} WARMUP=${WARMUP:-5} IDLE=${IDLE:-20}
fi
CONNECTIONS=${CONNECTIONS:-8}
ROUNDS=${ROUNDS:-1}
MESH=dpbench
APP_UID=1000
PROXY_UID=1337

for tool in openssl setpriv curl iptables-restore ip; do
  command -v "$tool" >/dev/null || { echo "data-plane: error: $tool not found" >&2; exit 1; }
done
fortio=$("$root/scripts/fortio/build.sh")
work=$(mktemp -d /tmp/dpbench.XXXXXX)
chmod 755 "$work" # Envoy runs as UID 1337 and reads its config and certificates here
# shellcheck source=lib/host-mode-bench.sh
source "$root/bench/lib/host-mode-bench.sh"
b_pids=()
bench_cleanup() {
  local pid
  for pid in ${b_pids[@]+"${b_pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  for pid in ${b_pids[@]+"${b_pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${DPBENCH_KEEP:-}" ]; then mkdir -p "$DPBENCH_KEEP" && cp -r "$work"/results "$DPBENCH_KEEP"/; fi
  return 0
}

# --- the mesh: six pods, (c)'s with sidecars -----------------------------------------------------------
mkdir -p "$work/manifests" "$work/results"
sed "s|@FORTIO@|$fortio|g" "$here/manifests.yaml.in" > "$work/manifests/pods.yaml"
mesh_up "$work/manifests"
declare -A netns ip
for c in a b c; do
  ns=dpbench-plain; [ "$c" = c ] && ns=dpbench
  for role in client server; do
    netns[$role-$c]=$(pod_field "$ns" "$role-$c" netns)
    ip[$role-$c]=$(pod_field "$ns" "$role-$c" ip)
    [ -n "${netns[$role-$c]}" ] && [ "${netns[$role-$c]}" != null ] || die "pod $ns/$role-$c is not in $state"
  done
done
gateway=$(jq -r .controlPlane.gateway "$state")
in_pod() { local n=$1 uid=$2; shift 2; ip netns exec "$n" setpriv --reuid "$uid" --regid "$uid" --clear-groups "$@"; }

# --- case (b): certificates, hand-written Envoys, capture rules -----------------------------------------
b="$work/b"
mkdir -p "$b"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /O=dpbench/CN=ca \
  -keyout "$b/ca.key" -out "$b/ca.pem" 2>/dev/null
for role in client server; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /O=dpbench \
    -keyout "$b/$role.key" -out "$b/$role.csr" 2>/dev/null
  printf 'subjectAltName=URI:spiffe://cluster.local/ns/dpbench-plain/sa/%s\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$role" > "$b/$role.ext"
  openssl x509 -req -in "$b/$role.csr" -CA "$b/ca.pem" -CAkey "$b/ca.key" -CAcreateserial -days 1 \
    -extfile "$b/$role.ext" -out "$b/$role.pem" 2>/dev/null
done
chmod 644 "$b"/*.key
for role in client server; do
  sed -e "s|@DIR@|$b|g" -e "s|@SERVER_IP@|${ip[server-b]}|g" "$here/envoy-$role.yaml.in" > "$b/envoy-$role.yaml"
  # The capture of case (c) in miniature: inbound to the app ports -> 15006, outbound TCP -> 15001 except
  # Envoy's own (UID 1337) and loopback. Host mode's readiness probes (from the bridge gateway) go to the
  # app directly: with no sidecar to answer them they would fail TLS (case (c) answers them on 15020).
  ip netns exec "${netns[$role-b]}" iptables-restore --noflush <<RULES
*nat
:DPBENCH_OUTPUT - [0:0]
-A PREROUTING -s $gateway/32 -j RETURN
-A PREROUTING -p tcp -m multiport --dports 8080,8082 -j REDIRECT --to-ports 15006
-A OUTPUT -p tcp -j DPBENCH_OUTPUT
-A DPBENCH_OUTPUT -m owner --uid-owner 1337 -j RETURN
-A DPBENCH_OUTPUT -d 127.0.0.0/8 -j RETURN
-A DPBENCH_OUTPUT -p tcp -j REDIRECT --to-ports 15001
COMMIT
RULES
  # The injected sidecar's command line, but this config: same worker count, no hot restart.
  in_pod "${netns[$role-b]}" "$PROXY_UID" "$ENVOY_BIN" -c "$b/envoy-$role.yaml" --concurrency 2 \
    --disable-hot-restart --log-level warn > "$b/envoy-$role.log" 2>&1 9>&- & # 9: the bench lock stays ours
  b_pids+=($!)
done
for role in client server; do
  for _ in $(seq 1 100); do admin "${netns[$role-b]}" /ready >/dev/null 2>&1 && break; sleep 0.1; done
  admin "${netns[$role-b]}" /ready >/dev/null || die "case (b) $role Envoy not ready: $(tail -5 "$b/envoy-$role.log")"
done

# --- load --------------------------------------------------------------------------------------------
target() { # case proto -> URL the client calls: HTTP/1.1 to the app's port 8080, h2c to 8082
  local port=8080
  [ "$2" = h2 ] && port=8082
  case $1 in
    a | b) echo "http://${ip[server-$1]}:$port/echo" ;;
    c) echo "http://server.dpbench:$port/echo" ;; # the Service's name: the mesh's normal path
  esac
}
rq_total() { # an Envoy's HTTP requests received, over all its connection managers but the admin one
  admin "$1" '/stats?filter=^http\..*downstream_rq_total$' |
    awk -F': ' '$1 !~ /^http\.admin\./ { s += $2 } END { print s + 0 }'
}
fortio_load() { # case proto seconds json-out
  local h2=()
  [ "$2" = h2 ] && h2=(-h2)
  timeout $(( $3 + 60 )) ip netns exec "${netns[client-$1]}" setpriv --reuid "$APP_UID" --regid "$APP_UID" \
    --clear-groups "$fortio" load ${h2[@]+"${h2[@]}"} -qps "$QPS" -t "${3}s" -c "$CONNECTIONS" -uniform \
    -r 0.00001 -p 50,90,99 -payload-size 1024 -loglevel error -json - "$(target "$1" "$2")" > "$4" 2> "$4.log" ||
    die "fortio failed for case $1 $2: $(tail -3 "$4.log")"
}
hz=$(getconf CLK_TCK)
# Each pair's CPU with no load, both at once: what the sidecars cost without traffic (probes, the stats
# flush, xDS), to tell fixed costs from per-request ones.
declare -A idle_pids idle_ticks
for c in b c; do
  idle_pids[$c]="$(envoy_pids "${netns[client-$c]}") $(envoy_pids "${netns[server-$c]}")"
  # shellcheck disable=SC2086 # two pids
  idle_ticks[$c]=$(cpu_ticks ${idle_pids[$c]})
done
sleep "$IDLE"
for c in b c; do
  # shellcheck disable=SC2086
  idle_ticks[$c]=$(( $(cpu_ticks ${idle_pids[$c]}) - idle_ticks[$c] ))
done
results="$work/results/summary.tsv"
printf 'round\tcase\tproto\tp50_ms\tp90_ms\tp99_ms\tqps\terrors\trequests\tsidecar_cpu_s\tclient_rq\tserver_rq\n' > "$results"
for round in $(seq 1 "$ROUNDS"); do
  for proto in h1 h2; do
    for c in a b c; do
      say "round $round: case $c $proto: ${WARMUP} s warm-up, ${DURATION} s at $QPS req/s"
      fortio_load "$c" "$proto" "$WARMUP" "$work/results/warmup-$round-$c-$proto.json"
      pids=()
      if [ "$c" != a ]; then
        mapfile -t pids < <(envoy_pids "${netns[client-$c]}"; envoy_pids "${netns[server-$c]}")
        [ ${#pids[@]} -eq 2 ] || die "case $c: expected 2 Envoy processes, found ${#pids[@]}"
        client_rq=$(rq_total "${netns[client-$c]}") server_rq=$(rq_total "${netns[server-$c]}")
      fi
      ticks=$(cpu_ticks ${pids[@]+"${pids[@]}"})
      out="$work/results/$round-$c-$proto.json"
      fortio_load "$c" "$proto" "$DURATION" "$out"
      ticks=$(( $(cpu_ticks ${pids[@]+"${pids[@]}"}) - ticks ))
      if [ "$c" != a ]; then
        client_rq=$(( $(rq_total "${netns[client-$c]}") - client_rq ))
        server_rq=$(( $(rq_total "${netns[server-$c]}") - server_rq ))
      else
        client_rq=- server_rq=-
      fi
      jq -r --arg r "$round" --arg c "$c" --arg p "$proto" --arg cpu "$(awk -v t="$ticks" -v hz="$hz" 'BEGIN { printf "%.3f", t / hz }')" \
        --arg crq "$client_rq" --arg srq "$server_rq" '
        def pct($p): (.DurationHistogram.Percentiles[] | select(.Percentile == $p) | .Value * 1000);
        [$r, $c, $p, pct(50), pct(90), pct(99), .ActualQPS, (.DurationHistogram.Count - (.RetCodes["200"] // 0)),
         .DurationHistogram.Count, $cpu, $crq, $srq] | @tsv' "$out" >> "$results"
    done
  done
  if [ "$round" = 1 ] && [ -n "${DPBENCH_KEEP:-}" ]; then
    for role in client server; do
      admin "${netns[$role-b]}" /config_dump > "$work/results/config_dump-b-$role.json" || true
      admin "${netns[$role-c]}" '/config_dump?include_eds' > "$work/results/config_dump-c-$role.json" || true
      admin "${netns[$role-c]}" /stats > "$work/results/stats-c-$role.txt" || true
      admin "${netns[$role-b]}" /stats > "$work/results/stats-b-$role.txt" || true
    done
  fi
done

# --- report ------------------------------------------------------------------------------------------
run_header "$QPS req/s, ${DURATION} s measured after ${WARMUP} s, $CONNECTIONS connections, 1 KB bodies, $ROUNDS round(s)"
echo "idle CPU of both sidecars over ${IDLE} s, no load: (b) $(( idle_ticks[b] * 1000 / hz / IDLE )) ms/s, (c) $(( idle_ticks[c] * 1000 / hz / IDLE )) ms/s"
awk -F'\t' -v qps="$QPS" -v secs="$DURATION" -v smoke="$smoke" '
  NR == 1 { next }
  { k = $2 " " $3; n[k]++; p50[k] += $4; p90[k] += $5; p99[k] += $6; rate[k] += $7; err[k] += $8; req[k] += $9
    cpu[k] += $10; if ($2 != "a") { crq[k] += $11; srq[k] += $12 }
    if ($8 > 0) bad = bad "\n  case " $2 " " $3 " round " $1 ": " $8 " errors"
    if ($2 != "a" && ($11 < $9 || $12 < $9)) bad = bad "\n  case " $2 " " $3 " round " $1 ": sidecars saw " $11 " / " $12 " requests of " $9 }
  END {
    printf "%-4s %-5s %8s %8s %8s %9s %7s %9s %14s %20s\n", "case", "proto", "p50 ms", "p90 ms", "p99 ms", "req/s", "errors", "requests", "cpu s/1k req/s", "sidecar rq (cl/srv)"
    split("h1 h2", ps, " "); split("a b c", cs, " ")
    for (i = 1; i <= 2; i++) for (j = 1; j <= 3; j++) {
      k = cs[j] " " ps[i]; if (!n[k]) continue
      # CPU seconds of both Envoys over the window, per second of load, per 1,000 req/s achieved
      norm = cs[j] == "a" ? "-" : sprintf("%.3f", cpu[k] / (secs * n[k]) / (rate[k] / n[k] / 1000))
      seen = cs[j] == "a" ? "-" : crq[k] "/" srq[k]
      printf "%-4s %-5s %8.3f %8.3f %8.3f %9.1f %7d %9d %14s %20s\n", cs[j], ps[i], p50[k]/n[k], p90[k]/n[k], p99[k]/n[k], rate[k]/n[k], err[k], req[k], norm, seen
      P99[k] = p99[k] / n[k]; CPU[k] = cpu[k]
    }
    for (i = 1; i <= 2; i++) {
      a = P99["a " ps[i]]; addb = P99["b " ps[i]] - a; addc = P99["c " ps[i]] - a
      ratio = addb > 0 ? sprintf("%.2f", addc / addb) : "n/a"
      cpuratio = CPU["b " ps[i]] > 0 ? sprintf("%.2f", CPU["c " ps[i]] / CPU["b " ps[i]]) : "n/a"
      printf "%s: added p99 (b) %.3f ms, (c) %.3f ms, ratio (c)/(b) %s; sidecar CPU ratio (c)/(b) %s\n", ps[i], addb, addc, ratio, cpuratio
    }
    if (bad != "") { print "FAILED:" bad; exit 1 }
    if (smoke == "true") print "smoke PASSED: no errors, every request of (b) and (c) counted by both sidecars"
  }' "$results"
