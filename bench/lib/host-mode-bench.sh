# Sourced by the host-mode benchmarks (bench/data-plane.sh, bench/sidecar-memory.sh): the bench lock with the
# load average before it, one host-mode mesh named $MESH, and an exit handler (Ctrl-C and errors included)
# that runs the caller's bench_cleanup hook, takes the mesh down (its pod namespaces go with it, and every
# veth and iptables rule in them) and deletes $work. The caller sets root, MESH and work first.

say() { echo "$(basename "$0" .sh): $*" >&2; }
die() { echo "$(basename "$0" .sh): error: $*" >&2; exit 1; }
mesh_started=false
bench_cleanup() { :; }
bench_exit() {
  local status=$?
  trap - EXIT INT TERM
  bench_cleanup || status=1
  if $mesh_started; then "$root/outrigger" mesh down --name "$MESH" >&2 || status=1; fi
  rm -rf "$work"
  exit "$status"
}
trap bench_exit EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || die "run as root (host-mode mesh: network namespaces, iptables)"
command -v jq >/dev/null || die "jq not found"
[ -f "$root/.outrigger/env" ] || "$root/scripts/bootstrap.sh" >&2
# shellcheck source=/dev/null
source "$root/.outrigger/env"

# Timed runs on the shared machine go one at a time.
exec 9>/tmp/outrigger-bench.lock
if ! flock -n 9; then say "waiting for /tmp/outrigger-bench.lock (another benchmark runs)"; flock 9; fi
load_before=$(cat /proc/loadavg)
say "load average before: $load_before"

# mesh_up DIR: starts the mesh from the manifests in DIR; sets state (its mesh.json).
mesh_up() {
  mesh_started=true
  "$root/outrigger" mesh up --name "$MESH" -f "$1" >&2
  state="${OUTRIGGER_MESH_STATE:-/run/outrigger/mesh}/$MESH/mesh.json"
}
# pod_field NAMESPACE POD FIELD: a field of the pod in mesh.json (netns, ip, ...).
pod_field() { jq -r --arg ns "$1" --arg n "$2" '.pods[] | select(.namespace == $ns and .name == $n) | .'"$3" "$state"; }
# envoy_pids NETNS: the Envoy processes in a pod's network namespace.
envoy_pids() {
  local pid
  for pid in $(ip netns pids "$1"); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = envoy ] && echo "$pid"
  done
  return 0
}
# cpu_ticks PID...: their summed user + system CPU time, in clock ticks (getconf CLK_TCK a second).
cpu_ticks() {
  local total=0 pid f
  for pid in "$@"; do
    read -ra f < "/proc/$pid/stat" # comm (field 2) of an Envoy has no spaces
    total=$(( total + f[13] + f[14] ))
  done
  echo "$total"
}
# admin NETNS PATH: a GET on the Envoy admin port of that pod.
admin() { ip netns exec "$1" curl -sf --max-time 10 "http://127.0.0.1:15000$2"; }
# run_header TEXT: the first lines of a result: commit, date, machine, TEXT, load average before and now.
run_header() {
  echo "$(basename "$0" .sh): commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- . 2>/dev/null || echo '+changes'), $(date -u +%FT%TZ), $(nproc) cores, $1"
  echo "load average before: $load_before"
  echo "load average after:  $(cat /proc/loadavg)"
}
