/* soakload.c: the soak suite's churn (issue 14).
 *
 *   soakload FORKS_PER_SECOND NAMESPACES_PER_SECOND
 *
 * Forks FORKS_PER_SECOND short-lived processes a second, spread evenly, each of which execs /bin/true (a
 * fork, an exec and an exit event, like the ps/ls a VS Code server runs), and NAMESPACES_PER_SECOND times
 * a second a process that unshares a new PID namespace, forks its PID 1 (which forks two children, lives
 * 300 ms and exits, taking the namespace with it). Children are reaped by the kernel (SIGCHLD ignored) and
 * die with this process (PR_SET_PDEATHSIG). Prints "ready" once started, then "stat FORKS NAMESPACES"
 * every 10 s; exits when stdin closes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child_setup(pid_t parent) {
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) _exit(1);
}

static void namespace_life(void) {
	if (unshare(CLONE_NEWPID) == -1) _exit(1);
	signal(SIGCHLD, SIG_DFL);
	pid_t init = fork();
	if (init == -1) _exit(1);
	if (init > 0) { waitpid(init, NULL, 0); _exit(0); } /* the holder outside: gone with its init */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGCHLD, SIG_IGN);
	for (int i = 0; i < 2; i++) if (fork() == 0) { usleep(100000); _exit(0); }
	usleep(300000);
	_exit(0); /* PID 1's exit kills what is left in the namespace */
}

int main(int argc, char **argv) {
	if (argc != 3) { fprintf(stderr, "usage: %s FORKS_PER_SECOND NAMESPACES_PER_SECOND\n", argv[0]); return 2; }
	long forks = atol(argv[1]), nss = atol(argv[2]);
	if (forks < 1 || nss < 0) { fprintf(stderr, "soakload: bad rates\n"); return 2; }
	signal(SIGCHLD, SIG_IGN);
	pid_t me = getpid();
	long step_ns = 1000000000L / forks;
	long ns_every = nss > 0 ? forks / nss : 0;
	long done_forks = 0, done_ns = 0, tick = 0;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	time_t last_stat = next.tv_sec;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		struct pollfd in = { 0, POLLIN, 0 };
		if (poll(&in, 1, 0) > 0) {
			char b[64];
			if (read(0, b, sizeof b) <= 0) break;
		}
		pid_t c = fork();
		if (c == 0) {
			child_setup(me);
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (c > 0) done_forks++;
		if (ns_every > 0 && ++tick % ns_every == 0) {
			pid_t n = fork();
			if (n == 0) { child_setup(me); namespace_life(); }
			if (n > 0) done_ns++;
		}
		next.tv_nsec += step_ns;
		while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {}
		if (next.tv_sec - last_stat >= 10) {
			last_stat = next.tv_sec;
			printf("stat %ld %ld\n", done_forks, done_ns);
			fflush(stdout);
		}
	}
	return 0;
}
