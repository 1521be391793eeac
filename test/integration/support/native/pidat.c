// pidat PID COMMAND [ARG...]: run COMMAND as PID (in the caller's PID namespace) by writing PID-1 to
// /proc/sys/kernel/ns_last_pid just before forking; prints "pid N" with the PID it got (the kernel may
// hand out another if PID is taken or a fork elsewhere in the namespace won the race) and waits for it.
// Only the reuse test's sealed namespace is quiet enough for this to be reliable.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: pidat PID COMMAND [ARG...]\n"); return 2; }
  FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");
  if (!f || fprintf(f, "%d", atoi(argv[1]) - 1) < 0 || fclose(f) != 0) { perror("ns_last_pid"); return 1; }
  pid_t child = fork();
  if (child < 0) { perror("fork"); return 1; }
  if (child == 0) { execvp(argv[2], argv + 2); perror("execvp"); _exit(127); }
  printf("pid %d\n", child);
  fflush(stdout);
  int status;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
