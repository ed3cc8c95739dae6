#!/bin/sh
# Builds the outrigger-cni plugin image in the Maven package phase:
#   <out>/outrigger-cni                      the executable the container runtime runs (a launcher script)
#   <out>/outrigger-cni.d/runtime/           a jlink'd Java runtime (java.base + java.net.http) with its CDS archive
#   <out>/outrigger-cni.d/outrigger-cni.jar  the plugin classes
#   <out>/outrigger-cni.d/VERSION            the version the plugin logs and records per pod (PluginVersion)
#   <out>/outrigger-cni.d/outrigger-cni.aot  an AOT cache (JEP 483/514: classes loaded and linked, lambdas and
#                                            string concatenation resolved) recorded from a training run (TrainingRun)
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
echo "$version" >"$d/VERSION"
cp "$(dirname "$0")/outrigger-cni.sh" "$out/outrigger-cni"
chmod 0755 "$out/outrigger-cni"
"$(dirname "$0")/train-aot-cache.sh" "$d"
echo "outrigger-cni image: $out ($(du -sh "$out" | cut -f1))"
