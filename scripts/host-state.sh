#!/usr/bin/env bash
# Records and compares what tests (and host-mode meshes: outrigger mesh up, outrigger demo) may leave on the
# host: network namespaces, links (veths, bridges), the host's iptables rules, the processes tests start
# (Envoy; etcd and kube-apiserver of tier 4; the mesh view's chromium and chromedriver), CNI IPAM state,
# host mode's own (mesh state directories /run/outrigger/mesh/NAME, /etc/netns/ortg* hosts files,
# supervisor and pod processes), and what the tier-5 cluster leaves (its processes and containerd shims,
# mounts, kubepods cgroups, the sysctls kubelet changes, the paths kubelet and containerd hard-code, and with
# Flannel as its primary CNI flanneld, its subnet file under /run/flannel, its CNI plugin's and host-local's
# state under /var/lib/cni, its links and iptables chains should any reach the root netns). Used
# by scripts/test.sh so the suite itself fails when a test does not clean up.
#
#   scripts/host-state.sh snapshot DIR    record the current state into DIR
#   scripts/host-state.sh compare DIR     exit 1, naming each leftover, if the state differs from DIR
#                                         (what a concurrent test run on the same machine holds is ignored)
#   OUTRIGGER_TEST_RUN=ID (set by scripts/test.sh): count only the processes that run started (see below)
#   scripts/host-state.sh kube            print what of a tier-5 cluster is on the machine; exit 1 if any
#                                         (SingleNodeClusterTeardownTest asserts on this after a teardown)
set -euo pipefail

# What a test run creates is tagged, so that only it is counted (an unrelated etcd or Envoy on the machine is
# none of the suite's business): scripts/test.sh exports OUTRIGGER_TEST_RUN=<run id>, and every process the
# tests start inherits it in its environment (host-mode pods, whose environment is otherwise cleared, are
# given it too); test network namespaces are named ortg... (BridgeNetworks.PREFIX) or, in the tier-5
# cluster, cni-... by containerd. Without OUTRIGGER_TEST_RUN every process of those names counts, as before.
RUN_ID=${OUTRIGGER_TEST_RUN:-}

# True when process $1 belongs to this run: its environment holds OUTRIGGER_TEST_RUN=$RUN_ID.
of_this_run() {
  [ -z "$RUN_ID" ] && return 0
  tr '\0' '\n' < "/proc/$1/environ" 2>/dev/null | grep -qxF "OUTRIGGER_TEST_RUN=$RUN_ID"
}

# The processes tests start, as "<name> <pid>".
PROCESS_NAMES="envoy etcd kube-apiserver kubelet kube-proxy kube-scheduler containerd flanneld chromium chromedriver"
procs() {
  local name pid
  for name in $PROCESS_NAMES; do
    for pid in $(pgrep -x "$name" 2>/dev/null || true); do
      if of_this_run "$pid"; then echo "$name $pid"; fi
    done
  done
}

# Network namespaces tests create; other netns on the machine are not the suite's.
test_netns() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^(ortg|cni-)' || true
}

