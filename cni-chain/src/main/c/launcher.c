/*
 * outrigger-cni: the executable the container runtime runs (built by src/build/make-plugin-image.sh
 * into the plugin image). It execs the image's own jlink'd JVM on the plugin, with the AOT cache
 * recorded at build time, and nothing else: a compiled launcher rather than a shell script because
 * /bin/sh's own start was ~0.9 ms of every pod's ADD (measured with hyperfine, BENCHMARKS.md).
 *
 * The image directory is found from /proc/self/exe, which is the launcher with every symlink
 * resolved (a plugin linked into CNI_PATH by hand works; the installer copies it). JVM log output
 * goes to stderr: stdout is the CNI result. If the JVM cannot be started, a CNI error object (code
 * 5) on stdout says why.
 *
 * The JVM flags (src/build/train-aot-cache.sh records the cache with the same ones; the JVM refuses
 * a cache made under others):
 *   -XX:AOTCache, ArchiveRelocationMode=0: the AOT cache, mapped at the address it was written for;
 *     the default (1) maps it elsewhere on purpose and rewrites every pointer in it on each start
 *     (a copy-on-write fault per page); the plugin runs for milliseconds as root and loads no code
 *     it did not ship.
 *   -AOTReplayTraining: the cache's method profiles are for C2, which the plugin never runs; replaying
 *     them takes a thread of its own that the main thread wakes at each class initialisation (half
 *     of the process's futex calls in an ADD).
 *   TieredStopAtLevel=1, CompileThresholdScaling=10: an ADD is over before C1 would pay off
 *     (ADD p50 -10 ms, as fast as -Xint), while the API fallback's TLS handshake still gets compiled
 *     (1.5 s; -Xint makes it 5 s).
 *   jdk.reflect.useNativeAccessorOnly: the JDK's process launch (the nsenter fallback) reaches
 *     Enum.valueOf through reflection; the default accessor spins a method handle class at run time.
 *   -Xbootclasspath/a: the plugin's classes come from the boot loader, as the JDK's do; the
 *     application class loader would open the jar, read its manifest and define a package, code
 *     source and protection domain in Java at every start (~30 classes; VERSION CPU 0.86x, paired).
 *     -cp "" keeps a CLASSPATH in the environment, or the working directory, off the class path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAIN_CLASS "io.outrigger.cni.plugin.OutriggerCni"

/* s as the inside of a JSON string. */
static void put_json(const char *s) {
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      printf("\\%c", c);
    } else if (c < 0x20) {
      printf("\\u%04x", c);
    } else {
      putchar(c);
    }
  }
}

static int fail(const char *what, const char *path, int err) {
  /* A CNI error object (code 5, unexpected failure): the runtime reports its msg. */
  printf("{\"cniVersion\":\"1.0.0\",\"code\":5,\"msg\":\"outrigger-cni: %s ", what);
  put_json(path);
  printf(": %s\"}\n", strerror(err));
  fflush(stdout);
  return 1;
}

int main(void) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0 || (size_t)n >= sizeof self - 1) {
    return fail("cannot resolve", "/proc/self/exe", n < 0 ? errno : ENAMETOOLONG);
  }
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  *slash = '\0'; /* readlink of /proc/self/exe is absolute: there is a slash */
  char java[PATH_MAX], cache[PATH_MAX + 64], jar[PATH_MAX + 64];
  if (snprintf(java, sizeof java, "%s/outrigger-cni.d/runtime/bin/java", self) >= (int)sizeof java) {
    return fail("cannot start the JVM under", self, ENAMETOOLONG);
  }
  snprintf(cache, sizeof cache, "-XX:AOTCache=%s/outrigger-cni.d/outrigger-cni.aot", self);
  snprintf(jar, sizeof jar, "-Xbootclasspath/a:%s/outrigger-cni.d/outrigger-cni.jar", self);
  char *args[] = {java,
                  cache,
                  "-XX:+UnlockDiagnosticVMOptions",
                  "-XX:ArchiveRelocationMode=0",
                  "-XX:-AOTReplayTraining",
                  "-XX:TieredStopAtLevel=1",
                  "-XX:CompileThresholdScaling=10",
                  "-XX:+UseSerialGC",
                  "-XX:-UsePerfData",
                  "-Xss512k",
                  "-Xmx64m",
                  "--enable-native-access=ALL-UNNAMED",
                  "-Djdk.reflect.useNativeAccessorOnly=true",
                  "-Xlog:disable",
                  "-Xlog:all=error:stderr",
                  jar,
                  "-cp",
                  "",
                  MAIN_CLASS,
                  NULL};
  execv(java, args);
  return fail("cannot start", java, errno);
}
