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

static int ready_fd = -1;

/* parent: the parent's PID as this process sees it (0 for an init: its parent is outside its namespace). */
static void die_with_parent(pid_t parent) {
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) _exit(1); /* parent already gone */
}

static void sleep_forever(void) {
	for (;;) pause();
}

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
	if (argc != 4) { fprintf(stderr, "usage: %s TREES DEPTH PER_LEVEL\n", argv[0]); return 2; }
	int trees = atoi(argv[1]), depth = atoi(argv[2]), per_level = atoi(argv[3]);
	if (trees < 1 || depth < 1 || depth > 32 || per_level < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
	int fds[2];
	if (pipe(fds) == -1) { perror("pipe"); return 1; }
	ready_fd = fds[1];
	pid_t me = getpid();
	for (int i = 0; i < trees; i++) {
		pid_t c = fork();
		if (c == -1) { perror("fork tree"); return 1; }
		if (c == 0) { close(fds[0]); die_with_parent(me); level(depth, per_level); }
	}
	close(fds[1]);
	char b;
	for (int i = 0; i < trees; i++) if (read(fds[0], &b, 1) != 1) { fprintf(stderr, "a tree failed\n"); return 1; }
	printf("ready %d %d\n", trees * depth, 1 + trees * (1 + depth * per_level));
	fflush(stdout);
	/* Stay until killed or until stdin closes (the benchmark exited). */
	while (read(0, &b, 1) > 0) {}
	kill(0, SIGKILL);
	return 0;
}
