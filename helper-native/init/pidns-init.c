/* pidns-init: builds a chain of nested PID namespaces, one small init per level.
 *
 * Why native: each level needs a process that lives in the level above it (a process can only create a
 * child of its own PID namespace). Node costs ~45 MiB and ~0.2 s per level; this costs a few hundred KiB
 * and well under a millisecond. It is also single-threaded, so it can do CLONE_NEWUSER, which Node cannot.
 *
 * Modes (argv[1]):
 *   chain --depth N [--no-mount-proc] [--uid U --gid G [--groups G1,G2...]] [--userns] [--ready-fd FD] [--expect-parent PID]
 *         [-- COMMAND ARGS...]
 *       The calling process becomes the "anchor" (comm pidns-chain): it stays in the caller's namespace,
 *       creates level 1, and reports on FD (default 1), one line each:
 *         level <k> <ns-inode> <init-pid>   level k is ready (pid as the caller sees it)
 *         ready <leaf-pid>                  every level is ready; the leaf is level N's PID 1
 *         gone <k> <status>                 level k's init died (status: exit code, or 128+signal);
 *                                           k and everything below it are gone, levels above stay
 *         error <k> <errno> <what>          setting up level k failed (the chain is torn down)
 *         exit <reason> <status>            the anchor is exiting: destroyed | leaf-exited | init-killed | failed
 *       Levels 1..N-1 run this program as PID 1 (comm pidns-init). Level N's PID 1 is the leaf: it drops
 *       to --uid/--gid and execs COMMAND, or, without one, sleeps as "pidns-sleep" (still an init that
 *       reaps). So level k's /proc lists PIDs 1..N-k+1, as the seed's multi_pidns does.
 *   orphan --target PID [--lifetime MS] [--uid U --gid G] [--userns]
 *       Enters PID's PID namespace, forks a child there that forks "pidns-orphan" and exits at once, so the
 *       orphan is re-parented to that namespace's PID 1. Prints "orphan <pid>" (pid as the caller sees it).
 *   kill-inside --target PID --signal SIG [--userns]
 *       Enters PID's PID namespace and, from a process inside it, kill()s PID's in-namespace PID. Prints
 *       "sent <rc> <errno>". Shows that a PID 1 drops every signal it has no handler for when it comes from
 *       inside its namespace (even SIGKILL), while SIGKILL from an ancestor always works.
 *
 * Signals, for every init of a level (and the anchor):
 *   SIGTERM, SIGINT, SIGHUP  handled: SIGKILL the next level's init (which takes every level below with it)
 *                            and exit; as an init, exiting also kills whatever else lives in its namespace.
 *   SIGCHLD                  handled: reap every child and adopted orphan; report the next level's death.
 *   anything else            left at SIG_DFL, so the kernel discards it for a PID 1 (from inside and from
 *                            ancestors alike), except SIGKILL/SIGSTOP from an ancestor namespace.
 * Teardown when the caller dies: the anchor has PR_SET_PDEATHSIG(SIGKILL) against its parent and level 1
 * has it against the anchor; killing level 1's init makes the kernel kill every process of every level.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 32
#define MSG_MAX 128

struct opts {
  int depth;
  int mount_proc;
  int userns;
  long uid, gid;       /* -1: keep */
  gid_t groups[64];    /* supplementary groups for the leaf (--groups a,b,c) */
  int ngroups;
  int ready_fd;
  long expect_parent;  /* 0: not checked */
  long target;
  long lifetime_ms;
  int sig;
  char **command;      /* NULL: sleep */
};

static struct opts O = {.depth = 0, .mount_proc = 1, .uid = -1, .gid = -1, .ready_fd = 1, .lifetime_ms = 2000};

static int report_sock = -1; /* levels write here; the anchor reads the other end with SO_PASSCRED */
static int my_level;         /* 0 in the anchor and the tools, k in level k's init */

static void send_msg(const char *fmt, ...);

static void die(const char *what) {
  int saved = errno;
  fprintf(stderr, "pidns-init: %s: %s\n", what, strerror(saved));
  /* a level that dies must say so, or the anchor would wait for its report forever */
  if (my_level > 0) send_msg("E %d %d %s", my_level, saved, what);
  _exit(1);
}

static long parse_long(const char *s, long lo, long hi, const char *name) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi) {
    fprintf(stderr, "pidns-init: %s must be an integer in %ld..%ld, got '%s'\n", name, lo, hi, s);
    exit(2);
  }
  return v;
}

