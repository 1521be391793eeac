/* pidns-init: builds a chain of nested PID namespaces, one small init per level.
 *
 * Why native: each level needs a process that lives in the level above it (a process can only create a
 * child of its own PID namespace). Node costs ~45 MiB and ~0.2 s per level; this costs a few hundred KiB
 * and well under a millisecond. It is also single-threaded, so it can do CLONE_NEWUSER, which Node cannot.
 *
 * Modes (argv[1]):
 *   chain --depth N [--no-mount-proc] [USER] [--userns] [--ready-fd FD] [--expect-parent PID] [-- COMMAND ARGS...]
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
 *   orphan --pidfd FD [--lifetime MS] [USER] [--userns]
 *       Enters the PID namespace of the process behind pidfd FD (the caller opened and checked it), forks a
 *       child there that forks "pidns-orphan" and exits at once, so the orphan is re-parented to that
 *       namespace's PID 1. Prints "orphan <pid>" (pid as the caller sees it).
 *   kill-inside --pidfd FD --signal SIG [USER] [--userns]
 *       Enters the PID namespace of the process behind pidfd FD and, from a process inside it, signals that
 *       very process through the pidfd (pidfd_send_signal: never a PID looked up again, so never a recycled
 *       one). Prints "sent <rc> <errno>". Shows that a PID 1 drops every signal it has no handler for when it
 *       comes from inside its namespace (even SIGKILL), while SIGKILL from an ancestor always works.
 *
 * USER (a root caller acting for someone): --uid U --gid G [--groups G1,G2...] [--home DIR] [--rlimit R=S:H]...
 *   Whatever runs for that user (the leaf, the orphan, the inside signal of a user's process) goes through
 *   become_user() first: the user's rlimits, setgroups + setresgid + setresuid (checked with getresuid),
 *   PR_SET_NO_NEW_PRIVS, every fd above 2 closed at exec, cwd the user's home. With --userns the drop comes
 *   before the user namespace is made, so that namespace belongs to the user and its root is the user's
 *   uid, never uid 0 (a root caller without CAP_SYS_ADMIN builds chains this way).
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
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEPTH 32
#define MSG_MAX 128
#define MAX_GROUPS 1024 /* a longer list is refused, never cut (the helper refuses first) */
#define MAX_RLIMITS 16

struct opts {
  int depth;
  int mount_proc;
  int userns;
  long uid, gid;       /* -1: keep */
  gid_t groups[MAX_GROUPS]; /* supplementary groups for the leaf (--groups a,b,c) */
  int ngroups;
  const char *home;    /* the user's home: cwd of what runs for the user */
  struct { int resource; struct rlimit lim; } rlimits[MAX_RLIMITS];
  int nrlimits;
  int pidfd;           /* orphan, kill-inside: the target, opened and checked by the caller (-1: none) */
  int ready_fd;
  long expect_parent;  /* 0: not checked */
  long lifetime_ms;
  int sig;
  char **command;      /* NULL: sleep */
};

static struct opts O = {.depth = 0, .mount_proc = 1, .uid = -1, .gid = -1, .ready_fd = 1, .lifetime_ms = 2000, .pidfd = -1};

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
  char *buf = strdup(list), *save = NULL;
  if (buf == NULL) exit(2);
  for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    if (O.ngroups == MAX_GROUPS) {
      fprintf(stderr, "pidns-init: more than %d --groups: refused\n", MAX_GROUPS);
      exit(2);
    }
    O.groups[O.ngroups++] = (gid_t)parse_long(t, 0, 0xfffffffeL, "--groups entry");
  }
  free(buf);
}

