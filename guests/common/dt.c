/* One walk of the device tree for the guests under guests/ (dt.h). */
#include "dt.h"

#include <stddef.h>

#include "cpu.h"
#include "uart.h"

struct dt dt = { .vtimer_intid = 27, .ptimer_intid = 30 };   /* until the tree says */

/* /cpus/cpu@...: only device_type = "cpu" are CPUs (/cpus also holds e.g. cpu-map). */
static void scan_cpu(const struct fdt_node *n)
{
	uint32_t len;
	const void *v = fdt_prop(n, "device_type", &len);

	if (!v || !fdt_stringlist_contains(v, len, "cpu"))
		return;
	v = fdt_prop(n, "reg", &len);
	if (!v || n->addr_cells == 0 || len < 4 * n->addr_cells)
		return;
	if (dt.ncpus < MAX_VCPUS)
		dt.cpu_id[dt.ncpus++] = fdt_read_cells(v, n->addr_cells) & CPU_ID_MASK;
	dt.ncpus_listed++;
}

/* reg: (base, size) pairs. */
static void scan_memory(const struct fdt_node *n)
{
	uint32_t len, cells = n->addr_cells + n->size_cells;
	const uint8_t *r = fdt_prop(n, "reg", &len);

	if (!r || n->addr_cells == 0 || n->size_cells == 0)
		return;
	for (; len >= 4 * cells && dt.nmem < DT_MAX_MEM; r += 4 * cells, len -= 4 * cells) {
		uint64_t base = fdt_read_cells(r, n->addr_cells);
		dt.mem[dt.nmem].base = base;
		dt.mem[dt.nmem].end = base + fdt_read_cells(r + 4 * n->addr_cells, n->size_cells);
		dt.nmem++;
	}
}

/* reg: the distributor, then (#redistributor-regions, default 1) the redistributor regions. */
static void scan_gic(const struct fdt_node *n)
{
	uint32_t len, cells = n->addr_cells + n->size_cells;
	const uint8_t *r = fdt_prop(n, "reg", &len);

	if (!r || n->addr_cells == 0 || n->size_cells == 0 || len < 2 * 4 * cells)
		return;
	dt.gicd = fdt_read_cells(r, n->addr_cells);
	dt.gicd_size = fdt_read_cells(r + 4 * n->addr_cells, n->size_cells);
	dt.gicr = fdt_read_cells(r + 4 * cells, n->addr_cells);
	dt.gicr_size = fdt_read_cells(r + 4 * (cells + n->addr_cells), n->size_cells);
	dt.have_gic = true;
}

static void scan_uart(const struct fdt_node *n)
{
	uint32_t len;
	/* Skip disabled ones, e.g. QEMU's secure-world UART. */
	const void *v = fdt_prop(n, "status", &len);

	if (v && !fdt_stringlist_contains(v, len, "okay") && !fdt_stringlist_contains(v, len, "ok"))
		return;
	v = fdt_prop(n, "reg", &len);
	/* Assumes identity 'ranges' on the way up, as on every virt platform. */
	if (v && n->addr_cells && len >= 4 * n->addr_cells) {
		dt.uart_base = fdt_read_cells(v, n->addr_cells);
		dt.have_uart = true;
	}
}

/* Interrupt i of node n if it is a PPI (<1 n flags>, the GIC's three
 * cells): its INTID, 16 + n. Else 0. */
static unsigned int ppi_intid(const struct fdt_node *n, unsigned int i)
{
	uint32_t len;
	const char *v = fdt_prop(n, "interrupts", &len);

	if (!v || len < 12 * (i + 1))
		return 0;
	v += 12 * i;
	if (fdt_read_cells(v, 1) != 1 || fdt_read_cells(v + 4, 1) >= 16)
		return 0;
	return 16 + (unsigned int)fdt_read_cells(v + 4, 1);
}

static void scan_timer(const struct fdt_node *n)
{
	/* secure physical, non-secure physical, virtual, hypervisor */
	unsigned int phys = ppi_intid(n, 1), virt = ppi_intid(n, 2);

	if (phys && virt) {
		dt.ptimer_intid = phys;
		dt.vtimer_intid = virt;
	}
}

struct scan {
	fdt_node_fn *more;
	void *ctx;
};

static void scan_node(void *ctx, const struct fdt_node *n)
{
	const struct scan *s = ctx;
	const void *v;
	uint32_t len;

	if (s->more)
		s->more(s->ctx, n);

	if (n->depth == 2 && fdt_name_is(n->parent, "cpus")) {
		scan_cpu(n);
		return;
	}
	if (n->depth == 1) {
		if (fdt_name_is(n->name, "chosen")) {
			v = fdt_prop(n, "bootargs", &len);
			if (v && len) {
				dt.bootargs = v;
				dt.bootargs_len = len;
			}
			return;
		}
		if (fdt_name_is(n->name, "cpus")) {
			v = fdt_prop(n, "timebase-frequency", &len);
			if (v && len == 4)
				dt.timebase_hz = (uint32_t)fdt_read_cells(v, 1);
			return;
		}
		if (fdt_name_is(n->name, "psci")) {
			v = fdt_prop(n, "method", &len);
			dt.psci_smc = v && fdt_stringlist_contains(v, len, "smc");
			return;
		}
		v = fdt_prop(n, "device_type", &len);
		if (v && fdt_stringlist_contains(v, len, "memory")) {
			scan_memory(n);
			return;
		}
	}

	v = fdt_prop(n, "compatible", &len);
	if (!v)
		return;
	if (!dt.have_gic && fdt_stringlist_contains(v, len, "arm,gic-v3"))
		scan_gic(n);
	else if (!dt.have_uart && fdt_stringlist_contains(v, len, UART_COMPATIBLE))
		scan_uart(n);
	else if (!dt.pmu_intid && fdt_stringlist_contains(v, len, "arm,armv8-pmuv3"))
		dt.pmu_intid = ppi_intid(n, 0);
	else if (fdt_stringlist_contains(v, len, "arm,armv8-timer"))
		scan_timer(n);
}

int dt_scan(uintptr_t dtb, fdt_node_fn *more, void *ctx)
{
	struct scan s = { more, ctx };
	int err;

	if (dtb < RAM_BASE || dtb >= RAM_END)
		err = -FDT_ERR_SIZE;
	else
		err = fdt_walk((const void *)dtb, (uint32_t)(RAM_END - dtb), scan_node, &s);

	if (dt.have_uart)
		uart_set_base(dt.uart_base);
	return err;
}

int dt_vcpu_index(uint64_t cpu_id)
{
	for (unsigned int i = 0; i < dt.ncpus; i++)
		if (dt.cpu_id[i] == cpu_id)
			return (int)i;
	return -1;
}

const struct dt_range *dt_mem_holding(uint64_t addr)
{
	for (unsigned int i = 0; i < dt.nmem; i++)
		if (addr >= dt.mem[i].base && addr < dt.mem[i].end)
			return &dt.mem[i];
	return NULL;
}

uint64_t dt_mem_end(void)
{
	uint64_t end = 0;

	for (unsigned int i = 0; i < dt.nmem; i++)
		if (dt.mem[i].end > dt.mem[i].base && dt.mem[i].end > end)
			end = dt.mem[i].end;
	return end;
}