static void parse_groups(const char *list) {
  char buf[1024], *save = NULL;
  snprintf(buf, sizeof buf, "%s", list);
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (O.ngroups == (int)(sizeof O.groups / sizeof O.groups[0])) {
      fprintf(stderr, "pidns-init: at most %zu --groups\n", sizeof O.groups / sizeof O.groups[0]);
      exit(2);
    }
    O.groups[O.ngroups++] = (gid_t)parse_long(t, 0, 0xfffffffeL, "--groups entry");
  }
}

static void parse_args(int argc, char **argv) {
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--") == 0) {
      if (i + 1 < argc) O.command = &argv[i + 1];
      return;
    } else if (strcmp(a, "--no-mount-proc") == 0) {
      O.mount_proc = 0;
    } else if (strcmp(a, "--userns") == 0) {
      O.userns = 1;
    } else if (v == NULL) {
      fprintf(stderr, "pidns-init: missing value or unknown option %s\n", a);
      exit(2);
    } else if (strcmp(a, "--depth") == 0) {
      O.depth = (int)parse_long(v, 1, MAX_DEPTH, a), i++;
    } else if (strcmp(a, "--uid") == 0) {
      O.uid = parse_long(v, 0, 0xfffffffeL, a), i++;
    } else if (strcmp(a, "--gid") == 0) {
      O.gid = parse_long(v, 0, 0xfffffffeL, a), i++;
    } else if (strcmp(a, "--groups") == 0) {
      parse_groups(v), i++;
    } else if (strcmp(a, "--ready-fd") == 0) {
      O.ready_fd = (int)parse_long(v, 1, 1023, a), i++;
    } else if (strcmp(a, "--expect-parent") == 0) {
      O.expect_parent = parse_long(v, 1, INT_MAX, a), i++;
    } else if (strcmp(a, "--target") == 0) {
      O.target = parse_long(v, 1, INT_MAX, a), i++;
    } else if (strcmp(a, "--lifetime") == 0) {
      O.lifetime_ms = parse_long(v, 0, 600000, a), i++;
    } else if (strcmp(a, "--signal") == 0) {
      O.sig = (int)parse_long(v, 0, 64, a), i++;
    } else {
      fprintf(stderr, "pidns-init: unknown option %s\n", a);
      exit(2);
    }
  }
}

/* ------------------------------------------------------------------ small helpers */

static void report(const char *fmt, ...) {
  char buf[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0 && write(O.ready_fd, buf, (size_t)n) < 0) { /* reader gone: nothing better to do */ }
}

/* A level tells the anchor about itself; the kernel attaches our pid, translated to the anchor's view. */
static void send_msg(const char *fmt, ...) {
  char buf[MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0 && send(report_sock, buf, (size_t)n, MSG_NOSIGNAL) < 0) { /* anchor gone: PDEATHSIG follows */ }
}

static void fail_level(int level, const char *what) {
  send_msg("E %d %d %s", level, errno, what);
  _exit(1);
}

static void noop_handler(int sig) { (void)sig; }

/* A PID 1 only receives signals that have a handler (SIG_DFL ones are discarded by the kernel), so install
   a real handler, then block them and read them from a signalfd so that no code runs in signal context. */
static int setup_signals(void) {
  int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
  sigset_t set;
  sigemptyset(&set);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = noop_handler;
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    sigaction(sigs[i], &sa, NULL);
    sigaddset(&set, sigs[i]);
  }
  sigprocmask(SIG_BLOCK, &set, NULL);
  int fd = signalfd(-1, &set, SFD_CLOEXEC);
  if (fd < 0) die("signalfd");
  return fd;
}

static void reset_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigprocmask(SIG_SETMASK, &set, NULL);
  for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
}

static int status_code(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

static void drop_privileges(void) {
  if (O.userns) return; /* only our own uid is mapped, as 0: there is nothing to drop to */
  if (O.gid >= 0) {
    if (setgroups((size_t)O.ngroups, O.groups) < 0) die("setgroups"); /* the user's own groups, never root's */
    if (setgid((gid_t)O.gid) < 0) die("setgid");
  }
  if (O.uid >= 0 && setuid((uid_t)O.uid) < 0) die("setuid");
}

static int write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Unprivileged mode: a user namespace where our own uid/gid are root, so we may create PID and mount
   namespaces. Only possible single-threaded, which is why Node cannot do it. */
static void enter_new_userns(void) {
  char map[64];
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER) < 0) {
    report("error 0 %d unshare(CLONE_NEWUSER)\n", errno);
    _exit(1);
  }
  if (write_file("/proc/self/setgroups", "deny") < 0) die("write setgroups");
  snprintf(map, sizeof map, "0 %u 1\n", uid);
  if (write_file("/proc/self/uid_map", map) < 0) die("write uid_map");
  snprintf(map, sizeof map, "0 %u 1\n", gid);
  if (write_file("/proc/self/gid_map", map) < 0) die("write gid_map");
}

