/*
 * checkout-time: how long perfwarden's own checkout (runner/measure/checkout, libgit2)
 * takes per commit, for ci/bench/overhead. Opens REPO once, then checks each
 * REV out into WORKDIR/<hash> with checkout_worktree() and prints one line
 * per commit: "<hash> <milliseconds>". A benchmark helper, not part of
 * perfwarden: it links the runner library the build made.
 *
 * usage: checkout-time REPO WORKDIR REV...
 * exit 0, or 2 with one line on stderr when the repository or a commit fails.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <time.h>

#include "checkout.h"
#include "error.h"
#include "strbuf.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct checkout_repo *repo = NULL;
	struct pw_error err = PW_ERROR_INIT;
	struct strbuf path = STRBUF_INIT;
	int i, code = 2;

	if (argc < 4) {
		fprintf(stderr, "usage: checkout-time REPO WORKDIR REV...\n");
		return 2;
	}
	if (checkout_repo_open(&repo, argv[1], NULL, &err) < 0)
		goto done;
	for (i = 3; i < argc; i++) {
		double t0 = now_ms();

		strbuf_reset(&path);
		if (checkout_worktree(repo, argv[i], argv[2], 0, &path, NULL, &err) < 0)
			goto done;
		printf("%s %.3f\n", argv[i], now_ms() - t0);
	}
	code = 0;
done:
	if (code)
		fprintf(stderr, "checkout-time: %s\n", pw_error_message(&err));
	strbuf_release(&path);
	checkout_repo_free(repo);
	pw_error_release(&err);
	return code;
}