/* --rlimit NOFILE=1024:4096 (the names of getrlimit(2) without RLIMIT_; "inf" for RLIM_INFINITY). */
static void parse_rlimit(const char *spec) {
  static const struct { const char *name; int resource; } names[] = {
      {"AS", RLIMIT_AS}, {"CORE", RLIMIT_CORE}, {"CPU", RLIMIT_CPU}, {"DATA", RLIMIT_DATA},
      {"FSIZE", RLIMIT_FSIZE}, {"LOCKS", RLIMIT_LOCKS}, {"MEMLOCK", RLIMIT_MEMLOCK},
      {"MSGQUEUE", RLIMIT_MSGQUEUE}, {"NICE", RLIMIT_NICE}, {"NOFILE", RLIMIT_NOFILE},
      {"NPROC", RLIMIT_NPROC}, {"RSS", RLIMIT_RSS}, {"RTPRIO", RLIMIT_RTPRIO},
      {"RTTIME", RLIMIT_RTTIME}, {"SIGPENDING", RLIMIT_SIGPENDING}, {"STACK", RLIMIT_STACK}};
  char name[16], soft[24], hard[24];
  if (O.nrlimits == MAX_RLIMITS || sscanf(spec, "%15[A-Z]=%23[0-9inf]:%23[0-9inf]", name, soft, hard) != 3) {
    fprintf(stderr, "pidns-init: bad --rlimit '%s'\n", spec);
    exit(2);
  }
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(names[i].name, name) != 0) continue;
    O.rlimits[O.nrlimits].resource = names[i].resource;
    O.rlimits[O.nrlimits].lim.rlim_cur = strcmp(soft, "inf") == 0 ? RLIM_INFINITY : (rlim_t)strtoull(soft, NULL, 10);
    O.rlimits[O.nrlimits].lim.rlim_max = strcmp(hard, "inf") == 0 ? RLIM_INFINITY : (rlim_t)strtoull(hard, NULL, 10);
    O.nrlimits++;
    return;
  }
  fprintf(stderr, "pidns-init: unknown --rlimit resource '%s'\n", name);
  exit(2);
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
    } else if (strcmp(a, "--home") == 0) {
      O.home = v, i++;
    } else if (strcmp(a, "--rlimit") == 0) {
      parse_rlimit(v), i++;
    } else if (strcmp(a, "--pidfd") == 0) {
      O.pidfd = (int)parse_long(v, 3, 1023, a), i++;
    } else if (strcmp(a, "--ready-fd") == 0) {
      O.ready_fd = (int)parse_long(v, 1, 1023, a), i++;
    } else if (strcmp(a, "--expect-parent") == 0) {
      O.expect_parent = parse_long(v, 1, INT_MAX, a), i++;
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
  if (n >= (int)sizeof buf) n = (int)sizeof buf - 1; /* vsnprintf returns the untruncated length */
  if (n > 0 && write(O.ready_fd, buf, (size_t)n) < 0) { /* reader gone: nothing better to do */ }
}

/* A level tells the anchor about itself; the kernel attaches our pid, translated to the anchor's view. */
static void send_msg(const char *fmt, ...) {
  char buf[MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof buf) n = (int)sizeof buf - 1;
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

static int creds_dropped; /* set once the user's uid/gid/groups are ours (before a user namespace, or in the leaf) */

/* Switch to the user's credentials for good: their rlimits (lowering needs no privilege; a limit above ours
   is kept at ours), groups, gid, uid; then prove it, since a half-done switch must never exec anything. */
static void drop_credentials(void) {
  if (O.uid < 0 || creds_dropped) return;
  if (O.gid < 0) {
    errno = EINVAL;
    die("--uid without --gid");
  }
  for (int i = 0; i < O.nrlimits; i++) {
    struct rlimit cur, want = O.rlimits[i].lim;
    if (getrlimit(O.rlimits[i].resource, &cur) < 0) die("getrlimit");
    if (want.rlim_max > cur.rlim_max) want.rlim_max = cur.rlim_max;
    if (want.rlim_cur > want.rlim_max) want.rlim_cur = want.rlim_max;
    if (setrlimit(O.rlimits[i].resource, &want) < 0) die("setrlimit");
  }
  if (setgroups((size_t)O.ngroups, O.groups) < 0) die("setgroups"); /* the user's own groups, never root's */
  if (setresgid((gid_t)O.gid, (gid_t)O.gid, (gid_t)O.gid) < 0) die("setresgid");
  if (setresuid((uid_t)O.uid, (uid_t)O.uid, (uid_t)O.uid) < 0) die("setresuid");
  uid_t r, e, s;
  gid_t rg, eg, sg;
  if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0) die("getresuid");
  if (r != (uid_t)O.uid || e != (uid_t)O.uid || s != (uid_t)O.uid || rg != (gid_t)O.gid || eg != (gid_t)O.gid || sg != (gid_t)O.gid ||
      getgroups(0, NULL) != O.ngroups) {
    errno = EPERM;
    die("credentials did not change to the user's");
  }
  creds_dropped = 1;
}

/* Everything that runs for the user passes here, right before it runs: the user's credentials (unless a user
   namespace that belongs to the user already holds them), no new privileges through setuid files, no fd of
   ours above 2 past exec, and the user's home as cwd. */
static void become_user(void) {
  if (!O.userns) drop_credentials();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die("PR_SET_NO_NEW_PRIVS");
  /* CLOEXEC, not close: the leaf still reports through its socket before exec */
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0) die("close_range");
  if (O.home != NULL && chdir(O.home) < 0 && chdir("/") < 0) die("chdir");
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

/* A root caller acting for a user: the user namespace is made AS the user (so it belongs to the user and its
   uid 0 is the user's uid), with exactly the maps the user could write alone. We cannot write them ourselves:
   the switch of credentials made us non-dumpable (which keeps the user from ptracing us), so our /proc files
   belong to root. A child forked before the switch writes them as the user (the namespace's owner, which is
   what the kernel asks of an unprivileged map), keeping only fsuid 0 to open root-owned files: no capability
   is needed, so this works for a root without CAP_SYS_ADMIN too. */
