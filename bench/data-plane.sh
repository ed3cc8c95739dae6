#!/usr/bin/env bash
# Data-plane benchmark (issue 15): fortio's load generator and echo server in a client and a server pod of a
# host-mode mesh, through (a) no sidecars, (b) two Envoys with a minimal hand-written mTLS config, (c) two
# Envoys with the config Outrigger's control plane generates; HTTP/1.1 and HTTP/2 (h2c from the app), a fixed
# rate, 1 KB bodies. Root. See bench/README.md ("Data plane") for what is measured and how.
#
# All cases are deployed side by side and measured in short interleaved slices: each round runs one SLICE-second
# slice of every case and protocol, the order of the cases rotating from round to round, so a co-tenant's burst
# on the shared machine falls on all cases alike. Each case's per-request latencies (fortio's access log) are
# pooled over all slices; the paired slices of a round give the spread of the ratio.
#
#   bench/data-plane.sh            the benchmark: 1,000 req/s, 20 rounds of 5 s slices (about 17 min)
#   bench/data-plane.sh --smoke    a quick check of the harness: 100 req/s, 2 rounds of 2 s slices; fails (exit 1)
#                                  on any error or when a sidecar's counters did not see the load
#
# Environment: QPS, SLICE, ROUNDS, WARMUP (seconds of load per case and protocol before round 1) and IDLE
# (seconds; both pairs' CPU with no load, default 20), CONNECTIONS (fortio -c, default 8), PROBE_AB (default 1:
# case (d), (c)'s pods while the script adds probes every PROBE_EVERY_MS ms, default 300; 0 leaves it out),
# DPBENCH_KEEP=DIR (keep fortio's JSON and access logs, the TSVs and the Envoy config dumps there).
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
  QPS=${QPS:-100} SLICE=${SLICE:-2} ROUNDS=${ROUNDS:-2} WARMUP=${WARMUP:-1} IDLE=${IDLE:-3}
else
  QPS=${QPS:-1000} SLICE=${SLICE:-5} ROUNDS=${ROUNDS:-20} WARMUP=${WARMUP:-3} IDLE=${IDLE:-20}
fi
CONNECTIONS=${CONNECTIONS:-8}
PROBE_AB=${PROBE_AB:-1}
PROBE_EVERY_MS=${PROBE_EVERY_MS:-300}
[ -z "${DURATION:-}" ] || { echo "data-plane: error: DURATION is gone: the measured time per case is ROUNDS x SLICE seconds" >&2; exit 2; }
for v in QPS SLICE ROUNDS WARMUP IDLE CONNECTIONS PROBE_EVERY_MS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "data-plane: error: $v='${!v}' is not a positive integer" >&2; exit 2; }
done
[[ $PROBE_AB =~ ^[01]$ ]] || { echo "data-plane: error: PROBE_AB='$PROBE_AB' is not 0 or 1" >&2; exit 2; }
MESH=dpbench
APP_UID=1000
PROXY_UID=1337

for tool in openssl setpriv curl iptables-restore ip python3; do
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
cases=(a b c)
if [ "$PROBE_AB" = 1 ]; then
  # Case (d): (c)'s pods and sidecars, measured while the script also probes them from the host as host
  # mode's kubelet role does (the sidecar's 15021 on both pods, the rewritten app probes on the server's
  # 15020), every PROBE_EVERY_MS: 300 is what host mode sent to Ready pods before it kept to periodSeconds
  # (10 s by default, 15 s for the sidecar's own). (d) against (c) in the same rounds: what probes cost the tail.
  cases+=(d)
  for role in client server; do netns[$role-d]=${netns[$role-c]} ip[$role-d]=${ip[$role-c]}; done
fi
target() { # case proto -> URL the client calls: HTTP/1.1 to the app's port 8080, h2c to 8082
  local port=8080
  [ "$2" = h2 ] && port=8082
  case $1 in
    a | b) echo "http://${ip[server-$1]}:$port/echo" ;;
    c | d) echo "http://server.dpbench:$port/echo" ;; # the Service's name: the mesh's normal path
  esac
}
probe_urls=("http://${ip[client-c]}:15021/healthz/ready" "http://${ip[server-c]}:15021/healthz/ready"
  "http://${ip[server-c]}:15020/app-health/app/readyz" "http://${ip[server-c]}:15020/app-health/app-h2/readyz")
