/*
 * a32-mmio: a 32-bit (AArch32, T32) task of the arm64 Linux guest that
 * reaches its partition's emulated PL011 through /dev/mem (iomem=relaxed),
 * so that the hypervisor emulates loads and stores of an AArch32 EL0:
 * 16-bit encodings (ESR_EL2.IL = 0), 32-bit ones, and loads inside IT
 * blocks, after which the next instruction must run under its own
 * condition (the IT state advanced). Freestanding: no libc, Linux's EABI
 * system calls. Lines "GUEST-A32 <what> ok|failed". With an argument it
 * instead loads from an address where the partition has nothing: the
 * abort injected into Linux kills it with SIGBUS (exit status 135).
 * Built by scripts/fetch-linux.sh (arm-linux-gnueabihf-gcc, -mthumb).
 */
#define SYS_EXIT	1
#define SYS_WRITE	4
#define SYS_OPEN	5
#define SYS_MMAP2	192
#define O_RDWR_SYNC	0x101002	/* O_RDWR | O_SYNC */
#define PROT_RW		3
#define MAP_SHARED	1

#define UART_PA		0x09000000u	/* the partition's PL011 (configs/linux-smp.toml) */
#define NOTHING_PA	0x0a000000u	/* no memory, no device of the partition */
#define UARTFR		0x18
#define FR_BUSY		(1u << 3)
#define FR_TXFE		(1u << 7)

static long syscall3(long n, long a, long b, long c)
{
	register long r0 __asm__("r0") = a;
	register long r1 __asm__("r1") = b;
	register long r2 __asm__("r2") = c;
	register long r7 __asm__("r7") = n;

	__asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r7) : "memory");
	return r0;
}

static volatile unsigned char *map(unsigned long pa)
{
	long fd = syscall3(SYS_OPEN, (long)"/dev/mem", O_RDWR_SYNC, 0);

	if (fd < 0)
		return 0;
	register long r0 __asm__("r0") = 0;
	register long r1 __asm__("r1") = 4096;
	register long r2 __asm__("r2") = PROT_RW;
	register long r3 __asm__("r3") = MAP_SHARED;
	register long r4 __asm__("r4") = fd;
	register long r5 __asm__("r5") = (long)(pa >> 12);
	register long r7 __asm__("r7") = SYS_MMAP2;

	__asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3), "r"(r4), "r"(r5), "r"(r7) : "memory");
	return (unsigned long)r0 > -4096ul ? 0 : (volatile unsigned char *)r0;
}

static unsigned len(const char *s)
{
	unsigned n = 0;

	while (s[n])
		n++;
	return n;
}

static void say(const char *s)
{
	syscall3(SYS_WRITE, 1, (long)s, len(s));
}

static int failures;

static void check(const char *what, int ok)
{
	say("GUEST-A32 ");
	say(what);
	say(ok ? " ok\n" : " failed\n");
	failures += !ok;
}

/* UARTFR by a 32-bit LDR.W and by a 16-bit LDR (IL = 0). */
static unsigned fr_wide(volatile unsigned char *u)
{
	unsigned v;

	__asm__ volatile("ldr.w %0, [%1, #0x18]" : "=r"(v) : "l"(u) : "memory");
	return v;
}

static unsigned fr_narrow(volatile unsigned char *u)
{
	register unsigned v __asm__("r0");
	register volatile unsigned char *p __asm__("r1") = u;

	__asm__ volatile("ldr.n %0, [%1, #0x18]" : "=l"(v) : "l"(p) : "memory");
	return v;
}

/* An ITE block: the load (first, condition true) then a MOV that must not
 * run (else). With the IT state left as it was, the MOV runs as the
 * load's "then" and clears the value. */
static unsigned fr_in_ite(volatile unsigned char *u)
{
	register unsigned v __asm__("r0");
	register volatile unsigned char *p __asm__("r1") = u;

	__asm__ volatile("cmp %1, %1\n\t"
			 "ite eq\n\t"
			 "ldreq.n %0, [%1, #0x18]\n\t"
			 "movne %0, #0"
			 : "=&l"(v) : "l"(p) : "cc", "memory");
	return v;
}

/* An ITTET block, the load (32-bit) second: "then" r3 = 1, the load, "else"
 * r3 = 2 (must not run), "then" r3 += 4. Right: r3 = 5. */
static unsigned fr_in_ittet(volatile unsigned char *u, unsigned *r3_out)
{
	register unsigned v __asm__("r0");
	register volatile unsigned char *p __asm__("r1") = u;
	register unsigned r3 __asm__("r3");

	__asm__ volatile("cmp %2, %2\n\t"
			 "ittet eq\n\t"
			 "moveq %1, #1\n\t"
			 "ldreq.w %0, [%2, #0x18]\n\t"
			 "movne %1, #2\n\t"
			 "addeq %1, %1, #4"
			 : "=&l"(v), "=&l"(r3) : "l"(p) : "cc", "memory");
	*r3_out = r3;
	return v;
}

/* A line written to UARTDR by the task's own stores, once the transmitter
 * is idle (the kernel's writes done): by turns a 16-bit STRB (IL = 0) and
 * a 32-bit STRB.W, and the newline by a store inside an IT block. */
static void line_by_stores(volatile unsigned char *u, const char *s)
{
	register volatile unsigned char *p __asm__("r1") = u;

	while ((fr_wide(u) & (FR_TXFE | FR_BUSY)) != FR_TXFE)
		;
	for (unsigned i = 0; s[i]; i++) {
		register unsigned c __asm__("r0") = (unsigned char)s[i];
		if (i & 1u)
			__asm__ volatile("strb.w %0, [%1]" :: "l"(c), "l"(p) : "memory");
		else
			__asm__ volatile("strb.n %0, [%1]" :: "l"(c), "l"(p) : "memory");
	}
	register unsigned nl __asm__("r0") = '\n';
	__asm__ volatile("cmp %0, %0\n\t"
			 "it eq\n\t"
			 "strbeq.n %0, [%1]"
			 :: "l"(nl), "l"(p) : "cc", "memory");
}

static void run(void)
{
	volatile unsigned char *u = map(UART_PA);
	unsigned r3 = 0;

	if (!u) {
		say("GUEST-A32 no /dev/mem mapping of the UART\n");
		syscall3(SYS_EXIT, 2, 0, 0);
	}
	unsigned fr = fr_wide(u);
	check("ldr.w of UARTFR", fr != 0 && fr < 0x200);
	check("ldr.n of UARTFR", fr_narrow(u) == fr);
	check("ldr.n first in an ITE block", fr_in_ite(u) == fr);
	check("ldr.w second in an ITTET block", fr_in_ittet(u, &r3) == fr && r3 == 5);
	line_by_stores(u, "GUEST-A32-STORES strb.n strb.w ok");
	syscall3(SYS_EXIT, failures ? 1 : 0, 0, 0);
}

static void fault(void)
{
	volatile unsigned char *n = map(NOTHING_PA);

	if (!n) {
		say("GUEST-A32 no /dev/mem mapping of the empty page\n");
		syscall3(SYS_EXIT, 2, 0, 0);
	}
	(void)fr_narrow(n);     /* the hypervisor injects an abort: SIGBUS */
	say("GUEST-A32 load from nothing returned\n");
	syscall3(SYS_EXIT, 3, 0, 0);
}

/* The entry: argc at sp (the kernel's initial stack). */
void __attribute__((used)) a32_main(long *sp)
{
	if (sp[0] > 1)
		fault();
	run();
}

__asm__(".text\n.global _start\n.thumb_func\n_start:\n\tmov r0, sp\n\tbl a32_main\n");
