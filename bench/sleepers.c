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

static int ready_fd = -1;

static void die_with_parent(pid_t parent) {
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) _exit(1);
}

static void sleep_forever(void) {
	for (;;) pause();
}

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
	while (read(0, &b, 1) > 0) {}
	kill(0, SIGKILL);
	return 0;
}