/* Dies with the parent: PDEATHSIG first, then a check that the parent had not already gone (the lifeline
   pipe's write end is held by the parent only, so POLLHUP means it died before prctl took effect). */
static void bind_to_parent(int lifeline) {
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die("prctl");
  struct pollfd p = {.fd = lifeline, .events = POLLIN};
  if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLIN))) _exit(1);
  close(lifeline);
}

/* ------------------------------------------------------------------ the levels */

/* Reap everything; returns the status of `watched` if it was among the reaped, else -1. */
static int reap_all(pid_t watched) {
  int st, watched_status = -1;
  pid_t p;
  while ((p = waitpid(-1, &st, WNOHANG)) > 0)
    if (p == watched) watched_status = status_code(st);
  return watched_status;
}

/* Main loop of a level's PID 1: reap, report the next level's death, tear down on TERM/INT/HUP. */
static void init_loop(int sfd, int level, pid_t next) {
  struct signalfd_siginfo si;
  for (;;) {
    if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si) {
      if (errno == EINTR) continue;
      die("read signalfd");
    }
    if (si.ssi_signo == SIGCHLD) {
      int st = reap_all(next);
      if (next > 0 && st >= 0) {
        send_msg("D %d %d", level + 1, st);
        next = 0; /* this level stays: only the levels below are gone */
      }
      continue;
    }
    if (next > 0) kill(next, SIGKILL);
    _exit(0); /* we are PID 1: the kernel kills everything else in this namespace */
  }
}

static void run_level(int level, int lifeline);

/* Create level+1 below the caller's namespace; returns the child's pid (in the caller's namespace). */
static pid_t spawn_level(int level) {
  int life[2];
  if (pipe2(life, O_CLOEXEC) < 0) fail_level(level, "pipe");
  if (unshare(CLONE_NEWPID) < 0) fail_level(level + 1, "unshare(CLONE_NEWPID)");
  pid_t pid = fork();
  if (pid < 0) fail_level(level + 1, "fork");
  if (pid == 0) {
    close(life[1]);
    run_level(level + 1, life[0]);
    _exit(0);
  }
  close(life[0]);
  return pid; /* life[1] stays open for our whole life: it is the child's lifeline */
}

static void mount_private_proc(int level) {
  if (unshare(CLONE_NEWNS) < 0) fail_level(level, "unshare(CLONE_NEWNS)");
  /* private first, so neither the new procfs nor anything else propagates back to the host */
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail_level(level, "make / private");
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) fail_level(level, "mount proc");
}

static unsigned long own_pidns_inode(int level) {
  struct stat st;
  if (stat("/proc/self/ns/pid", &st) < 0) fail_level(level, "stat /proc/self/ns/pid");
  return (unsigned long)st.st_ino;
}

/* Is COMMAND executable for us, as execvp would find it? Checked before the level reports itself ready, so
   that a typo fails the build instead of ending the chain right after "ready". */
static int command_found(const char *cmd) {
  if (strchr(cmd, '/')) return access(cmd, X_OK) == 0;
  const char *path = getenv("PATH");
  char dir[PATH_MAX];
  for (const char *p = path ? path : "/usr/local/bin:/usr/bin:/bin"; *p;) {
    size_t n = strcspn(p, ":");
    int len = snprintf(dir, sizeof dir, "%.*s/%s", (int)n, p, cmd);
    if (len > 0 && (size_t)len < sizeof dir && access(n ? dir : cmd, X_OK) == 0) return 1;
    p += n + (p[n] == ':');
  }
  errno = ENOENT;
  return 0;
}

static void run_leaf(int level, int sfd) {
  drop_privileges();
  if (O.command == NULL) {
    prctl(PR_SET_NAME, "pidns-sleep");
    send_msg("L %d %lu", level, own_pidns_inode(level));
    init_loop(sfd, level, 0);
  }
  if (!command_found(O.command[0])) fail_level(level, "find the command");
  unsigned long ino = own_pidns_inode(level);
  close(sfd);
  reset_signals();
  send_msg("L %d %lu", level, ino);
  execvp(O.command[0], O.command);
  fprintf(stderr, "pidns-init: exec %s: %s\n", O.command[0], strerror(errno));
  fail_level(level, "exec");
}

