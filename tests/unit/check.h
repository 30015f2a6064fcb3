/* A small test runner: CHECK records a failure and goes on; main() prints
 * "N passed, N failed" over the TEST functions. */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stdio.h>

extern int check_failures;

#define CHECK(cond) do { if (!(cond)) { check_failures++; \
	fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { \
	check_failures++; fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n", \
	__FILE__, __LINE__, #a, _a, #b, _b); } } while (0)

struct test { const char *name; void (*fn)(void); };
#define TEST(name) static void name(void)

/* Each test in a child process; prints PASS/FAIL lines and the summary.
 * Returns main's exit status. tests/unit/runner.c. */
int run_suites(const struct test *const suites[], unsigned n);

#endif
