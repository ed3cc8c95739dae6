/*
 * libnetnsexec: runs one tool inside a network namespace for outrigger-cni, in two calls from Java
 * (io.outrigger.cni.capture.NativeNetnsTool): start, which leaves the tool running with its input,
 * and finish, which collects it, so that the plugin does its own remaining work in between. It does what `nsenter --net=PATH TOOL ARGS` started by
 * ProcessBuilder does, without the JDK's process machinery (jspawnhelper, the reaper thread, its
 * first-use class loading) and without the nsenter exec: vfork, setns(CLONE_NEWNET) in the child,
 * execve the tool with the given bytes on a pipe to its stdin, stdout and stderr merged on another
 * pipe, a deadline after which the child is SIGKILLed.
 *
 * Failures of the child before the tool runs are reported the way nsenter reports them: exit code 1
 * (cannot open or enter the netns) or 127 (cannot execute the tool), a one-line message as output.
 * Failures of the caller's own process (pipe, vfork, memory) throw java.io.IOException.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Returned when the deadline passed and the child was killed. */
#define TIMED_OUT (-1)

enum stage { STAGE_NONE = 0, STAGE_SETNS = 1, STAGE_EXEC = 2 };

struct buffer {
  char *data;
  size_t len;
  size_t cap;
};

static int append(struct buffer *b, const char *data, size_t n) {
  if (b->len + n > b->cap) {
    size_t cap = b->cap == 0 ? 4096 : b->cap;
    while (cap < b->len + n) {
      cap *= 2;
    }
    char *grown = realloc(b->data, cap);
    if (grown == NULL) {
      return -1;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return 0;
}

static int append_message(struct buffer *b, const char *what, const char *name, int err) {
  char line[4096];
  int n = snprintf(line, sizeof line, "outrigger-cni: %s %s: %s\n", what, name, strerror(err));
  if (n < 0) {
    return -1;
  }
  return append(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static long long now_millis(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void throw_io(JNIEnv *env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  jclass c = (*env)->FindClass(env, "java/io/IOException");
  if (c != NULL) {
    (*env)->ThrowNew(env, c, msg);
  }
}

static void close_quietly(int *fd) {
  if (*fd >= 0) {
    close(*fd);
    *fd = -1;
  }
}

/*
 * The child, on the caller's stack and memory until execve (vfork): raw system calls only, no
 * allocation, no JNI. What failed is left in *stage and *child_errno for the parent to read.
 */
static void child(int nsfd, int in_r, int out_w, char *const argv[], volatile int *stage,
                  volatile int *child_errno) {
  /* The JVM's handlers must not run here; exec resets handled signals to the default anyway. */
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; sig++) {
    struct sigaction old;
    if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &old) == 0 &&
        old.sa_handler != SIG_IGN) {
      sigaction(sig, &dfl, NULL);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0) {
    *child_errno = errno;
    *stage = STAGE_EXEC;
    _exit(127);
  }
  if (setns(nsfd, CLONE_NEWNET) != 0) {
    *child_errno = errno;
    *stage = STAGE_SETNS;
    _exit(1);
  }
#ifdef SYS_close_range
  /* Everything else the JVM has open (jar, AOT cache, log files) stays out of the tool. */
  syscall(SYS_close_range, 3U, ~0U, 0U);
#endif
  execve(argv[0], argv, environ);
  *child_errno = errno;
  *stage = STAGE_EXEC;
  _exit(127);
}

/*
 * vfork in a frame of its own: the child runs on it until execve or _exit and never returns into
 * the caller's, whose locals stay as they were. All signals are blocked around the vfork so that no
 * JVM handler runs in the child before it has reset them.
 */
static pid_t __attribute__((noinline)) spawn(int nsfd, int in_r, int out_w, char *const argv[],
                                              volatile int *stage, volatile int *child_errno) {
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid_t pid = vfork();
  if (pid == 0) {
    child(nsfd, in_r, out_w, argv, stage, child_errno);
  }
  int err = errno;
  sigprocmask(SIG_SETMASK, &old, NULL);
  errno = err;
  return pid;
}

/*
 * Feeds the rest of stdin (from written on; in_w is -1 when it was all written) and collects the
 * output until EOF and exit, or until the deadline.
 */
static int pump(pid_t pid, int in_w, int out_r, const char *input, size_t input_len,
                size_t written, long long deadline, struct buffer *out, int *status) {
  int timed_out = 0;
  while (out_r >= 0) {
    struct pollfd fds[2];
    int n = 0;
    fds[n].fd = out_r;
    fds[n].events = POLLIN;
    n++;
    if (in_w >= 0) {
      fds[n].fd = in_w;
      fds[n].events = POLLOUT;
      n++;
    }
    long long left = deadline - now_millis();
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    int ready = poll(fds, (nfds_t)n, (int)left);
    if (ready < 0) {
      if (errno == EINTR) {
        continue;
      }
      return -1;
    }
    if (n == 2 && fds[1].revents != 0) {
      ssize_t w = write(in_w, input + written, input_len - written);
      if (w > 0) {
        written += (size_t)w;
      }
      if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == input_len) {
        /* Done, or the tool closed its stdin (EPIPE): its exit code and output say why. */
        close_quietly(&in_w);
      }
    }
    if (fds[0].revents != 0) {
      char chunk[8192];
      ssize_t r = read(out_r, chunk, sizeof chunk);
      if (r > 0) {
        if (append(out, chunk, (size_t)r) != 0) {
          errno = ENOMEM;
          return -1;
        }
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        close_quietly(&out_r);
      }
    }
  }
  close_quietly(&in_w);
  close_quietly(&out_r);
  /* Output closed: the tool is exiting. Wait for it, still within the deadline. */
  long sleep_ns = 50000;
  while (!timed_out) {
    pid_t w = waitpid(pid, status, WNOHANG);
    if (w == pid) {
      return 0;
    }
    if (w < 0 && errno != EINTR) {
      return -1;
    }
    if (now_millis() >= deadline) {
      timed_out = 1;
      break;
    }
    struct timespec ts = {0, sleep_ns};
    nanosleep(&ts, NULL);
    if (sleep_ns < 5000000) {
      sleep_ns *= 2;
    }
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
  return TIMED_OUT;
}

/* One tool run, from start (spawned, its input handed over as far as the pipe takes it) to finish. */
struct job {
  pid_t pid; /* -1 when the tool never ran: result and out say why */
  int in_w;  /* -1 once all the input is written */
  int out_r;
  char *input;
  size_t input_len;
  size_t written;
  long long deadline;
  int result;
  struct buffer out;
};

static void free_job(struct job *job) {
  close_quietly(&job->in_w);
  close_quietly(&job->out_r);
  free(job->input);
  free(job->out.data);
  free(job);
}

/*
 * static native long start(String netns, String[] argv, byte[] stdin, int timeoutMillis)
 * Starts the tool in the netns and writes its input without blocking, as far as the pipe takes it
 * (all of it for a rule set: a pipe holds 64 KiB), so that the tool reads and commits while the
 * caller goes on; finish collects it. A netns that cannot be opened or entered, or a tool that
 * cannot be executed, is not an exception: finish reports it as nsenter would. Returns the job.
 */
JNIEXPORT jlong JNICALL Java_io_outrigger_cni_capture_NativeNetnsTool_start(
    JNIEnv *env, jclass cls, jstring jnetns, jobjectArray jargv, jbyteArray jstdin,
    jint timeout_millis) {
  (void)cls;
  struct job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    throw_io(env, "cannot prepare the tool run", ENOMEM);
    return 0;
  }
  job->pid = -1;
  job->in_w = -1;
  job->out_r = -1;
  job->deadline = now_millis() + timeout_millis;
  int ok = 0;
  jsize argc = (*env)->GetArrayLength(env, jargv);
  char **argv = calloc((size_t)argc + 1, sizeof(char *));
  const char *netns = (*env)->GetStringUTFChars(env, jnetns, NULL);
  int nsfd = -1, in_r = -1, in_w = -1, out_r = -1, out_w = -1;
  if (netns == NULL) {
    goto done; /* OutOfMemoryError pending */
  }
  if (argv == NULL) {
    throw_io(env, "cannot prepare the tool's arguments", ENOMEM);
    goto done;
  }
  for (jsize i = 0; i < argc; i++) {
    jstring s = (jstring)(*env)->GetObjectArrayElement(env, jargv, i);
    const char *utf = (*env)->GetStringUTFChars(env, s, NULL);
    if (utf == NULL) {
      goto done; /* OutOfMemoryError pending */
    }
    argv[i] = strdup(utf);
    (*env)->ReleaseStringUTFChars(env, s, utf);
    (*env)->DeleteLocalRef(env, s);
    if (argv[i] == NULL) {
      throw_io(env, "cannot prepare the tool's arguments", ENOMEM);
      goto done;
    }
  }
  if (jstdin != NULL) {
    job->input_len = (size_t)(*env)->GetArrayLength(env, jstdin);
    job->input = malloc(job->input_len + 1);
    if (job->input == NULL) {
      throw_io(env, "cannot prepare the tool's input", ENOMEM);
      goto done;
    }
    (*env)->GetByteArrayRegion(env, jstdin, 0, (jsize)job->input_len, (jbyte *)job->input);
  }

  nsfd = open(netns, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) {
    /* As nsenter: exit 1 and a message, before anything runs. */
    if (append_message(&job->out, "cannot open netns", netns, errno) != 0) {
      throw_io(env, "cannot report the netns error", ENOMEM);
      goto done;
    }
    job->result = 1;
    ok = 1;
    goto done;
  }
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    throw_io(env, "cannot create a pipe", errno);
    goto done;
  }
  in_r = p[0];
  in_w = p[1];
  if (pipe2(p, O_CLOEXEC) != 0) {
    throw_io(env, "cannot create a pipe", errno);
    goto done;
  }
  out_r = p[0];
  out_w = p[1];

  volatile int stage = STAGE_NONE;
  volatile int child_errno = 0;
  pid_t pid = spawn(nsfd, in_r, out_w, argv, &stage, &child_errno);
  int vfork_errno = errno;
  close_quietly(&in_r);
  close_quietly(&out_w);
  close_quietly(&nsfd);
  if (pid < 0) {
    throw_io(env, "cannot start a process", vfork_errno);
    goto done;
  }
  if (stage != STAGE_NONE) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int rc = stage == STAGE_SETNS
                 ? append_message(&job->out, "cannot enter netns", netns, child_errno)
                 : append_message(&job->out, "failed to execute", argv[0], child_errno);
    if (rc != 0) {
      throw_io(env, "cannot report the child's error", ENOMEM);
      goto done;
    }
    job->result = stage == STAGE_SETNS ? 1 : 127;
    ok = 1;
    goto done;
  }
  job->pid = pid;
  job->out_r = out_r;
  out_r = -1;
  if (job->input_len > 0) {
    fcntl(in_w, F_SETFL, fcntl(in_w, F_GETFL) | O_NONBLOCK);
    ssize_t w = write(in_w, job->input, job->input_len);
    if (w > 0) {
      job->written = (size_t)w;
    } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
      /* The tool closed its stdin (EPIPE): its exit code and output say why. */
      job->written = job->input_len;
    }
  }
  if (job->written < job->input_len) {
    job->in_w = in_w; /* finish writes the rest */
    in_w = -1;
  }
  ok = 1;

