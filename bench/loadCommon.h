/* loadCommon.h: what loadgen.c and sleepers.c share: the readiness pipe, parent-death handling, and main()
 * (start TREES trees, wait until every tree reported ready, print "ready <namespaces> <processes>", stay
 * until stdin closes, then kill the whole process group). Each program supplies only its level().
 */
#ifndef PIDNS_BENCH_LOAD_COMMON_H
#define PIDNS_BENCH_LOAD_COMMON_H
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Write end of the readiness pipe: the innermost level of each tree writes one byte when it is up. */
static int ready_fd = -1;

/* parent: the parent's PID as this process sees it (0 for an init: its parent is outside its namespace). */
static void die_with_parent(pid_t parent) {
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) _exit(1); /* parent already gone */
}

static void sleep_forever(void) {
	for (;;) pause();
}

typedef void (*load_level_fn)(int depth, int per_level);

static int load_main(int argc, char **argv, load_level_fn level) {
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
		if (c == 0) { close(fds[0]); die_with_parent(me); level(depth, per_level); _exit(1); }
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
#endif
