/* sleepers.c: the scaled-up benchmark load for pidns-explorer, with churn on demand.
 *
 *   sleepers TREES DEPTH PER_LEVEL
 *
 * Like loadgen.c (TREES chains of DEPTH nested PID namespaces, PER_LEVEL processes per level: the level's
 * init and PER_LEVEL-1 sleepers), but every init RESPAWNS a sleeper that dies: the benchmark kills 1% of
 * the sleepers between two polls and the population stays the same, so "1% churn" means 1% exits and 1%
 * forks spread over the namespaces, and killing one sleeper is a fork in a watched namespace (the
 * fork-to-visible latency). Prints "ready <namespaces> <processes>" when every level is up. Every process
 * has PR_SET_PDEATHSIG=SIGKILL and an init's death kills its namespace, so killing this process (or its
 * group) tears everything down; it also kills its group when its stdin closes (the benchmark exited).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "loadCommon.h"

static pid_t spawn_sleeper(void) {
	pid_t me = getpid();
	pid_t s = fork();
	if (s == 0) { die_with_parent(me); if (ready_fd >= 0) close(ready_fd); sleep_forever(); }
	return s;
}

/* Become the init of a new level below the caller, fill it, recurse, then keep it full. */
static void level(int depth, int per_level) __attribute__((noreturn));
static void level(int depth, int per_level) {
	if (unshare(CLONE_NEWPID) == -1) { perror("unshare"); _exit(1); }
	pid_t init = fork();
	if (init == -1) { perror("fork init"); _exit(1); }
	if (init > 0) sleep_forever(); /* stays in the level above, holding pid_for_children */
	die_with_parent(0);
	for (int j = 1; j < per_level; j++) if (spawn_sleeper() == -1) { perror("fork sleeper"); _exit(1); }
	pid_t next = 0;
	if (depth > 1) {
		pid_t me = getpid();
		next = fork();
		if (next == -1) { perror("fork level"); _exit(1); }
		if (next == 0) { die_with_parent(me); level(depth - 1, per_level); }
	} else if (write(ready_fd, "x", 1) != 1) _exit(1);
	close(ready_fd);
	ready_fd = -1;
	for (;;) {
		pid_t gone = wait(NULL);
		if (gone == -1) { if (errno != EINTR) pause(); continue; }
		if (gone != next) spawn_sleeper(); /* a sleeper (or an adopted orphan) ended: keep the level full */
	}
}

int main(int argc, char **argv) {
	return load_main(argc, argv, level);
}