# The tier-5 cluster (test-support SingleNodeCluster): everything of it names its state directory, or is
# at a path kubelet, containerd or libcni hard-code. One line per thing.
KUBE_STATE=/var/tmp/outrigger-kube
KUBE_SYSCTLS="kernel/panic kernel/panic_on_oops vm/overcommit_memory"
kube_state() {
  local pid cmd s h
  for pid in $(pgrep -f "$KUBE_STATE/" 2>/dev/null || true); do
    [ "$pid" = $$ ] && continue
    cmd=$(ps -o comm= -p "$pid" 2>/dev/null || true)
    [ -n "$cmd" ] && echo "kube process $cmd $pid"
  done
  awk -v s="$KUBE_STATE/" '$5 ~ "^" s || $5 ~ "^/run/netns/cni-" {print "kube mount " $5}' /proc/self/mountinfo
  for h in /sys/fs/cgroup/*; do
    for s in kubepods k8s.io; do [ -d "$h/$s" ] && echo "kube cgroup $h/$s"; done
  done
  for s in $KUBE_SYSCTLS; do echo "kube sysctl $s=$(cat "/proc/sys/$s" 2>/dev/null)"; done
  for s in "$KUBE_STATE" /run/containerd /var/lib/kubelet /run/outrigger-test/kube-sysctls; do
    [ -e "$s" ] && echo "kube path $s"
  done
  find /var/lib/cni/results /var/log/containers /run/netns -mindepth 1 -maxdepth 1 2>/dev/null \
    | grep -E '^/var/lib/cni/results/(outrigger-k8s|cbr0|cni-loopback)-|^/var/log/containers/|^/run/netns/cni-' \
    | sed 's/^/kube path /' || true
  # Flannel (SingleNodeClusterFlannel): flanneld's subnet file, the flannel plugin's saved delegate configs,
  # host-local's leases of Flannel's network cbr0. Its cni0 bridge, any flannel.N vxlan device and its
  # FLANNEL-* iptables chains live in the node's netns: in the root netns they are leftovers too.
  for s in /run/flannel /var/lib/cni/flannel /var/lib/cni/networks/cbr0; do
    if [ -e "$s" ]; then echo "kube path $s"; fi
  done
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(cni0|flannel\.[0-9]+)$' \
    | sed 's/^/kube link /' || true
  { iptables-save 2>/dev/null || true; } | grep -E '^:FLANNEL-' | cut -d' ' -f1 | sed 's/^/kube iptables chain /' || true
  # The chart's CNI DaemonSet at a node's default paths (tests point it into the state dir; these would be
  # its plugin, kubeconfig and pod records left on this machine by an installer run with the defaults).
  for s in /var/run/outrigger-cni /opt/cni/bin/outrigger-cni /opt/cni/bin/outrigger-cni.d /etc/cni/net.d/outrigger-cni.kubeconfig; do
    if [ -e "$s" ]; then echo "kube path $s"; fi
  done
}

# Host mode: where meshes keep their state (OUTRIGGER_MESH_STATE overrides it, as for the outrigger command).
MESH_ROOT=${OUTRIGGER_MESH_STATE:-/run/outrigger/mesh}

# Host-mode processes, as "<kind> <pid>": mesh supervisors, and every process of a mesh's pods (their command
# lines name files under the mesh's state directory).
mesh_procs() {
  local pid
  for pid in $(pgrep -f 'io.outrigger.hostmode.cli.SupervisorMain' 2>/dev/null || true); do echo "mesh-supervisor $pid"; done
  for pid in $(pgrep -f "$MESH_ROOT/" 2>/dev/null || true); do echo "mesh-pod-process $pid"; done
}

record() {
  local dir=$1
  mkdir -p "$dir"
  test_netns | sort > "$dir/netns"
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort > "$dir/links"
  # Counters and comments with timestamps change on their own; compare rules only.
  { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -E '^(-A|:|\*)' | sed 's/ \[[0-9]*:[0-9]*\]$//' | sort > "$dir/iptables" || true
  { procs; mesh_procs; } | sort -u > "$dir/procs"
  { find "$MESH_ROOT" -mindepth 1 -maxdepth 1 2>/dev/null; find /etc/netns -mindepth 1 -maxdepth 1 -name 'ortg*' 2>/dev/null; } \
    | sort > "$dir/meshes" || true
  # The test harness keeps its subnet leases and host-local IPAM state under /run/outrigger-test.
  { find /var/lib/cni/networks -mindepth 1 2>/dev/null; find /run/outrigger-test -mindepth 1 -maxdepth 1 ! -name leases.lock ! -name kube-cluster.lock ! -name kube-sysctls 2>/dev/null; } | sort > "$dir/ipam" || true
  kube_state | sort > "$dir/kube"
}

# What another test run on this machine holds right now (every JVM of this run has exited when compare
# runs): test networks whose lease owner (/run/outrigger-test/lease-N = "PID@start") is alive, with their
# netns, bridge, veths and state; test processes whose parent is a live JVM. On a CI machine this is empty.
others() {
  local lease n pid ppid name
  for lease in /run/outrigger-test/lease-*; do
    [ -e "$lease" ] || continue
    n=${lease##*-}
    pid=$(cut -d@ -f1 "$lease" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      printf '%s\n' "ortg$n" "$lease" "/run/outrigger-test/net-$n"
      ip netns list 2>/dev/null | awk '{print $1}' | grep "^ortg$n-" || true
      find /etc/netns -mindepth 1 -maxdepth 1 -name "ortg$n-*" 2>/dev/null || true
      ip -o link show master "ortg$n" 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' || true
    fi
  done
  # Convention for resources made outside PodNetwork: name them ortg<what>-<PID>-..., PID the owning process.
  for name in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ortg[a-z]+-[0-9]+-' || true); do
    pid=$(echo "$name" | cut -d- -f2)
    if kill -0 "$pid" 2>/dev/null; then echo "$name"; fi
  done
  # The tier-5 cluster of a live test JVM (its netns is ortgkube-<PID>-node): all of the cluster's state.
  for name in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ortgkube-[0-9]+-node$' || true); do
    pid=$(echo "$name" | cut -d- -f2)
    if kill -0 "$pid" 2>/dev/null; then
      echo "ortgkube-h"
      kube_state
      ip netns list 2>/dev/null | awk '{print $1}' | grep '^cni-' || true
    fi
  done
  # A mesh whose supervisor lives (a developer's 'outrigger demo' beside the tests): its directory and processes.
  for pidfile in "$MESH_ROOT"/*/supervisor.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cut -d@ -f1 "$pidfile" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      echo "${pidfile%/supervisor.pid}"
      echo "mesh-supervisor $pid"
      for p in $(pgrep -f "${pidfile%/supervisor.pid}/" 2>/dev/null || true); do echo "mesh-pod-process $p"; done
    fi
  done
  procs | while read -r name pid; do
    ppid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    if [ -n "$ppid" ] && [ "$ppid" != 1 ] && [ "$(ps -o comm= -p "$ppid" 2>/dev/null)" = java ]; then echo "$name $pid"; fi
  done
}