static void enter_userns_as_user(void) {
  int go[2];
  if (pipe2(go, O_CLOEXEC) < 0) die("pipe");
  pid_t writer = fork();
  if (writer < 0) die("fork");
  if (writer == 0) {
    char c, path[64], map[64];
    close(go[1]);
    if (read(go[0], &c, 1) != 1) _exit(1); /* the anchor failed before unsharing */
    pid_t anchor = getppid();
    if (setresgid((gid_t)O.gid, (gid_t)O.gid, 0) < 0 || setresuid((uid_t)O.uid, (uid_t)O.uid, 0) < 0) _exit(5);
    setfsuid(0);
    if ((uid_t)setfsuid((uid_t)-1) != 0) _exit(6);
    snprintf(path, sizeof path, "/proc/%d/setgroups", (int)anchor);
    if (write_file(path, "deny") < 0) _exit(2); /* as for a user alone: groups can never be dropped inside */
    snprintf(path, sizeof path, "/proc/%d/uid_map", (int)anchor);
    snprintf(map, sizeof map, "0 %ld 1\n", O.uid);
    if (write_file(path, map) < 0) _exit(3);
    snprintf(path, sizeof path, "/proc/%d/gid_map", (int)anchor);
    snprintf(map, sizeof map, "0 %ld 1\n", O.gid);
    _exit(write_file(path, map) < 0 ? 4 : 0);
  }
  close(go[0]);
  drop_credentials();
  if (unshare(CLONE_NEWUSER) < 0) {
    report("error 0 %d unshare(CLONE_NEWUSER)\n", errno);
    _exit(1);
  }
  if (write(go[1], "g", 1) != 1) die("write");
  close(go[1]);
  int st;
  while (waitpid(writer, &st, 0) < 0)
    if (errno != EINTR) die("waitpid");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    report("error 0 %d write the user namespace's maps (step %d)\n", EPERM, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    _exit(1);
  }
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
  become_user();
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
  /* A root caller acting for a user without CAP_SYS_ADMIN: the whole chain runs as the user, inside a user
     namespace the user owns, exactly what the user could build alone. Before PR_SET_PDEATHSIG, because a
     change of credentials clears it. */
  signal(SIGPIPE, SIG_IGN); /* a reader that went away must not kill us before we tear the chain down */
  if (O.userns && O.uid >= 0) enter_userns_as_user();
  else if (O.userns) enter_new_userns();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die("prctl");
  if (O.expect_parent && getppid() != O.expect_parent) return 1; /* the caller died before prctl */
  prctl(PR_SET_NAME, "pidns-chain");
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

/* The namespace file `type` of the process behind the pidfd, opened as root and proven to be that process's:
   /proc/PID/ns/TYPE is opened by number, and the pidfd still names a live process afterwards, so the PID
   cannot have been reused in between. (setns through the pidfd itself asks the kernel's ptrace check, which
   the user fails on processes we created as root; a namespace file asks for capabilities only.) */
static int open_target_ns(const char *type) {
  char path[64], line[128];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", O.pidfd);
  FILE *f = fopen(path, "re");
  if (f == NULL) die("open fdinfo");
  long pid = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "Pid: %ld", &pid) == 1) break;
  fclose(f);
  if (pid <= 0) {
    errno = ESRCH;
    die("the pidfd's process");
  }
  snprintf(path, sizeof path, "/proc/%ld/ns/%s", pid, type);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die("open the target's namespace");
  struct pollfd p = {.fd = O.pidfd, .events = POLLIN};
  if (poll(&p, 1, 0) != 0) { /* readable: it exited, and PID may belong to another process now */
    errno = ESRCH;
    die("the pidfd's process");
  }
  return fd;
}

/* Move pid_for_children into the target's PID namespace, through the pidfd the caller checked: the target is
   never looked up again by number. With --userns (the target's namespaces belong to a user namespace of the
   user's) the user's credentials come first, and both namespaces are entered as the user, their owner. */
static void enter_target_pidns(void) {
  if (!O.userns) {
    if (setns(O.pidfd, CLONE_NEWPID) < 0) die("setns");
    return;
  }
  int userfd = open_target_ns("user"), pidfd_ns = open_target_ns("pid");
  drop_credentials();
  if (setns(userfd, CLONE_NEWUSER) < 0) die("setns user");
  if (setns(pidfd_ns, CLONE_NEWPID) < 0) die("setns pid");
  close(userfd);
  close(pidfd_ns);
}

static int run_kill_inside(void) {
  enter_target_pidns();
  pid_t c = fork();
  if (c < 0) die("fork");
  if (c == 0) { /* we are inside now: the kernel treats this as a signal from the target's own namespace */
    drop_credentials(); /* the user's process is signalled as the user; without --uid: a process we created */
    _exit(syscall(SYS_pidfd_send_signal, O.pidfd, O.sig, NULL, 0) == 0 ? 0 : 100 + (errno & 0x3f));
  }
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
  become_user();
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
    close(O.pidfd);
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
  if (strcmp(argv[1], "orphan") == 0 && O.pidfd >= 0) return run_orphan();
  if (strcmp(argv[1], "kill-inside") == 0 && O.pidfd >= 0 && O.sig) return run_kill_inside();
  fprintf(stderr, "pidns-init: unknown mode or missing --pidfd/--signal: %s\n", argv[1]);
  return 2;
}
