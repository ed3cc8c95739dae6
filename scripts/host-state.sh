#!/usr/bin/env bash
# Records and compares what tests may leave on the host: network namespaces, links (veths, bridges),
# the host's iptables rules, the processes tests start (Envoy; etcd and kube-apiserver of tier 4; the
# mesh view's chromium and chromedriver) and
# CNI IPAM state. Used by scripts/test.sh so the suite
# itself fails when a test does not clean up.
#
#   scripts/host-state.sh snapshot DIR    record the current state into DIR
#   scripts/host-state.sh compare DIR     exit 1, naming each leftover, if the state differs from DIR
#                                         (what a concurrent test run on the same machine holds is ignored)
set -euo pipefail

# The processes tests start, as "<name> <pid>".
PROCESS_NAMES="envoy etcd kube-apiserver chromium chromedriver"
procs() {
  local name pid
  for name in $PROCESS_NAMES; do
    for pid in $(pgrep -x "$name" 2>/dev/null || true); do echo "$name $pid"; done
  done
}

record() {
  local dir=$1
  mkdir -p "$dir"
  ip netns list 2>/dev/null | awk '{print $1}' | sort > "$dir/netns"
  ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort > "$dir/links"
  # Counters and comments with timestamps change on their own; compare rules only.
  { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -E '^(-A|:|\*)' | sed 's/ \[[0-9]*:[0-9]*\]$//' | sort > "$dir/iptables" || true
  procs | sort > "$dir/procs"
  # The test harness keeps its subnet leases and host-local IPAM state under /run/outrigger-test.
  { find /var/lib/cni/networks -mindepth 1 2>/dev/null; find /run/outrigger-test -mindepth 1 -maxdepth 1 ! -name leases.lock 2>/dev/null; } | sort > "$dir/ipam" || true
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
      ip -o link show master "ortg$n" 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' || true
    fi
  done
  # Convention for resources made outside PodNetwork: name them ortg<what>-<PID>-..., PID the owning process.
  for name in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^ortg[a-z]+-[0-9]+-' || true); do
    pid=$(echo "$name" | cut -d- -f2)
    if kill -0 "$pid" 2>/dev/null; then echo "$name"; fi
  done
  procs | while read -r name pid; do
    ppid=$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
    if [ -n "$ppid" ] && [ "$ppid" != 1 ] && [ "$(ps -o comm= -p "$ppid" 2>/dev/null)" = java ]; then echo "$name $pid"; fi
  done
}

same() {
  local what
  for what in netns links iptables procs ipam; do cmp -s "$1/$what" "$2/$what" || return 1; done
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
      for what in netns links iptables procs ipam; do
        comm -12 "$now/$what" "$later/$what" > "$now/$what.kept"; mv "$now/$what.kept" "$now/$what"
      done
    fi
    leftover=0
    for what in netns links iptables procs ipam; do
      added=$(comm -13 "$2/$what" "$now/$what" | grep -vxF -f "$now/others" || true)
      if [ -n "$added" ]; then
        echo "host-state: tests left $what behind:" >&2
        echo "$added" | sed 's/^/  /' >&2
        leftover=1
      fi
    done
    if [ $leftover -eq 0 ]; then echo "host-state: no netns, link, iptables rule, test process ($PROCESS_NAMES) or IPAM entry left behind"; fi
    exit $leftover
    ;;
  *) echo "usage: scripts/host-state.sh snapshot|compare DIR" >&2; exit 2 ;;
esac
