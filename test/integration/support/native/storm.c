// Fork/exit storm for the churn test, meant to run as PID 1 of a fresh PID namespace with its own /proc
// (`unshare --pid --fork --mount-proc --kill-child storm ...`), so the helpers that watch it see only
// what this program does and the test can demand exact convergence without noise from the host.
//
//   storm PLAIN NESTED RATE SLEEPERS
//     PLAIN     workers that fork short-lived children in this namespace
//     NESTED    workers that, over and over, build a 2-level chain of fresh PID namespaces whose inner
//               init forks short-lived children for a while and then exits (namespace churn)
//     RATE      forks per second per worker (each child exits at once)
//     SLEEPERS  long-lived processes in a persistent 2-level chain, kept after the storm stops
//
// Signals (from the test, an ancestor namespace): SIGUSR1 stops the storm (workers and everything under
// them are SIGKILLed and reaped, the sleepers stay) and prints "stopped" once nothing but the sleepers' chain
// (and what the test started itself) is left, so the arena is quiet from that line on; SIGUSR2 prints
// "forks N MS": the forks the storm itself made so far (counted in memory shared by all its processes) and
// the monotonic clock in ms; SIGTERM exits, which makes the kernel kill everything in the namespace. As
// PID 1 it reaps every orphan, so no zombie piles up.
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t exit_requested;
static volatile sig_atomic_t count_requested;
static unsigned long *forks; // shared by every process of the storm (MAP_SHARED before the first fork)

static void on_usr1(int sig) { (void)sig; stop_requested = 1; }
static void on_usr2(int sig) { (void)sig; count_requested = 1; }
static void on_term(int sig) { (void)sig; exit_requested = 1; }

static pid_t counted_fork(void) {
  pid_t p = fork();
  if (p > 0) __atomic_fetch_add(forks, 1, __ATOMIC_RELAXED);
  return p;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pause_for(long ns) {
  struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
  nanosleep(&ts, NULL);
}

// Fork RATE children a second that exit at once; for `seconds` (forever when <= 0). Paced against the clock,
// not by a fixed pause after each fork, so the time a fork and its reaping take (longer on a busy machine)
// does not lower the rate: a worker that falls behind forks without pausing until it has caught up. Reaps
// its children itself (and, as an init, any orphan that lands on it).
static void churn(int rate, double seconds) {
  long gap = 1000000000L / (rate > 0 ? rate : 1);
  double end = now_s() + seconds;
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  while (seconds <= 0 || now_s() < end) {
    pid_t c = counted_fork();
    if (c == 0) _exit(0);
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    next.tv_nsec += gap;
    while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
  }
  while (waitpid(-1, NULL, 0) > 0) {}
}

// unshare(CLONE_NEWPID) then fork: the child is PID 1 of a new namespace one level down and runs `body`.
// The caller waits for it, so when the body returns the namespace dies.
static void in_new_ns(void (*body)(int, int), int a, int b) {
  if (unshare(CLONE_NEWPID) != 0) { perror("unshare"); _exit(1); }
  pid_t init = counted_fork();
  if (init < 0) { perror("fork"); _exit(1); }
  if (init == 0) { body(a, b); _exit(0); }
  while (waitpid(init, NULL, 0) < 0 && errno == EINTR) {}
}

static void inner_churn(int rate, int ms) { churn(rate, ms / 1000.0); }
static void level1_then_churn(int rate, int ms) { in_new_ns(inner_churn, rate, ms); }

static void nested_worker(int rate) {
  for (;;) {
    pid_t sub = counted_fork(); // each round needs a fresh process: a second unshare(CLONE_NEWPID) fails with EINVAL
    if (sub == 0) { in_new_ns(level1_then_churn, rate, 300); _exit(0); }
    while (waitpid(sub, NULL, 0) < 0 && errno == EINTR) {}
  }
}

static void sleep_forever(int unused_a, int unused_b) {
  (void)unused_a; (void)unused_b;
  for (;;) pause();
}

static void sleepers_body(int count, int unused) {
  (void)unused;
  for (int i = 0; i < count; i++) {
    if (fork() == 0) sleep_forever(0, 0);
  }
  for (;;) { if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD) pause(); }
}

static void sleepers_level1(int count, int unused) { in_new_ns(sleepers_body, count, unused); for (;;) pause(); }

static pid_t start(void (*fn)(int), int arg) {
  pid_t p = fork();
  if (p == 0) {
    setpgid(0, 0); // its own group, so the stop can kill the whole subtree at once
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    fn(arg);
    _exit(0);
  }
  setpgid(p, p);
  return p;
}

static void plain_worker(int rate) { churn(rate, 0); }
static void sleepers_worker(int count) { in_new_ns(sleepers_level1, count, 0); }

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: storm PLAIN NESTED RATE SLEEPERS\n"); return 2; }
  int plain = atoi(argv[1]), nested = atoi(argv[2]), rate = atoi(argv[3]), sleepers = atoi(argv[4]);
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, on_usr2);
  signal(SIGTERM, on_term);
  setvbuf(stdout, NULL, _IOLBF, 0);
  forks = mmap(NULL, sizeof *forks, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (forks == MAP_FAILED) { perror("mmap"); return 1; }

  int n = 0;
  pid_t workers[256];
  if (sleepers > 0) start(sleepers_worker, sleepers);
  for (int i = 0; i < plain && n < 255; i++) workers[n++] = start(plain_worker, rate);
  for (int i = 0; i < nested && n < 255; i++) workers[n++] = start(nested_worker, rate);
  printf("started %d\n", n);

  int stopped = 0;
  while (!exit_requested) {
    if (count_requested) {
      count_requested = 0;
      printf("forks %lu %.0f\n", __atomic_load_n(forks, __ATOMIC_RELAXED), now_s() * 1000);
    }
    if (stop_requested && !stopped) {
      for (int i = 0; i < n; i++) kill(-workers[i], SIGKILL);
      for (int i = 0; i < n; i++) while (waitpid(workers[i], NULL, 0) < 0 && errno == EINTR) {}
      // Orphans of the killed groups (a nested chain's init, reparented to us) may still be dying or be
      // zombies: reap until no member of any worker's group is left (kill(-pg, 0) counts zombies too).
      for (int left = 1; left;) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {}
        left = 0;
        for (int i = 0; i < n; i++) if (kill(-workers[i], 0) == 0 || errno != ESRCH) left = 1;
        if (left) pause_for(1000000L);
      }
      stopped = 1;
      printf("stopped\n");
    }
    // Reap orphans (children of killed workers land here); block only briefly so signals are noticed.
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    pause_for(20 * 1000000L);
  }
  return 0;
}
