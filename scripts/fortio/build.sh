#!/usr/bin/env bash
# Builds fortio (load generator and echo server of bench/data-plane.sh) from the fortio.org/fortio Go module
# pinned by scripts/fortio/go.mod and go.sum into .outrigger/fortio/<version>/fortio and prints its path.
# Not part of scripts/bootstrap.sh: only the benchmark and its smoke test need it. Idempotent: a binary
# already built is not rebuilt, and a second run never invokes go.
#
# Why 1.68.2 and not the newest: from 1.69 fortio depends on grol.io/grol (its scripting mode), which the
# module proxy reachable here refuses (403); 1.68.2 is the last release without it.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
module="$root/scripts/fortio"
version=$(sed -n 's/^require fortio\.org\/fortio v\([0-9.]*\)$/\1/p' "$module/go.mod")
[ -n "$version" ] || { echo "fortio-build: error: no 'require fortio.org/fortio vX.Y.Z' in $module/go.mod" >&2; exit 1; }
bin="$root/.outrigger/fortio/$version/fortio"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

need=$(sed -n 's/^go 1\.\([0-9]*\).*/\1/p' "$module/go.mod")
go=""
for candidate in ${GO:-} /usr/local/go/bin/go "$(command -v go || true)"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  minor=$("$candidate" version | sed -n 's/^go version go1\.\([0-9]*\).*/\1/p')
  if [ -n "$minor" ] && [ "$minor" -ge "$need" ]; then go=$candidate; break; fi
done
[ -n "$go" ] || { echo "fortio-build: error: no Go >= 1.$need (set GO=/path/to/go)" >&2; exit 1; }

started=$(date +%s)
echo "fortio-build: building fortio $version with $("$go" version | cut -d' ' -f3)" >&2
mkdir -p "$(dirname "$bin")"
# -mod=readonly: go.sum pins every module. nice: the machine is shared.
(cd "$module" && GOFLAGS=-mod=readonly GOTOOLCHAIN=local CGO_ENABLED=0 \
  nice -n 19 "$go" build -trimpath -buildvcs=false -ldflags "-s -w" -o "$bin.partial" fortio.org/fortio) >&2
mv "$bin.partial" "$bin"
echo "fortio-build: built fortio $version in $(( $(date +%s) - started )) s" >&2
echo "$bin"
