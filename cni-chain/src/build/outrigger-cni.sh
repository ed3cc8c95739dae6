#!/bin/sh
# outrigger-cni: Outrigger's chained CNI plugin. The container runtime runs this file; it starts the
# plugin on the jlink'd runtime next to it, with the AOT cache (class data) recorded at build time.
# JVM log output goes to stderr: stdout is the CNI result.
# CompileThresholdScaling=10: an ADD is over before C1 would pay off (measured: ADD p50 -10 ms, as fast as
# -Xint), while the API fallback's TLS handshake still gets compiled (1.5 s; -Xint makes it 5 s).
# ArchiveRelocationMode=0: map the AOT cache at the address it was written for. The default (1) maps it
# elsewhere on purpose and then rewrites every pointer in its ~12 MB, page by page, on each start (a copy-on-
# write fault per page); the plugin runs for milliseconds as root and loads no code it did not ship.
# jdk.reflect.useNativeAccessorOnly: the JDK's process launch reaches Enum.valueOf through reflection
# (jdk.internal.util.OperatingSystem); the default accessor spins a method handle class at run time (the
# bytecode generator and the class-file API, ~5 ms on the first tool start), the native one does not.
# Shell built-ins only on the common path: readlink and dirname would be two more processes per pod.
# A symlinked plugin (linked into CNI_PATH by hand) is resolved; the installer copies it, so no link.
p=$0
if [ -L "$p" ]; then p=$(readlink -f "$p"); fi
case $p in */*) ;; *) p=./$p ;; esac
d="${p%/*}/outrigger-cni.d"
exec "$d/runtime/bin/java" -XX:AOTCache="$d/outrigger-cni.aot" -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 \
  -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xmx64m --enable-native-access=ALL-UNNAMED -Djdk.reflect.useNativeAccessorOnly=true \
  -Xlog:disable -Xlog:all=error:stderr \
  -cp "$d/outrigger-cni.jar" io.outrigger.cni.plugin.OutriggerCni