static void run_level(int level, int lifeline) {
  my_level = level;
  bind_to_parent(lifeline);
  prctl(PR_SET_NAME, "pidns-init"); /* forked from the anchor, so it still carries "pidns-chain" */
  int sfd = setup_signals();
  if (O.mount_proc) mount_private_proc(level);
  if (level == O.depth) run_leaf(level, sfd);
  send_msg("L %d %lu", level, own_pidns_inode(level));
  pid_t next = spawn_level(level);
  init_loop(sfd, level, next);
}

/* ------------------------------------------------------------------ the anchor */

struct anchor {
  pid_t top;        /* level 1's init */
  int ready;        /* levels reported */
  int announced;    /* "ready" printed */
  int sock;         /* receiving end, SO_PASSCRED */
  pid_t leaf;
};

static void anchor_exit(struct anchor *a, const char *reason, int status) {
  if (a->top > 0) {
    kill(a->top, SIGKILL);
    int st;
    /* level 1's init is reaped only after the kernel has killed every process of every level */
    while (waitpid(a->top, &st, 0) < 0 && errno == EINTR) {}
  }
  report("exit %s %d\n", reason, status);
  _exit(status);
}

static int anchor_message(struct anchor *a) {
  char buf[MSG_MAX + 1], ctl[CMSG_SPACE(sizeof(struct ucred))];
  struct iovec iov = {.iov_base = buf, .iov_len = MSG_MAX};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  ssize_t n = recvmsg(a->sock, &mh, MSG_DONTWAIT);
  if (n <= 0) return 0;
  buf[n] = '\0';
  pid_t pid = 0;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      pid = ((struct ucred *)(void *)CMSG_DATA(c))->pid; /* translated by the kernel into our namespace */
  int level = 0, x = 0;
  unsigned long ino = 0;
  char what[MSG_MAX] = "";
  if (sscanf(buf, "L %d %lu", &level, &ino) == 2) {
    report("level %d %lu %d\n", level, ino, (int)pid);
    if (level == O.depth) a->leaf = pid;
    if (++a->ready == O.depth && !a->announced) {
      a->announced = 1;
      report("ready %d\n", (int)a->leaf);
    }
  } else if (sscanf(buf, "D %d %d", &level, &x) == 2) {
    report("gone %d %d\n", level, x);
    if (!a->announced) { /* a level died while the chain was being built (killed, or it failed to say why) */
      report("error %d %d level died during setup\n", level, 0);
      anchor_exit(a, "failed", 1);
    }
    if (level == O.depth && O.command != NULL) anchor_exit(a, "leaf-exited", x);
  } else if (sscanf(buf, "E %d %d %127[^\n]", &level, &x, what) == 3) {
    report("error %d %d %s\n", level, x, what);
    anchor_exit(a, "failed", 1);
  }
  return 1;
}

static void anchor_signal(struct anchor *a, int sfd) {
  struct signalfd_siginfo si;
  if (read(sfd, &si, sizeof si) != (ssize_t)sizeof si) return;
  if (si.ssi_signo != SIGCHLD) anchor_exit(a, "destroyed", 0);
  int st = reap_all(a->top);
  if (st < 0) return;
  a->top = 0;
  while (anchor_message(a)) {} /* what the levels said before dying comes first */
  report("gone 1 %d\n", st);
  if (!a->announced) anchor_exit(a, "failed", 1);
  if (O.depth == 1 && O.command != NULL) anchor_exit(a, "leaf-exited", st);
  anchor_exit(a, "init-killed", 0); /* someone killed level 1's init: every level is gone */
}

