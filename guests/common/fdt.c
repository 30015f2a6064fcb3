/*
 * Flattened device tree reader (devicetree specification, chapter 5).
 * All multi-byte values in a DTB are big-endian; we read them bytewise so
 * the blob needs no particular alignment.
 */
#include "fdt.h"

#include <stddef.h>

#define FDT_MAGIC		0xd00dfeed
#define FDT_HEADER_SIZE		40	/* ten 32-bit fields (version 17) */
#define FDT_LAST_COMP_VERSION	17	/* newest layout we understand */

#define FDT_BEGIN_NODE	0x1
#define FDT_END_NODE	0x2
#define FDT_PROP	0x3
#define FDT_NOP		0x4
#define FDT_END		0x9

/* Header field offsets */
#define HDR_MAGIC		0
#define HDR_TOTALSIZE		4
#define HDR_OFF_DT_STRUCT	8
#define HDR_OFF_DT_STRINGS	12
#define HDR_VERSION		20
#define HDR_LAST_COMP_VERSION	24
#define HDR_SIZE_DT_STRINGS	32
#define HDR_SIZE_DT_STRUCT	36

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint32_t align4(uint32_t off)
{
	return (off + 3) & ~3u;
}

static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Length of the string at p, or max if there is no NUL in the first max bytes. */
static uint32_t strnlen_bounded(const uint8_t *p, uint32_t max)
{
	uint32_t n = 0;

	while (n < max && p[n])
		n++;
	return n;
}

bool fdt_name_is(const char *name, const char *base)
{
	while (*base && *name == *base) {
		name++;
		base++;
	}
	return *base == '\0' && (*name == '\0' || *name == '@');
}

uint64_t fdt_read_cells(const void *p, uint32_t ncells)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	/* Skip cells that don't fit in 64 bits; they are the high ones. */
	if (ncells > 2) {
		b += 4 * (ncells - 2);
		ncells = 2;
	}
	while (ncells--) {
		v = v << 32 | be32(b);
		b += 4;
	}
	return v;
}

bool fdt_stringlist_contains(const void *list, uint32_t len, const char *str)
{
	const uint8_t *p = list;

	while (len) {
		uint32_t n = strnlen_bounded(p, len);
		if (n == len)		/* unterminated tail: not a valid entry */
			return false;
		if (streq((const char *)p, str))
			return true;
		p += n + 1;
		len -= n + 1;
	}
	return false;
}

/*
 * Property tokens between props and props_end were bounds-checked by
 * fdt_walk before any node was handed out, so no checks here.
 */
const void *fdt_prop(const struct fdt_node *node, const char *name, uint32_t *len)
{
	const uint8_t *p = node->props;

	while (p < node->props_end) {
		if (be32(p) == FDT_NOP) {
			p += 4;
			continue;
		}
		/* FDT_PROP: u32 len, u32 nameoff, value padded to 4 bytes */
		uint32_t vlen = be32(p + 4);
		const char *pname = (const char *)node->fdt->strings + be32(p + 8);
		if (streq(pname, name)) {
			if (len)
				*len = vlen;
			return p + 12;
		}
		p += 12 + align4(vlen);
	}
	return NULL;
}

struct level {
	const char *name;
	uint32_t props;			/* offset of the node's first property token */
	uint32_t addr_cells, size_cells;	/* this node's, for its children */
	bool visited;			/* callback done; no more properties allowed */
};

struct walk {
	struct fdt fdt;
	const uint8_t *structure;
	struct level stack[FDT_MAX_DEPTH];
	fdt_node_fn *fn;
	void *ctx;
};

/*
 * A node's properties all precede its children (spec 5.4.2), so the node is
 * complete at its first child or its FDT_END_NODE, whichever comes first.
 */
