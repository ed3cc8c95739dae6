#!/bin/sh
# outrigger-cni: Outrigger's chained CNI plugin. The container runtime runs this file; it starts the
# plugin on the jlink'd runtime next to it, with the AOT cache (class data, linked classes) recorded at build time.
# JVM log output goes to stderr: stdout is the CNI result.
# CompileThresholdScaling=10: an ADD is over before C1 would pay off (measured: ADD p50 -10 ms, as fast as
# -Xint), while the API fallback's TLS handshake still gets compiled (1.5 s; -Xint makes it 5 s).
# Shell built-ins only on the common path: readlink and dirname would be two more processes per pod.
# A symlinked plugin (linked into CNI_PATH by hand) is resolved; the installer copies it, so no link.
p=$0
if [ -L "$p" ]; then p=$(readlink -f "$p"); fi
case $p in */*) ;; *) p=./$p ;; esac
d="${p%/*}/outrigger-cni.d"
exec "$d/runtime/bin/java" -XX:AOTCache="$d/outrigger-cni.aot" \
  -XX:TieredStopAtLevel=1 -XX:CompileThresholdScaling=10 -XX:+UseSerialGC -XX:-UsePerfData -Xss512k -Xmx64m \
  -Xlog:disable -Xlog:all=error:stderr \
  -cp "$d/outrigger-cni.jar" io.outrigger.cni.plugin.OutriggerCni
