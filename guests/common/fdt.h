/*
 * A small flattened device tree (DTB) reader: validates the header and walks
 * the structure block, calling back once per node with that node's
 * properties and its parent's #address-cells/#size-cells.
 */
#ifndef GUEST_FDT_H
#define GUEST_FDT_H

#include <stdbool.h>
#include <stdint.h>

enum {
	FDT_ERR_MAGIC = 1,	/* no 0xd00dfeed at the start */
	FDT_ERR_VERSION,	/* not a version 16/17 compatible blob */
	FDT_ERR_SIZE,		/* header sizes/offsets outside the blob */
	FDT_ERR_STRUCT,		/* malformed structure block */
	FDT_ERR_DEPTH,		/* nodes nested deeper than FDT_MAX_DEPTH */
};

#define FDT_MAX_DEPTH 16

struct fdt {
	const uint8_t *strings;		/* strings block */
	uint32_t strings_size;
};

struct fdt_node {
	const struct fdt *fdt;
	int depth;			/* root is 0 */
	const char *name;		/* unit name, e.g. "cpu@1"; "" for the root */
	const char *parent;		/* parent's unit name; NULL for the root */
	/* The parent's #address-cells/#size-cells: they describe this node's reg. */
	uint32_t addr_cells, size_cells;
	const uint8_t *props, *props_end;	/* this node's FDT_PROP/FDT_NOP tokens */
};

typedef void fdt_node_fn(void *ctx, const struct fdt_node *node);

/*
 * Walk the blob at 'blob', which must lie within 'max_size' readable bytes,
 * calling fn for every node in document order (a node before its children).
 * Returns 0, or -FDT_ERR_* if the blob is malformed.
 */
int fdt_walk(const void *blob, uint32_t max_size, fdt_node_fn *fn, void *ctx);

/* A property of the node, or NULL; *len gets its length in bytes. */
const void *fdt_prop(const struct fdt_node *node, const char *name, uint32_t *len);

/* Big-endian cells: value of 'ncells' cells (the low 64 bits if more than 2). */
uint64_t fdt_read_cells(const void *p, uint32_t ncells);

/* True if the NUL-separated string list (e.g. compatible) contains 'str'. */
bool fdt_stringlist_contains(const void *list, uint32_t len, const char *str);

/* True if the node's name is 'base' or 'base@unit-address'. */
bool fdt_name_is(const char *name, const char *base);

#endif
