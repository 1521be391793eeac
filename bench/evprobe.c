// evprobe: actions for the events bench, each stamped with CLOCK_MONOTONIC (the clock of Node's
// process.hrtime) at the moment the kernel acts, so the bench can time action → diff without Node's spawn
// overhead. Commands on stdin, one per line; answers on stdout:
//   f      fork a child that waits        → "fork PID T"
//   e PID  that child execs sleep         → "exec PID T" (written by the child just before execve)
//   x PID  SIGKILL it and reap it          → "exit PID T" (T just before kill)
//   n      a child unshares CLONE_NEWPID and forks the namespace's PID 1 → "ns INIT T"
//   q      kill every child and exit (also on EOF; children die with us: PR_SET_PDEATHSIG)
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXK 4096
static pid_t kids[MAXK];
static int kidpipe[MAXK];
static int nk;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void say(const char *what, int pid, long long t) {
  char line[96];
  int n = snprintf(line, sizeof line, "%s %d %lld\n", what, pid, t);
  if (write(1, line, n) != n) _exit(1);
}

static void killall(void) {
  for (int i = 0; i < nk; i++) if (kids[i] > 0) kill(kids[i], SIGKILL);
  while (wait(NULL) > 0) {}
}

int main(void) {
  char line[64];
  while (fgets(line, sizeof line, stdin)) {
    if (line[0] == 'f' && nk < MAXK) {
      int p[2];
      if (pipe(p) != 0) return 1;
      pid_t c = fork();
      long long t = now_ns();
      if (c < 0) {
        close(p[0]);
        close(p[1]);
        say("fork", -1, t);
        continue;
      }
      if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(p[1]);
        char b;
        if (read(p[0], &b, 1) == 1) {
          say("exec", getpid(), now_ns());
          execl("/bin/sleep", "sleep", "1000", (char *)NULL);
        }
        _exit(0);
      }
      close(p[0]);
      kids[nk] = c;
      kidpipe[nk++] = p[1];
      say("fork", c, t);
    } else if (line[0] == 'e') {
      int pid = atoi(line + 2);
      for (int i = 0; i < nk; i++) if (kids[i] == pid && write(kidpipe[i], "x", 1) != 1) return 1;
    } else if (line[0] == 'x') {
      int pid = atoi(line + 2);
      long long t = now_ns();
      // Never kill(0) or kill(-1): those reach a whole group or every process.
      if (pid <= 0) { say("exit", -1, t); continue; }
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      for (int i = 0; i < nk; i++) if (kids[i] == pid) kids[i] = -1;
      say("exit", pid, t);
    } else if (line[0] == 'n' && nk < MAXK) {
      int p[2];
      if (pipe(p) != 0) return 1;
      pid_t c = fork();
      if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(p[0]);
        if (unshare(CLONE_NEWPID) != 0) _exit(1);
        long long t = now_ns();
        pid_t init = fork();
        if (init == 0) {
          prctl(PR_SET_PDEATHSIG, SIGKILL);
          for (;;) pause();
        }
        char out[64];
        int n = snprintf(out, sizeof out, "%d %lld\n", init, t);
        if (write(p[1], out, n) != n) _exit(1);
        waitpid(init, NULL, 0);
        _exit(0);
      }
      close(p[1]);
      char in[64] = {0};
      if (read(p[0], in, sizeof in - 1) <= 0) return 1;
      close(p[0]);
      kids[nk] = c;
      kidpipe[nk++] = -1;
      int init;
      long long t;
      if (sscanf(in, "%d %lld", &init, &t) != 2) return 1;
      say("ns", init, t);
    } else if (line[0] == 'q') {
      break;
    }
  }
  killall();
  return 0;
}