static int run_chain(void) {
  if (O.depth < 1) {
    fprintf(stderr, "pidns-init: chain needs --depth 1..%d\n", MAX_DEPTH);
    return 2;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die("prctl");
  if (O.expect_parent && getppid() != O.expect_parent) return 1; /* the caller died before prctl */
  prctl(PR_SET_NAME, "pidns-chain");
  signal(SIGPIPE, SIG_IGN); /* a reader that went away must not kill us before we tear the chain down */
  if (O.userns) enter_new_userns();
  int sv[2], one = 1;
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
  if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) die("SO_PASSCRED");
  report_sock = sv[1];
  int sfd = setup_signals();
  struct anchor a = {.sock = sv[0]};
  int life[2];
  if (pipe2(life, O_CLOEXEC) < 0) die("pipe");
  if (unshare(CLONE_NEWPID) < 0) {
    report("error 1 %d unshare(CLONE_NEWPID)\n", errno);
    report("exit failed 1\n");
    return 1;
  }
  a.top = fork();
  if (a.top < 0) die("fork");
  if (a.top == 0) {
    close(life[1]);
    close(sv[0]);
    close(sfd);
    if (O.ready_fd > 2) close(O.ready_fd); /* only the anchor reports to the caller */
    run_level(1, life[0]);
    _exit(0);
  }
  close(life[0]);
  struct pollfd pf[2] = {{.fd = sv[0], .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
  for (;;) {
    if (poll(pf, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die("poll");
    }
    if (pf[0].revents & POLLIN) { anchor_message(&a); continue; } /* messages before exit news */
    if (pf[1].revents & POLLIN) anchor_signal(&a, sfd);
  }
}

/* ------------------------------------------------------------------ orphan and kill-inside */

/* Move pid_for_children (and the user namespace when unprivileged) into the target's namespaces. */
static void enter_target_pidns(void) {
  int pfd = (int)syscall(SYS_pidfd_open, (pid_t)O.target, 0);
  if (pfd < 0) die("pidfd_open");
  if (setns(pfd, CLONE_NEWPID | (O.userns ? CLONE_NEWUSER : 0)) < 0) die("setns");
  close(pfd);
}

static pid_t target_pid_inside(void) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%ld/status", O.target);
  FILE *f = fopen(path, "re");
  if (f == NULL) die("open status");
  pid_t last = -1;
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "NSpid:", 6) == 0) {
      char *save = NULL;
      for (char *t = strtok_r(line + 6, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) last = atoi(t);
    }
  fclose(f);
  if (last < 0) {
    errno = ESRCH;
    die("NSpid");
  }
  return last;
}

static int run_kill_inside(void) {
  pid_t inner = target_pid_inside(); /* read before setns: our /proc is the caller's */
  enter_target_pidns();
  pid_t c = fork();
  if (c < 0) die("fork");
  if (c == 0) _exit(kill(inner, O.sig) == 0 ? 0 : 100 + (errno & 0x3f)); /* we are inside now */
  int st;
  if (waitpid(c, &st, 0) < 0) die("waitpid");
  int code = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
  printf("sent %d %d\n", code == 0 ? 0 : -1, code >= 100 ? code - 100 : 0);
  return code == 0 ? 0 : 1;
}

static void orphan_body(int sock) {
  pid_t p = fork(); /* the orphan; its parent (us, inside the namespace) exits right away */
  if (p < 0) _exit(1);
  if (p > 0) _exit(0);
  prctl(PR_SET_NAME, "pidns-orphan");
  /* let go of the caller's stdout/stderr pipes: the caller waits for them to close */
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd <= 2 && null >= 0; fd++) dup2(null, fd);
  drop_privileges();
  if (send(sock, "O", 1, MSG_NOSIGNAL) < 0) _exit(1);
  close(sock);
  struct timespec ts = {.tv_sec = O.lifetime_ms / 1000, .tv_nsec = (O.lifetime_ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
  _exit(0);
}

static int run_orphan(void) {
  int sv[2], one = 1;
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
  if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) die("SO_PASSCRED");
  enter_target_pidns();
  pid_t c = fork();
  if (c < 0) die("fork");
  if (c == 0) {
    close(sv[0]);
    orphan_body(sv[1]);
  }
  close(sv[1]);
  char buf[8], ctl[CMSG_SPACE(sizeof(struct ucred))];
  struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl};
  ssize_t n = recvmsg(sv[0], &mh, 0);
  int st;
  waitpid(c, &st, 0);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  if (n != 1 || cm == NULL || cm->cmsg_type != SCM_CREDENTIALS) {
    fprintf(stderr, "pidns-init: the orphan did not report\n");
    return 1;
  }
  printf("orphan %d\n", (int)((struct ucred *)(void *)CMSG_DATA(cm))->pid);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: pidns-init chain|orphan|kill-inside [options] (see the source's header)\n");
    return 2;
  }
  parse_args(argc, argv);
  if (strcmp(argv[1], "chain") == 0) return run_chain();
  if (strcmp(argv[1], "orphan") == 0 && O.target) return run_orphan();
  if (strcmp(argv[1], "kill-inside") == 0 && O.target && O.sig) return run_kill_inside();
  fprintf(stderr, "pidns-init: unknown mode or missing --target/--signal: %s\n", argv[1]);
  return 2;
}
