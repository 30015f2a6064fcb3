// SPDX-License-Identifier: MIT
/*
 * /init of Tessera's riscv64 Linux guest: a static C program (Debian 12 has
 * no riscv64 busybox), built with riscv64-linux-gnu-gcc -static and packed
 * by scripts/build-riscv-linux.sh. The same contract as the aarch64 guest's
 * shell /init (guests/linux/init): it proves the guest really runs SMP,
 * every online CPU taking timer interrupts and IPIs while it works. Tests
 * match these lines:
 *   GUEST-UP cpus=<n> online=<list>
 *   GUEST-SMP ok cpus=<n>   |   GUEST-SMP fail: cpu<i> timer <a>-><b> ipi <c>-><d>
 *   GUEST-DISK read <line> (plic irqs <n>)   |   GUEST-DISK unreadable
 *   GUEST-INPUT?  then  GUEST-ECHO <line typed>
 *   GUEST-DONE
 * then it powers off with reboot(RB_POWER_OFF), which the kernel does by SBI
 * SRST shutdown, so QEMU or a partition ends by itself. GUEST-DISK appears
 * only when there is a virtio-blk disk (/dev/vda): its first line, read
 * raw (no filesystem), and the interrupts its virtio transport took through
 * the PLIC. GUEST-INPUT? appears only with guest.echo on the kernel's
 * command line: init then reads one line typed on its console (through the
 * UART's receive interrupt) and says it back.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CPUS 64
#define MAX_TEXT 65536

/* Per-CPU interrupt counts from one read of /proc/interrupts. */
struct irq_counts {
    unsigned long long timer[MAX_CPUS];
    unsigned long long ipi[MAX_CPUS];
    unsigned long long virtio;      /* every CPU's, of the virtio rows */
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static void mount_fs(const char *type, const char *dir)
{
    mkdir(dir, 0755);
    if (mount(type, dir, type, 0, NULL) != 0 && errno != EBUSY)
        say("init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

/* The whole of a (small) file, NUL-terminated; "" when unreadable. */
static char *read_text(const char *path)
{
    static char buf[MAX_TEXT];
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        ssize_t got;

        while (len < sizeof(buf) - 1 && (got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
            len += (size_t)got;
        close(fd);
    }
    buf[len] = '\0';
    return buf;
}

/* "0-3" or "0,2-3" -> the CPU numbers, in order; returns how many. */
static int parse_cpu_list(const char *list, int *cpus)
{
    int n = 0;
    const char *p = list;

    while (*p >= '0' && *p <= '9') {
        char *end;
        long lo = strtol(p, &end, 10), hi = lo;

        if (*end == '-')
            hi = strtol(end + 1, &end, 10);
        for (long c = lo; c <= hi && n < MAX_CPUS; c++)
            if (c < MAX_CPUS)
                cpus[n++] = (int)c;
        p = *end == ',' ? end + 1 : end;
    }
    return n;
}

/*
 * The header names the columns (CPU0 CPU2 ...: only online CPUs appear), so
 * map them by name. Rows: "IPI<k>:" (each kind of IPI, summed), the one whose
 * last word is riscv-timer, and those naming a virtio device (through the
 * PLIC).
 */
static void read_interrupts(struct irq_counts *out)
{
    char *text = read_text("/proc/interrupts");
    char *save_line, *line;
    int col[MAX_CPUS], ncol = 0;

    memset(out, 0, sizeof(*out));
    for (line = strtok_r(text, "\n", &save_line); line; line = strtok_r(NULL, "\n", &save_line)) {
        char *save_word, *word, *words[MAX_CPUS + 16];
        int nw = 0;

        for (word = strtok_r(line, " \t", &save_word); word && nw < (int)(sizeof(words) / sizeof(words[0]));
             word = strtok_r(NULL, " \t", &save_word))
            words[nw++] = word;
        if (nw == 0)
            continue;
        if (ncol == 0) {
            for (int i = 0; i < nw && ncol < MAX_CPUS; i++)
                if (strncmp(words[i], "CPU", 3) == 0)
                    col[ncol++] = atoi(words[i] + 3);
            continue;
        }
        unsigned long long *kind = NULL;
        if (strncmp(words[0], "IPI", 3) == 0)
            kind = out->ipi;
        else if (strcmp(words[nw - 1], "riscv-timer") == 0)
            kind = out->timer;
        int virtio = strncmp(words[nw - 1], "virtio", 6) == 0;
        for (int i = 0; i < ncol && i + 1 < nw; i++) {
            unsigned long long v = strtoull(words[i + 1], NULL, 10);

            if (kind && col[i] >= 0 && col[i] < MAX_CPUS)
                kind[col[i]] += v;
            if (virtio)
                out->virtio += v;
        }
    }
}

static int pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set);
}

/* A child pinned to cpu that spins for `loops` iterations, then exits. */
static pid_t spawn_on(int cpu, unsigned long loops)
{
    pid_t pid = fork();

    if (pid == 0) {
        if (pin(cpu) != 0)
            _exit(1);
        for (volatile unsigned long i = 0; i < loops; i++)
            ;
        _exit(0);
    }
    return pid;
}

static void reap_all(void)
{
    while (wait(NULL) > 0 || errno == EINTR)
        ;
}

/*
 * Busy work on every online CPU at once (each worker's running takes timer
 * ticks; moving it to its CPU, waking idle CPUs and reaping it take IPIs).
 * Then, pinned to the first CPU, start a short task on each other CPU while
 * that one is idle: placing it takes a reschedule IPI there, its exit wakes
 * the first CPU with one. A lost IPI shows as a count that did not rise.
 */
static void smp_check(const int *cpus, int n)
{
    struct irq_counts before, after;
    int bad = 0;

    read_interrupts(&before);
    for (int k = 0; k < n; k++)
        spawn_on(cpus[k], 20000000UL);
    reap_all();
    pin(cpus[0]);
    for (int round = 0; round < 3; round++)
        for (int k = 1; k < n; k++) {
            spawn_on(cpus[k], 0);
            reap_all();
        }
    read_interrupts(&after);

    for (int k = 0; k < n; k++) {
        int c = cpus[k];
        unsigned long long t0 = before.timer[c], t1 = after.timer[c];
        unsigned long long i0 = before.ipi[c], i1 = after.ipi[c];

        /* One CPU has nobody to send it an IPI: only its timer counts. */
        if (t1 <= t0 || (n > 1 && i1 <= i0)) {
            say("GUEST-SMP fail: cpu%d timer %llu->%llu ipi %llu->%llu\n", c, t0, t1, i0, i1);
            bad = 1;
        }
    }
    if (!bad)
        say("GUEST-SMP ok cpus=%d\n", n);
}

/* A virtio-blk disk: its first line, read raw (it completes by interrupt). */
static void disk_check(void)
{
    char line[128];
    struct irq_counts irqs;
    ssize_t got;
    int fd = open("/dev/vda", O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        if (errno != ENOENT)
            say("GUEST-DISK unreadable (%s)\n", strerror(errno));
        return;
    }
    got = read(fd, line, sizeof(line) - 1);
    close(fd);
    if (got <= 0) {
        say("GUEST-DISK unreadable (%s)\n", got < 0 ? strerror(errno) : "empty");
        return;
    }
    line[got] = '\0';
    line[strcspn(line, "\n")] = '\0';
    for (char *p = line; *p; p++)
        if (*p < ' ' || *p > '~')
            *p = '.';
    read_interrupts(&irqs);
    say("GUEST-DISK read %s (plic irqs %llu)\n", line, irqs.virtio);
}

/* With guest.echo on the command line: one line typed on the console. */
static void echo_check(void)
{
    char line[128];
    ssize_t got;

    if (!strstr(read_text("/proc/cmdline"), "guest.echo"))
        return;
    say("GUEST-INPUT?\n");
    got = read(0, line, sizeof(line) - 1);
    line[got > 0 ? got : 0] = '\0';
    line[strcspn(line, "\r\n")] = '\0';
    say("GUEST-ECHO %s\n", got > 0 ? line : "(nothing)");
}

int main(void)
{
    static int cpus[MAX_CPUS];
    char *online;
    int n;

    mount_fs("proc", "/proc");
    mount_fs("sysfs", "/sys");
    /* The kernel does not automount devtmpfs on an initramfs. */
    mount_fs("devtmpfs", "/dev");
    /* If the kernel found no /dev/console to open for init, stdio is closed. */
    if (fcntl(1, F_GETFD) < 0) {
        int fd = open("/dev/console", O_RDWR);

        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2)
                close(fd);
        }
    }

    online = read_text("/sys/devices/system/cpu/online");
    online[strcspn(online, "\n")] = '\0';
    n = parse_cpu_list(online, cpus);
    say("GUEST-UP cpus=%d online=%s\n", n, online);

    if (n > 0)
        smp_check(cpus, n);
    disk_check();
    echo_check();
    say("GUEST-DONE\n");

    sync();
    reboot(RB_POWER_OFF);
    /* Should power-off fail, init exiting panics the kernel; with panic=-1
     * and QEMU -no-reboot that still ends the run. */
    say("init: power off failed: %s\n", strerror(errno));
    return 1;
}
