// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one main() of the unit tests: linked beside one tests/unit/test_*.c,
 * it runs the cases that file declared with TEST() (check.h). Nothing to
 * register: a new file or a new TEST is found by the linker.
 */
#include "check.h"

#include <stdlib.h>

int check_failed;
const char *check_file;
const char *check_skip_why;

/* The linker makes these for a section named like a C identifier; weak, so
 * that a file without a fixture (or without cases) still links. */
extern const struct check_test *const __start_check_tests[] __attribute__((weak));
extern const struct check_test *const __stop_check_tests[] __attribute__((weak));
extern const struct check_fixture *const __start_check_fixtures[] __attribute__((weak));
extern const struct check_fixture *const __stop_check_fixtures[] __attribute__((weak));

static int by_line(const void *a, const void *b)
{
	const struct check_test *x = *(const struct check_test *const *)a;
	const struct check_test *y = *(const struct check_test *const *)b;

	return (x->line > y->line) - (x->line < y->line);
}

/* "tests/unit/test_policy.c" -> "unit/policy", "tests/bpf/test_record.c"
 * -> "bpf/record": the folder says which layer. */
static const char *file_name(const char *path)
{
	static char name[256];
	const char *base = strrchr(path, '/');
	const char *layer = strstr(path, "tests/bpf/") ? "bpf" : "unit";
	size_t len;

	base = base ? base + 1 : path;
	if (strncmp(base, "test_", 5) == 0)
		base += 5;
	len = strcspn(base, ".");
	snprintf(name, sizeof(name), "%s/%.*s", layer, (int)len, base);
	return name;
}

int main(void)
{
	size_t n = (size_t)(&__stop_check_tests[0] - &__start_check_tests[0]);
	const struct check_fixture *fixture = &__start_check_fixtures[0] != &__stop_check_fixtures[0]
						      ? __start_check_fixtures[0] : NULL;
	const struct check_test **tests;
	int failed = 0;

	if (n == 0) {
		printf("1..1\nnot ok unit: no TEST() cases linked in\n");
		return 1;
	}
	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	memcpy(tests, __start_check_tests, n * sizeof(*tests));
	qsort(tests, n, sizeof(*tests), by_line);
	check_file = file_name(tests[0]->file);
	if (fixture && fixture->setup) {
		int r = fixture->setup();

		if (r > 0) {
			printf("1..0\nskip %s: %s\n", check_file, check_skip_why ? check_skip_why : "");
			free(tests);
			return 0;
		}
		if (r < 0) {
			printf("1..1\nnot ok %s/setup: %s\n", check_file, strerror(-r));
			free(tests);
			return 1;
		}
	}
	/* The plan, TAP style: tests/run fails a binary that reports fewer
	 * cases than this (one that crashed, aborted under a sanitizer or
	 * exited in the middle). After the set-up, which may skip them all. */
	printf("1..%zu\n", n);
	fflush(stdout);
	for (size_t i = 0; i < n; i++) {
		check_failed = 0;
		tests[i]->fn();
		printf("%s %s/%s\n", check_failed ? "not ok" : "ok", check_file, tests[i]->name);
		/* A case that crashes must not take the lines before it along. */
		fflush(stdout);
		failed += check_failed;
	}
	if (fixture && fixture->teardown)
		fixture->teardown();
	free(tests);
	return failed ? 1 : 0;
}
