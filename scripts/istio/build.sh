#!/usr/bin/env bash
# Builds Istio's own programs from the istio.io/istio Go module pinned by scripts/istio/go.mod and go.sum, into
# .outrigger/istio/<release>/, for the side-by-side benchmarks (bench/README.md). Not part of
# scripts/bootstrap.sh: nothing in the default test run needs Istio. (The echo app of the Gateway API mesh
# conformance image is built by bootstrap --tests from scripts/echo, the same istio.io/istio version.)
# Idempotent: a program already built is not rebuilt, and a second run never invokes go.
#
#   scripts/istio/build.sh [PROGRAM...]   build the programs named (default: all of them), print their paths
#   scripts/istio/build.sh --print-dir    print the output directory (builds nothing)
#
# PROGRAM is one of
#   pilot-discovery  istiod (tags vtprotobuf,disable_pgv, as Istio's release build); ~200 s with cold caches
#   istio-cni        the istio-cni CNI plugin (tags agent,disable_pgv); ~30 s after pilot-discovery
# Every binary reports the release below as its version (istio.io/istio/pkg/version.buildVersion).
set -euo pipefail

# The istio.io/istio module has no v-prefixed tags, so the module proxy knows the 1.31.0 commit only by its
# pseudo-version; go.mod must require exactly that one (checked below).
ISTIO_RELEASE=1.31.0
ISTIO_MODULE_VERSION=v0.0.0-20260827124520-eed52ebb66ad

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
module="$root/scripts/istio"
out="$root/.outrigger/istio/$ISTIO_RELEASE"

say() { echo "istio-build: $*" >&2; }
die() { echo "istio-build: error: $*" >&2; exit 1; }

required=$(sed -n 's/^require istio\.io\/istio \(v[^ ]*\)$/\1/p' "$module/go.mod")
[ "$required" = "$ISTIO_MODULE_VERSION" ] ||
  die "scripts/istio/go.mod requires istio.io/istio '$required', this script builds $ISTIO_MODULE_VERSION ($ISTIO_RELEASE): change both together"

if [ "${1:-}" = --print-dir ]; then echo "$out"; exit 0; fi

programs=("$@")
[ ${#programs[@]} -gt 0 ] || programs=(pilot-discovery istio-cni)

go_minor() { "$1" version 2>/dev/null | sed -n 's/^go version go1\.\([0-9]*\).*/\1/p'; }
go=""
find_go() {
  local need candidate minor
  need=$(sed -n 's/^go 1\.\([0-9]*\).*/\1/p' "$module/go.mod")
  for candidate in ${GO:-} /usr/local/go/bin/go "$(command -v go || true)" /usr/lib/go-1.*/bin/go; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    minor=$(go_minor "$candidate")
    if [ -n "$minor" ] && [ "$minor" -ge "$need" ]; then go=$candidate; return 0; fi
  done
  die "no Go >= 1.$need found (set GO=/path/to/go; scripts/bootstrap.sh --tests fetches an older one, whose GOTOOLCHAIN could fetch this one)"
}

# build NAME PACKAGE TAGS
build() {
  local bin="$out/$1" started
  if [ -x "$bin" ]; then echo "$bin"; return 0; fi
  [ -n "$go" ] || find_go
  started=$(date +%s)
  say "building $1 (Istio $ISTIO_RELEASE) with $("$go" version | cut -d' ' -f3); minutes when the Go caches are cold"
  mkdir -p "$out"
  # go.sum pins every module: -mod=readonly fails rather than trust a module the checkout does not list.
  # nice: a cold build takes minutes of both cores on a machine others share.
  (cd "$module" && GOFLAGS=-mod=readonly GOTOOLCHAIN=local CGO_ENABLED=0 \
    nice -n 19 "$go" build -trimpath -buildvcs=false -tags "$3" -o "$bin.partial" \
    -ldflags "-s -w -X istio.io/istio/pkg/version.buildVersion=$ISTIO_RELEASE" "$2") >&2
  mv "$bin.partial" "$bin"
  say "built $1 in $(( $(date +%s) - started )) s"
  echo "$bin"
}

for program in "${programs[@]}"; do
  case "$program" in
    pilot-discovery) build pilot-discovery istio.io/istio/pilot/cmd/pilot-discovery vtprotobuf,disable_pgv ;;
    istio-cni) build istio-cni istio.io/istio/cni/cmd/istio-cni agent,disable_pgv ;;
    *) die "unknown program '$program' (pilot-discovery, istio-cni)" ;;
  esac
done