static void visit(struct walk *w, int depth, uint32_t props_end)
{
	struct level *l = &w->stack[depth];
	struct fdt_node node = {
		.fdt = &w->fdt,
		.depth = depth,
		.name = l->name,
		.parent = depth ? w->stack[depth - 1].name : NULL,
		/* Defaults when the parent has no #address-cells/#size-cells: 2 and 1. */
		.addr_cells = depth ? w->stack[depth - 1].addr_cells : 2,
		.size_cells = depth ? w->stack[depth - 1].size_cells : 1,
		.props = w->structure + l->props,
		.props_end = w->structure + props_end,
	};
	const void *v;
	uint32_t len;

	l->addr_cells = 2;
	l->size_cells = 1;
	if ((v = fdt_prop(&node, "#address-cells", &len)) && len == 4)
		l->addr_cells = be32(v);
	if ((v = fdt_prop(&node, "#size-cells", &len)) && len == 4)
		l->size_cells = be32(v);
	l->visited = true;
	w->fn(w->ctx, &node);
}

int fdt_walk(const void *blob, uint32_t max_size, fdt_node_fn *fn, void *ctx)
{
	const uint8_t *b = blob;
	struct walk w;	/* not zero-initialised: that could become a memset() call */

	w.fn = fn;
	w.ctx = ctx;

	if (max_size < FDT_HEADER_SIZE || be32(b + HDR_MAGIC) != FDT_MAGIC)
		return -FDT_ERR_MAGIC;

	uint32_t total = be32(b + HDR_TOTALSIZE);
	uint32_t version = be32(b + HDR_VERSION);
	if (total < FDT_HEADER_SIZE || total > max_size)
		return -FDT_ERR_SIZE;
	if (version < 16 || be32(b + HDR_LAST_COMP_VERSION) > FDT_LAST_COMP_VERSION)
		return -FDT_ERR_VERSION;

	uint32_t off_struct = be32(b + HDR_OFF_DT_STRUCT);
	uint32_t off_strings = be32(b + HDR_OFF_DT_STRINGS);
	uint32_t size_strings = be32(b + HDR_SIZE_DT_STRINGS);
	if (off_struct > total || off_strings > total || size_strings > total - off_strings)
		return -FDT_ERR_SIZE;
	/* size_dt_struct only exists from version 17 on. */
	uint32_t end = version >= 17 ? be32(b + HDR_SIZE_DT_STRUCT) : total - off_struct;
	if (end > total - off_struct)
		return -FDT_ERR_SIZE;

	w.fdt.strings = b + off_strings;
	w.fdt.strings_size = size_strings;
	w.structure = b + off_struct;

	const uint8_t *s = w.structure;
	uint32_t off = 0;
	int depth = -1;

	/* Invariant: off <= end, and every token starts 4-byte aligned. */
	for (;;) {
		if (end - off < 4)
			return -FDT_ERR_STRUCT;
		uint32_t tok_off = off;
		uint32_t tok = be32(s + off);
		off += 4;

		switch (tok) {
		case FDT_BEGIN_NODE: {
			if (depth >= 0 && !w.stack[depth].visited)
				visit(&w, depth, tok_off);
			if (++depth >= FDT_MAX_DEPTH)
				return -FDT_ERR_DEPTH;
			uint32_t n = strnlen_bounded(s + off, end - off);
			if (n == end - off)
				return -FDT_ERR_STRUCT;
			w.stack[depth] = (struct level){ .name = (const char *)s + off };
			off = align4(off + n + 1);
			if (off > end)
				return -FDT_ERR_STRUCT;
			w.stack[depth].props = off;
			break;
		}
		case FDT_PROP: {
			if (depth < 0 || w.stack[depth].visited || end - off < 8)
				return -FDT_ERR_STRUCT;
			uint32_t len = be32(s + off);
			uint32_t nameoff = be32(s + off + 4);
			off += 8;
			if (nameoff >= size_strings ||
			    strnlen_bounded(w.fdt.strings + nameoff, size_strings - nameoff) ==
				    size_strings - nameoff ||
			    len > end - off)
				return -FDT_ERR_STRUCT;
			off = align4(off + len);
			if (off > end)
				return -FDT_ERR_STRUCT;
			break;
		}
		case FDT_NOP:
			break;
		case FDT_END_NODE:
			if (depth < 0)
				return -FDT_ERR_STRUCT;
			if (!w.stack[depth].visited)
				visit(&w, depth, tok_off);
			depth--;
			break;
		case FDT_END:
			return depth == -1 ? 0 : -FDT_ERR_STRUCT;
		default:
			return -FDT_ERR_STRUCT;
		}
	}
}
