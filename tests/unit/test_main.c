/* Runs every test in a child process of its own, so that each starts with
 * the core's state as the boot code leaves it (zeroed .bss). */
#include <stdbool.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

int check_failures;

extern const struct test power_tests[], vuart_tests[], format_tests[], mmio_tests[], vgic_tests[];
static const struct test *const suites[] = { power_tests, vuart_tests, format_tests, mmio_tests,
					     vgic_tests };

int main(void)
{
	unsigned passed = 0, failed = 0;
	for (unsigned s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct test *t = suites[s]; t->name; t++) {
			fflush(NULL);
			pid_t pid = fork();
			if (pid == 0) {
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
