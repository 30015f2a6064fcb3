/* Runs every test in a child process of its own, so that each starts with
 * the state as the boot code leaves it (zeroed .bss). */
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

int check_failures;

/* The boot CPU's power_init (src/power.c), where a suite links it: each
 * test starts after it, as every guest does (it says which vCPU each pCPU
 * runs). */
__attribute__((weak)) void power_init(void);

int run_suites(const struct test *const suites[], unsigned n)
{
	unsigned passed = 0, failed = 0;
	for (unsigned s = 0; s < n; s++) {
		for (const struct test *t = suites[s]; t->name; t++) {
			fflush(NULL);
			pid_t pid = fork();
			if (pid == 0) {
				if (power_init)
					power_init();
				t->fn();
				fflush(NULL);
				_exit(check_failures ? 1 : 0);
			}
			int status = 0;
			waitpid(pid, &status, 0);
			bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			printf("%s %s\n", ok ? "PASS" : "FAIL", t->name);
			ok ? passed++ : failed++;
		}
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
