#!/bin/sh
# Records the plugin's AOT cache with the runtime, jar path (on the boot class path) and JVM flags the
# launcher (src/main/c/launcher.c) uses: keep the two lists the same. The JVM refuses a cache made under
# other ones, and a property changes which classes the run loads. Run by
# make-plugin-image.sh; the cache stays valid when the directory is copied elsewhere, so the installer
# copies it as is. Usage: train-aot-cache.sh <outrigger-cni.d>
# -XX:-AOTClassLinking: the cache's classes load when first used instead of all at each start. Linking
# them ahead pays for pre-resolved lambdas and invokedynamic, which the plugin path no longer has; the
# cache also holds ~100 class-file-API classes that only its assembly used. Measured (farm-bench, paired,
# load ~9): VERSION loads 512 classes instead of 971, CPU 0.92x; ADD + DEL CPU 0.91x, peak RSS -1 MiB.
set -eu
d=$1
rm -f "$d/outrigger-cni.aot"
"$d/runtime/bin/java" -XX:AOTCacheOutput="$d/outrigger-cni.aot" -XX:-AOTClassLinking \
  -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xmx64m --enable-native-access=ALL-UNNAMED -Djdk.reflect.useNativeAccessorOnly=true \
  -Xlog:disable -Xlog:all=error:stderr \
  -Xbootclasspath/a:"$d/outrigger-cni.jar" -cp "" io.outrigger.cni.plugin.TrainingRun >"$d.aot.log" 2>&1 || { cat "$d.aot.log" >&2; exit 1; }
test -s "$d/outrigger-cni.aot"
