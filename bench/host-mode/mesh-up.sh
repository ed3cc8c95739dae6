#!/usr/bin/env bash
# Host-mode benchmark: wall time of `outrigger mesh up` for N pods (each with an Envoy sidecar and a Python
# http.server app behind one Service), and the memory (RSS) of the supervisor, which holds the control plane,
# once all N are ready. Bounded: each size has a 15-minute timeout and the mesh is taken down after it.
#
#   bench/host-mode/mesh-up.sh 10 50 100      (as root, after ./outrigger has built the jar)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
name=bench$$
work=$(mktemp -d)
trap '"$root/outrigger" mesh down --name "$name" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

manifest() {
  cat <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: bench, labels: {outrigger.io/injection: enabled}}
---
apiVersion: v1
kind: Service
metadata: {name: echo, namespace: bench}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: echo, namespace: bench}
spec:
  replicas: $1
  selector: {matchLabels: {app: echo}}
  template:
    metadata: {labels: {app: echo}}
    spec:
      containers:
        - name: app
          command: [python3, -m, http.server, "8080"]
          workingDir: /tmp
          ports: [{name: http, containerPort: 8080}]
          readinessProbe: {httpGet: {path: /, port: 8080}}
YAML
}

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

printf '%-6s %-12s %-22s %s\n' pods "up (s)" "supervisor RSS (MiB)" "Envoy RSS total (MiB)"
for n in "$@"; do
  manifest "$n" > "$work/bench.yaml"
  start=$(date +%s.%N)
  timeout 900 "$root/outrigger" mesh up --name "$name" -f "$work/bench.yaml" > "$work/up.log" 2>&1 \
    || { echo "mesh up of $n pods failed:"; tail -5 "$work/up.log"; exit 1; }
  took=$(echo "$(date +%s.%N) - $start" | bc)
  sup=$(python3 -c "import json; print(json.load(open('/run/outrigger/mesh/$name/mesh.json'))['supervisor']['pid'])")
  envoys=0
  for pid in $(pgrep -f "/run/outrigger/mesh/$name/" || true); do
    if [ "$(cat /proc/$pid/comm 2>/dev/null)" = envoy ]; then envoys=$((envoys + $(rss_mib "$pid"))); fi
  done
  printf '%-6s %-12.1f %-22s %s\n' "$n" "$took" "$(rss_mib "$sup")" "$envoys"
  "$root/outrigger" mesh down --name "$name" > /dev/null 2>&1
done