done:
  close_quietly(&nsfd);
  close_quietly(&in_r);
  close_quietly(&in_w);
  close_quietly(&out_r);
  close_quietly(&out_w);
  if (netns != NULL) {
    (*env)->ReleaseStringUTFChars(env, jnetns, netns);
  }
  if (argv != NULL) {
    for (jsize i = 0; i < argc; i++) {
      free(argv[i]);
    }
    free(argv);
  }
  if (!ok) {
    free_job(job);
    return 0;
  }
  return (jlong)(intptr_t)job;
}

/*
 * static native int finish(long job, byte[][] output)
 * Collects a started tool: the rest of its input written, its output read until EOF and exit,
 * SIGKILL at the deadline. Returns the tool's exit code (128 + signal if a signal ended it), -1 if
 * it was killed at the deadline, or 1/127 for a netns or tool that failed before it ran; output[0]
 * receives its stdout and stderr, or the message of what failed. Frees the job.
 */
JNIEXPORT jint JNICALL Java_io_outrigger_cni_capture_NativeNetnsTool_finish(JNIEnv *env, jclass cls,
                                                                           jlong handle,
                                                                           jobjectArray joutput) {
  (void)cls;
  struct job *job = (struct job *)(intptr_t)handle;
  jint result = job->result;
  if (job->pid > 0) {
    int status = 0;
    int pumped = pump(job->pid, job->in_w, job->out_r, job->input, job->input_len, job->written,
                      job->deadline, &job->out, &status);
    job->in_w = -1; /* pump closed both */
    job->out_r = -1;
    if (pumped == TIMED_OUT) {
      result = TIMED_OUT;
    } else if (pumped != 0) {
      int err = errno;
      kill(job->pid, SIGKILL);
      while (waitpid(job->pid, &status, 0) < 0 && errno == EINTR) {
      }
      throw_io(env, "cannot talk to the tool", err);
      free_job(job);
      return 0;
    } else if (WIFEXITED(status)) {
      result = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result = 128 + WTERMSIG(status);
    } else {
      result = 255;
    }
  }
  jbyteArray bytes = (*env)->NewByteArray(env, (jsize)job->out.len);
  if (bytes != NULL) {
    (*env)->SetByteArrayRegion(env, bytes, 0, (jsize)job->out.len, (const jbyte *)job->out.data);
    (*env)->SetObjectArrayElement(env, joutput, 0, bytes);
  }
  free_job(job);
  return result;
}
