/* loadgen.c: benchmark load for pidns-explorer.
 *
 *   loadgen TREES DEPTH PER_LEVEL
 *
 * Builds TREES chains of DEPTH nested PID namespaces; each level holds PER_LEVEL processes (its init and
 * PER_LEVEL-1 sleepers). Prints "ready <namespaces> <processes>" on stdout when every level is up, then
 * waits. Every process has PR_SET_PDEATHSIG=SIGKILL, and killing any init kills its namespace, so killing
 * the process group (or just this process) tears everything down; nothing is mounted, nothing is written.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "loadCommon.h"

/* Child of `parent`: become the init of a new namespace level, fill it, recurse. */
static void level(int depth, int per_level) __attribute__((noreturn));
static void level(int depth, int per_level) {
	if (unshare(CLONE_NEWPID) == -1) { perror("unshare"); _exit(1); }
	pid_t init = fork();
	if (init == -1) { perror("fork init"); _exit(1); }
	if (init > 0) sleep_forever(); /* stays in the level above, holding pid_for_children */
	die_with_parent(0);
	for (int j = 1; j < per_level; j++) {
		pid_t me = getpid();
		pid_t s = fork();
		if (s == -1) { perror("fork sleeper"); _exit(1); }
		if (s == 0) { die_with_parent(me); close(ready_fd); sleep_forever(); }
	}
	if (depth > 1) {
		pid_t me = getpid();
		pid_t c = fork();
		if (c == -1) { perror("fork level"); _exit(1); }
		if (c == 0) { die_with_parent(me); level(depth - 1, per_level); }
	} else {
		if (write(ready_fd, "x", 1) != 1) _exit(1);
	}
	close(ready_fd);
	/* An init must reap; here nothing exits until teardown, so just wait. */
	for (;;) if (wait(NULL) == -1) pause();
}

int main(int argc, char **argv) {
	return load_main(argc, argv, level);
}
