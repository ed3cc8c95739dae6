#!/usr/bin/env bash
# Runs a command (KubeRegistryLoadBenchmark) in a private network namespace whose loopback holds all of
# 198.18.0.0/15 as local addresses, so each simulated sidecar can dial the control plane from its own
# pod's IP, as the control plane's pod source check requires of a pod-bound token. Everything else in
# the run (kube-apiserver, etcd, the control plane) is on that namespace's loopback too. The namespace
# is unnamed: it disappears with the last process in it, so nothing is left on the host.
# Needs root (or unprivileged user namespaces, then with --map-root-user).
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: $0 COMMAND [ARG...]   (e.g. $0 java -cp ... io.outrigger.bench.xdsload.KubeRegistryLoadBenchmark ...)" >&2
  exit 2
fi
userns=()
if [ "$(id -u)" -ne 0 ]; then
  userns=(--map-root-user)
fi
exec unshare "${userns[@]}" --net -- sh -c '
  set -e
  ip link set lo up
  ip route add local 198.18.0.0/15 dev lo
  exec "$@"' pod-network "$@"
