#!/bin/sh
# Builds the outrigger-cni plugin image in the Maven package phase:
#   <out>/outrigger-cni                      the executable the container runtime runs: a small compiled launcher
#                                            (src/main/c/launcher.c) that execs the runtime below on the plugin
#   <out>/outrigger-cni.d/runtime/           a jlink'd Java runtime (java.base + java.net.http) with its CDS archive
#   <out>/outrigger-cni.d/outrigger-cni.jar  the plugin classes
#   <out>/outrigger-cni.d/libnetnsexec.so    the JNI library the plugin runs the iptables tools in the pod netns with
#                                            (src/main/c/netns_exec.c; without it the plugin falls back to nsenter)
#   <out>/outrigger-cni.d/VERSION            the version the plugin logs and records per pod (PluginVersion)
#   <out>/outrigger-cni.d/outrigger-cni.aot  an AOT cache (JEP 483/514: classes parsed and verified ahead, loaded
#                                            when used) recorded from a training run (TrainingRun, train-aot-cache.sh)
# Usage: make-plugin-image.sh JAVA_HOME JAR OUT [VERSION]
set -eu
java_home=$1
jar=$2
out=$3
version=${4:-dev}
d="$out/outrigger-cni.d"

rm -rf "$out"
mkdir -p "$d"
# JEP 493: the JDK has no jmods/, jlink links from its own run-time image.
# Its output (warnings about java.logging classes missing from the default class list) goes to a log file.
if ! "$java_home/bin/jlink" --add-modules java.base,java.net.http --strip-debug --no-header-files --no-man-pages \
  --generate-cds-archive --output "$d/runtime" >"$out.jlink.log" 2>&1; then
  cat "$out.jlink.log" >&2
  exit 1
fi
cp "$jar" "$d/outrigger-cni.jar"
# The JNI library, with the C compiler scripts/bootstrap.sh installs (gcc, libc6-dev) and the JDK's jni.h.
# Built before the training run, which loads it: its classes go into the AOT cache.
src=$(cd "$(dirname "$0")/../main/c" && pwd)
[ -f "$java_home/include/jni.h" ] || { echo "make-plugin-image.sh: no $java_home/include/jni.h (a JDK, not a JRE, is needed)" >&2; exit 1; }
command -v "${CC:-cc}" >/dev/null || { echo "make-plugin-image.sh: no C compiler ${CC:-cc}: apt-get install gcc libc6-dev (scripts/bootstrap.sh does)" >&2; exit 1; }
"${CC:-cc}" -O2 -Wall -Wextra -Werror -shared -fPIC -I"$java_home/include" -I"$java_home/include/linux" \
  -o "$d/libnetnsexec.so" "$src/netns_exec.c"
strip --strip-unneeded "$d/libnetnsexec.so" 2>/dev/null || true
# The launcher: C rather than a shell script, whose /bin/sh start cost each call ~0.9 ms.
"${CC:-cc}" -O2 -Wall -Wextra -Werror -o "$out/outrigger-cni" "$src/launcher.c"
strip "$out/outrigger-cni" 2>/dev/null || true
chmod 0755 "$out/outrigger-cni"
echo "$version" >"$d/VERSION"
"$(dirname "$0")/train-aot-cache.sh" "$d"
echo "outrigger-cni image: $out ($(du -sh "$out" | cut -f1))"
