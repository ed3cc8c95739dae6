#!/bin/bash
# JVM start-up floor against the Debian bridge plugin's ADD, in one hyperfine run (see BENCHMARKS.md "CNI plugin").
# Measures, each command exec'd with the same CNI_* environment:
#   bridge-add        /usr/lib/cni/bridge ADD of a fresh pod netns (veth, host-local IPAM): the baseline
#   outrigger-add     the built plugin's ADD of a meshed pod in a fresh netns (capture rules written)
#   outrigger-version the built plugin's VERSION (a JVM start that does no work)
#   empty-*           an empty main on a java.base-only jlink'd runtime, per JVM configuration (flags: the
#                     plugin's -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xmx64m)
# Everything runs inside a network namespace this script creates (the bridge and its /24 never reach the
# host's network), and every netns, file and process it creates is removed on exit.
# Usage (root): add-floor.sh PLUGIN_IMAGE_DIR [RUNS] [JSON_OUT]   e.g. cni-chain/target/plugin-image 60
set -euo pipefail
image=$(readlink -f "$1")
runs=${2:-60}
json=${3:-}
java_home=${JAVA_HOME:?JAVA_HOME must point at the JDK the plugin image was built with}
for tool in hyperfine ip nsenter /usr/lib/cni/bridge /usr/lib/cni/host-local; do
  command -v "$tool" >/dev/null || { echo "add-floor.sh: $tool is missing (apt-get install hyperfine iproute2 containernetworking-plugins)" >&2; exit 2; }
done
work=$(mktemp -d /tmp/outrigger-cni-floor.XXXXXX)
id="ocf$$"
host="$id-host"
pod="$id-pod"
cleanup() {
  ip netns delete "$pod" 2>/dev/null || true
  ip netns delete "$host" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The empty main and its runtime: java.base only, no debug attributes, default CDS archive regenerated.
mkdir -p "$work/classes"
printf 'public class Empty { public static void main(String[] a) { } }\n' >"$work/Empty.java"
"$java_home/bin/javac" --release 21 -d "$work/classes" "$work/Empty.java"
"$java_home/bin/jar" cf "$work/empty.jar" -C "$work/classes" .
"$java_home/bin/jlink" --add-modules java.base --strip-debug --no-header-files --no-man-pages --generate-cds-archive \
  --output "$work/rt" >"$work/jlink.log" 2>&1 || { cat "$work/jlink.log" >&2; exit 1; }
java="$work/rt/bin/java"
flags="-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xmx64m"
"$java" -XX:AOTCacheOutput="$work/empty.aot" $flags -cp "$work/empty.jar" Empty >"$work/aot.log" 2>&1
"$java" -XX:AOTCacheOutput="$work/empty-xint.aot" -Xint $flags -cp "$work/empty.jar" Empty >>"$work/aot.log" 2>&1

# The pod network: a private "host" netns holds the bridge; each timed ADD gets a fresh pod netns.
ip netns add "$host"
ip netns add "$pod"
export CNI_COMMAND=ADD CNI_CONTAINERID="$id" CNI_NETNS="/var/run/netns/$pod" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni \
  CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=bench;K8S_POD_NAME=$id"
cat >"$work/bridge.json" <<JSON
{"cniVersion":"1.0.0","name":"floor","type":"bridge","bridge":"ocfbr0","isGateway":true,"ipMasq":false,
 "ipam":{"type":"host-local","dataDir":"$work/ipam","ranges":[[{"subnet":"198.18.0.0/24","gateway":"198.18.0.1"}]]}}
JSON
prev=$(nsenter --net="/var/run/netns/$host" /usr/lib/cni/bridge <"$work/bridge.json")
cat >"$work/ours.json" <<JSON
{"cniVersion":"1.0.0","name":"floor","type":"outrigger-cni","log_file":"$work/outrigger-cni.log",
 "capabilities":{"io.kubernetes.cri.pod-annotations":true},
 "runtimeConfig":{"io.kubernetes.cri.pod-annotations":{"outrigger.io/status":"{}"}},"prevResult":$prev}
JSON
# Before each ADD: a fresh pod netns (deleting the old one removes its veth) and an empty IPAM store.
fresh="ip netns delete $pod; rm -rf $work/ipam; ip netns add $pod"
empty="$work/empty.jar Empty"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
json=${json:-$work/results.json}
nsenter --net="/var/run/netns/$host" hyperfine --style basic -w 5 -r "$runs" --export-json "$json" \
  -p "$fresh" -n bridge-add "/usr/lib/cni/bridge <$work/bridge.json" \
  -p "$fresh" -n outrigger-add "$image/outrigger-cni <$work/ours.json" \
  -p true -n outrigger-version "CNI_COMMAND=VERSION $image/outrigger-cni </dev/null" \
  -p true -n empty-jdk-defaults "$java_home/bin/java -cp $empty" \
  -p true -n empty-jlink-defaults "$java -cp $empty" \
  -p true -n empty-jlink-flags-cds "$java $flags -cp $empty" \
  -p true -n empty-jlink-flags-aot "$java -XX:AOTCache=$work/empty.aot $flags -cp $empty" \
  -p true -n empty-jlink-flags-aot-xint "$java -XX:AOTCache=$work/empty-xint.aot -Xint $flags -cp $empty" \
  -p true -n empty-jlink-flags-aot-cts10 "$java -XX:AOTCache=$work/empty.aot $flags -XX:CompileThresholdScaling=10 -cp $empty"
# hyperfine prints means; the target is on p50 (its median), so print medians and the ratio to bridge's.
python3 - "$json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
names = ["bridge-add", "outrigger-add", "outrigger-version", "empty-jdk-defaults", "empty-jlink-defaults",
         "empty-jlink-flags-cds", "empty-jlink-flags-aot", "empty-jlink-flags-aot-xint",
         "empty-jlink-flags-aot-cts10"]
bridge = results[0]["median"]
print("%-28s %8s %8s %8s %10s %12s" % ("command", "p50 ms", "min ms", "mean ms", "CPU ms avg", "p50/bridge"))
for name, r in zip(names, results):
    print("%-28s %8.1f %8.1f %8.1f %10.1f %12.2f" % (name, r["median"] * 1e3, r["min"] * 1e3, r["mean"] * 1e3,
          (r["user"] + r["system"]) * 1e3, r["median"] / bridge))
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -c 'result=ok' "$work/outrigger-cni.log" | sed 's/^/outrigger-cni ADDs logged ok: /'