same() {
  local what
  for what in netns links iptables procs ipam kube meshes; do cmp -s "$1/$what" "$2/$what" || return 1; done
}

case "${1:-}" in
  snapshot) record "$2" ;;
  compare)
    now=$(mktemp -d)
    later=$(mktemp -d)
    trap 'rm -rf "$now" "$later"' EXIT
    # Before and after recording, so a concurrent run that ends in between is still recognised.
    { others; record "$now"; others; } > "$now/others"
    # Something else on a shared machine may hold a resource for a moment: a leftover is what is still
    # there a few seconds later (on a quiet CI machine this only delays a failing check).
    if ! same "$2" "$now"; then
      sleep 5
      record "$later"
      for what in netns links iptables procs ipam kube meshes; do
        comm -12 "$now/$what" "$later/$what" > "$now/$what.kept"; mv "$now/$what.kept" "$now/$what"
      done
    fi
    leftover=0
    for what in netns links iptables procs ipam kube meshes; do
      touch "$2/$what"
      added=$(comm -13 "$2/$what" "$now/$what" | grep -vxF -f "$now/others" || true)
      if [ -n "$added" ]; then
        echo "host-state: tests left $what behind:" >&2
        echo "$added" | sed 's/^/  /' >&2
        leftover=1
      fi
    done
    if [ $leftover -eq 0 ]; then echo "host-state: no netns, link, iptables rule, test process ($PROCESS_NAMES), IPAM entry, host-mode mesh or tier-5 cluster state left behind"; fi
    exit $leftover
    ;;
  kube)
    # Sysctl lines are values, not leftovers, unless they differ from what the cluster saved: left out here.
    found=$(kube_state | grep -v '^kube sysctl ' || true)
    if [ -n "$found" ]; then echo "$found"; exit 1; fi
    ;;
  *) echo "usage: scripts/host-state.sh snapshot|compare DIR | kube" >&2; exit 2 ;;
esac