rq_total() { # an Envoy's HTTP requests received, over all its connection managers but the admin one
  admin "$1" '/stats?filter=^http\..*downstream_rq_total$' |
    awk -F': ' '$1 !~ /^http\.admin\./ { s += $2 } END { print s + 0 }'
}
fortio_load() { # case proto seconds json-out [access-log]
  local h2=() log=()
  [ "$2" = h2 ] && h2=(-h2)
  [ -n "${5:-}" ] && log=(-access-log-file "$5")
  timeout $(( $3 + 60 )) ip netns exec "${netns[client-$1]}" setpriv --reuid "$APP_UID" --regid "$APP_UID" \
    --clear-groups "$fortio" load ${h2[@]+"${h2[@]}"} -qps "$QPS" -t "${3}s" -c "$CONNECTIONS" -uniform \
    -r 0.00001 -p 50,90,99 -payload-size 1024 -loglevel error ${log[@]+"${log[@]}"} -json - "$(target "$1" "$2")" \
    > "$4" 2> "$4.log" || die "fortio failed for case $1 $2: $(tail -3 "$4.log")"
}
probes_start() { # seconds out-prefix: case (d)'s extra probes, one keep-alive connection per URL like host mode's
  local i
  probe_pids=()
  for i in "${!probe_urls[@]}"; do
    timeout $(( $1 + 60 )) "$fortio" load -qps "$(awk -v ms="$PROBE_EVERY_MS" 'BEGIN { printf "%.3f", 1000 / ms }')" \
      -c 1 -t "${1}s" -loglevel error -json - "${probe_urls[$i]}" \
      > "$2-$i.json" 2> "$2-$i.json.log" 9>&- &
    probe_pids+=($!)
  done
}
probes_check() { # out-prefix: every extra probe answered 200
  local i bad
  for i in "${!probe_pids[@]}"; do
    wait "${probe_pids[$i]}" || die "case (d): the probe load on ${probe_urls[$i]} failed: $(tail -3 "$1-$i.json.log")"
    bad=$(jq '.DurationHistogram.Count - (.RetCodes["200"] // 0)' "$1-$i.json")
    [ "$bad" = 0 ] || die "case (d): $bad probes of ${probe_urls[$i]} were not answered 200"
  done
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
mkdir -p "$work/results/access" "$work/results/probes"
chown "$APP_UID" "$work/results/access" # fortio writes its access logs as the app user
for proto in h1 h2; do
  for c in "${cases[@]}"; do
    say "warm-up: case $c $proto, ${WARMUP} s at $QPS req/s"
    [ "$c" = d ] && probes_start "$WARMUP" "$work/results/probes/warmup-$proto"
    fortio_load "$c" "$proto" "$WARMUP" "$work/results/warmup-$c-$proto.json"
    [ "$c" = d ] && probes_check "$work/results/probes/warmup-$proto"
  done
done
# One row per slice; the columns of the earlier one-window-per-case runs, "round" now the round of the slice.
results="$work/results/summary.tsv"
printf 'round\tcase\tproto\tp50_ms\tp90_ms\tp99_ms\tqps\terrors\trequests\tsidecar_cpu_s\tclient_rq\tserver_rq\n' > "$results"
say "$ROUNDS rounds of ${SLICE} s slices at $QPS req/s: cases ${cases[*]}, HTTP/1.1 and h2c, interleaved"
for round in $(seq 1 "$ROUNDS"); do
  protos=(h1 h2)
  [ $(( round % 2 )) = 0 ] && protos=(h2 h1)
  order=()
  for i in "${!cases[@]}"; do order+=("${cases[$(( (i + round - 1) % ${#cases[@]} ))]}"); done
  say "round $round/$ROUNDS: ${protos[*]} x ${order[*]}, load $(cut -d' ' -f1-3 /proc/loadavg)"
  for proto in "${protos[@]}"; do
    for c in "${order[@]}"; do
      pids=()
      if [ "$c" != a ]; then
        mapfile -t pids < <(envoy_pids "${netns[client-$c]}"; envoy_pids "${netns[server-$c]}")
        [ ${#pids[@]} -eq 2 ] || die "case $c: expected 2 Envoy processes, found ${#pids[@]}"
        client_rq=$(rq_total "${netns[client-$c]}") server_rq=$(rq_total "${netns[server-$c]}")
      fi
      out="$work/results/$round-$c-$proto.json"
      [ "$c" = d ] && probes_start "$SLICE" "$work/results/probes/$round-$proto"
      ticks=$(cpu_ticks ${pids[@]+"${pids[@]}"})
      fortio_load "$c" "$proto" "$SLICE" "$out" "$work/results/access/$round-$c-$proto.jsonl"
      ticks=$(( $(cpu_ticks ${pids[@]+"${pids[@]}"}) - ticks ))
      [ "$c" = d ] && probes_check "$work/results/probes/$round-$proto"
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
run_header "$QPS req/s, $ROUNDS rounds of ${SLICE} s slices per case and protocol (interleaved, after ${WARMUP} s warm-up each), $CONNECTIONS connections, 1 KB bodies"
echo "idle CPU of both sidecars over ${IDLE} s, no load: (b) $(( idle_ticks[b] * 1000 / hz / IDLE )) ms/s, (c) $(( idle_ticks[c] * 1000 / hz / IDLE )) ms/s"
python3 "$here/pool.py" --results "$work/results" --slice "$SLICE" --smoke "$smoke"
