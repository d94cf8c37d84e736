/* SPDX-License-Identifier: GPL-2.0 */
/*
 * NVMe PRP and SGL builders over [dma_addr, len] segments.
 *
 * nvme-pci feeds them the segments of blk_rq_dma_map_iter_start()/_next();
 * the KUnit suite nvme_pci_dma feeds them synthetic ones. Both builders are
 * pure: they read segments through @next, get descriptor pages through
 * @alloc and write the command's data pointer; they map, unmap and free
 * nothing, so the caller keeps track of what it mapped and allocated.
 *
 * They are __always_inline so that, with the caller's callbacks known at
 * compile time, the hot path has no indirect calls.
 */
#ifndef _NVME_PCI_DMA_H
#define _NVME_PCI_DMA_H

#include <linux/blk_types.h>
#include <linux/nvme.h>
#include <linux/types.h>

#include "nvme.h"		/* NVME_CTRL_PAGE_SIZE */

/* PRP entries in one list page; the last may chain to the next page */
#define NVME_PRPS_PER_PAGE	(NVME_CTRL_PAGE_SIZE / sizeof(__le64))
/* list pages up to this size come from the 256-byte pool */
#define NVME_SMALL_POOL_SIZE	256
#define NVME_SGES_PER_PAGE	(NVME_CTRL_PAGE_SIZE / sizeof(struct nvme_sgl_desc))

/**
 * struct nvme_dma_seg - one DMA-mapped, contiguous piece of a request's data
 * @addr: bus address
 * @len: length in bytes
 */
struct nvme_dma_seg {
	dma_addr_t addr;
	u32 len;
};

/**
 * struct nvme_dma_ops - what the builders need from their caller
 * @next: store the next segment in @seg and return %BLK_STS_OK, or return
 *	why there is none (%BLK_STS_IOERR when the segments ran out early,
 *	%BLK_STS_RESOURCE when mapping failed)
 * @alloc: return a descriptor list page of at least @size bytes
 *	(%NVME_SMALL_POOL_SIZE or %NVME_CTRL_PAGE_SIZE), its bus address in
 *	@dma, or %NULL; the caller remembers it and frees it after completion
 */
struct nvme_dma_ops {
	blk_status_t (*next)(void *priv, struct nvme_dma_seg *seg);
	void *(*alloc)(void *priv, size_t size, dma_addr_t *dma);
};

/* continue at the start of the next segment */
static __always_inline blk_status_t
nvme_prp_next_seg(const struct nvme_dma_ops *ops, void *priv,
		  dma_addr_t *addr, u32 *left)
{
	struct nvme_dma_seg seg;
	blk_status_t st = ops->next(priv, &seg);

	if (st)
		return st;
	*addr = seg.addr;
	*left = seg.len;
	return BLK_STS_OK;
}

/**
 * nvme_prp_simple - PRP1 and PRP2 of one segment in at most two pages
 * @addr: bus address of the data
 * @len: bytes, > 0, with (@addr % %NVME_CTRL_PAGE_SIZE) + @len at most
 *	2 * %NVME_CTRL_PAGE_SIZE
 * @prp1: the command's PRP entry 1 (output): @addr, offset included
 * @prp2: the command's PRP entry 2 (output): the second page, or 0
 *
 * What nvme_build_prps() produces for such a segment, without its checks:
 * 6.12's nvme_setup_prp_simple() (NVMe Base Specification 2.0, 4.1.1).
 *
 * Context: any.
 */
static inline void nvme_prp_simple(dma_addr_t addr, u32 len, __le64 *prp1,
				   __le64 *prp2)
{
	u32 first = NVME_CTRL_PAGE_SIZE - (addr & (NVME_CTRL_PAGE_SIZE - 1));

	*prp1 = cpu_to_le64(addr);
	*prp2 = len > first ? cpu_to_le64(addr + first) : 0;
}

/**
 * nvme_build_prps - fill PRP1/PRP2 (and PRP lists) for a transfer
 * @ops: segment and list page source
 * @priv: passed to @ops
 * @len: bytes to transfer, > 0; the segments must cover at least that much
 * @seg: first segment
 * @prp1: the command's PRP entry 1 (output)
 * @prp2: the command's PRP entry 2 (output): 0, the second page, or the bus
 *	address of the first PRP list page
 *
 * Follows the NVMe Base Specification 2.0, 4.1.1 (Physical Region Page
 * Entry and List): PRP1 may carry an offset, every later entry addresses a
 * whole, NVME_CTRL_PAGE_SIZE-aligned page; if the data needs more than two
 * entries, PRP2 points to a list; when a list page is full and more than one
 * entry remains, its last slot becomes a pointer to the next list page (so a
 * transfer needing exactly %NVME_PRPS_PER_PAGE list entries keeps data in the
 * last slot). One transfer fitting in two pages needs no list, nor @alloc.
 * This is 6.12's nvme_pci_setup_prps() with the scatterlist replaced by
 * segments.
 *
 * Context: any; does not sleep unless @ops do.
 * Return: %BLK_STS_OK; %BLK_STS_RESOURCE if @alloc failed; %BLK_STS_IOERR if
 * the segments cannot be described by PRPs (a segment other than the first
 * does not start on a page boundary, or one other than the last does not
 * end on one) or end before @len bytes; or an error from @ops->next.
 */
static __always_inline blk_status_t
nvme_build_prps(const struct nvme_dma_ops *ops, void *priv, u32 len,
		struct nvme_dma_seg seg, __le64 *prp1, __le64 *prp2)
{
	const u32 page = NVME_CTRL_PAGE_SIZE;
	u32 first = page - (seg.addr & (page - 1));
	__le64 *list, *next_list;
	dma_addr_t list_dma;
	dma_addr_t addr;
	u32 left, remaining;
	blk_status_t st;
	unsigned int i;

	*prp1 = cpu_to_le64(seg.addr);
	*prp2 = 0;
	if (len <= first)
		return seg.len >= len ? BLK_STS_OK : BLK_STS_IOERR;
	remaining = len - first;

	if (seg.len > first) {
		addr = seg.addr + first;
		left = seg.len - first;
	} else {
		if (seg.len != first)
			return BLK_STS_IOERR;
		st = nvme_prp_next_seg(ops, priv, &addr, &left);
		if (st)
			return st;
	}

	if (remaining <= page) {
		if ((addr & (page - 1)) || left < remaining)
			return BLK_STS_IOERR;
		*prp2 = cpu_to_le64(addr);
		return BLK_STS_OK;
	}

	list = ops->alloc(priv, DIV_ROUND_UP(remaining, page) * sizeof(__le64) <=
			  NVME_SMALL_POOL_SIZE ? NVME_SMALL_POOL_SIZE : page,
			  &list_dma);
	if (!list)
		return BLK_STS_RESOURCE;
	*prp2 = cpu_to_le64(list_dma);
	i = 0;
	for (;;) {
		if (i == NVME_PRPS_PER_PAGE) {
			/* full, and at least one more entry to write: chain */
			next_list = ops->alloc(priv, page, &list_dma);
			if (!next_list)
				return BLK_STS_RESOURCE;
			next_list[0] = list[i - 1];
			list[i - 1] = cpu_to_le64(list_dma);
			list = next_list;
			i = 1;
		}
		if (addr & (page - 1))
			return BLK_STS_IOERR;
		list[i++] = cpu_to_le64(addr);
		if (remaining <= page)
			return left >= remaining ? BLK_STS_OK : BLK_STS_IOERR;
		remaining -= page;
		if (left > page) {
			addr += page;
			left -= page;
			continue;
		}
		if (left < page)
			return BLK_STS_IOERR;
		st = nvme_prp_next_seg(ops, priv, &addr, &left);
		if (st)
			return st;
	}
}

static inline void nvme_sgl_set_data(struct nvme_sgl_desc *sge,
				     const struct nvme_dma_seg *seg)
{
	sge->addr = cpu_to_le64(seg->addr);
	sge->length = cpu_to_le32(seg->len);
	sge->type = NVME_SGL_FMT_DATA_DESC << 4;
}

/**
 * nvme_build_sgls - fill the command's SGL for a transfer
 * @ops: segment and list page source
 * @priv: passed to @ops
 * @len: bytes to transfer, > 0
 * @max_segs: upper bound of the number of segments (the request's
 *	nr_phys_segments), used to pick the list page size
 * @seg: first segment
 * @dptr: the command's SGL descriptor 1 (output)
 *
 * One segment covering @len becomes an inline SGL Data Block descriptor;
 * otherwise @dptr is a Last Segment descriptor pointing to a list of Data
 * Block descriptors, one per segment, in one list page (NVMe Base
 * Specification 2.0, 4.1.2). The caller sets NVME_CMD_SGL_METABUF.
 *
 * Context: any; does not sleep unless @ops do.
 * Return: %BLK_STS_OK; %BLK_STS_RESOURCE if @alloc failed; %BLK_STS_IOERR if
 * the segments do not fit one list page or end before @len bytes; or an
 * error from @ops->next.
 */
static __always_inline blk_status_t
nvme_build_sgls(const struct nvme_dma_ops *ops, void *priv, u32 len,
		unsigned int max_segs, struct nvme_dma_seg seg,
		struct nvme_sgl_desc *dptr)
{
	unsigned int n = 0, cap;
	struct nvme_sgl_desc *list;
	dma_addr_t list_dma;
	blk_status_t st;
	size_t size;

	if (seg.len >= len) {
		nvme_sgl_set_data(dptr, &seg);
		dptr->length = cpu_to_le32(len);
		return BLK_STS_OK;
	}

	size = max_segs * sizeof(*list) <= NVME_SMALL_POOL_SIZE ?
		NVME_SMALL_POOL_SIZE : NVME_CTRL_PAGE_SIZE;
	cap = size / sizeof(*list);
	list = ops->alloc(priv, size, &list_dma);
	if (!list)
		return BLK_STS_RESOURCE;
	for (;;) {
		if (n == cap)
			return BLK_STS_IOERR;
		if (seg.len > len)
			seg.len = len;
		nvme_sgl_set_data(&list[n++], &seg);
		len -= seg.len;
		if (!len)
			break;
		st = ops->next(priv, &seg);
		if (st)
			return st;
	}
	dptr->addr = cpu_to_le64(list_dma);
	dptr->length = cpu_to_le32(n * sizeof(*list));
	dptr->type = NVME_SGL_FMT_LAST_SEG_DESC << 4;
	return BLK_STS_OK;
}

/* data entries in a premapped PRP list page; its last slot chains */
#define NVME_PREMAP_PRPS_PER_LIST	(NVME_PRPS_PER_PAGE - 1)

/**
 * struct nvme_prp_premap - PRP list pages precomputed for a premapped buffer
 * @first: buffer page (buffer position / %NVME_CTRL_PAGE_SIZE) of entry 0
 * @nr_entries: one entry per %NVME_CTRL_PAGE_SIZE page of the buffer
 * @nr_lists: list pages in @lists
 * @lists: list pages: entry j is in slot j % %NVME_PREMAP_PRPS_PER_LIST of
 *	page j / %NVME_PREMAP_PRPS_PER_LIST; each page's last slot points to
 *	the next page (0 in the last page)
 * @list_dma: bus addresses of @lists
 *
 * Entry j holds the bus address of buffer page @first + j. A request whose
 * data starts in buffer page p points PRP2 straight at the entry of page
 * p + 1: the controller reads on through the chain pointers, so requests
 * crossing list pages need no copy.
 */
struct nvme_prp_premap {
	u64 first;
	u64 nr_entries;
	unsigned int nr_lists;
	__le64 **lists;
	dma_addr_t *list_dma;
};

/* the slot of entry @j */
static inline __le64 *nvme_premap_slot(const struct nvme_prp_premap *p, u64 j)
{
	return &p->lists[j / NVME_PREMAP_PRPS_PER_LIST]
			[j % NVME_PREMAP_PRPS_PER_LIST];
}

/**
 * nvme_premap_fill - write a premap's PRP list pages
 * @p: layout with @first, @nr_entries, @nr_lists, @lists and @list_dma set
 * @page_dma: returns the bus address of buffer page @first + j
 * @priv: passed to @page_dma
 *
 * Context: any.
 */
static inline void nvme_premap_fill(struct nvme_prp_premap *p,
				    dma_addr_t (*page_dma)(void *priv, u64 j),
				    void *priv)
{
	unsigned int i;
	u64 j;

	for (j = 0; j < p->nr_entries; j++)
		*nvme_premap_slot(p, j) = cpu_to_le64(page_dma(priv, j));
	for (i = 0; i < p->nr_lists; i++) {
		dma_addr_t next = i + 1 < p->nr_lists ? p->list_dma[i + 1] : 0;

		p->lists[i][NVME_PREMAP_PRPS_PER_LIST] = cpu_to_le64(next);
	}
}

/**
 * nvme_premap_prps - PRP1/PRP2 for a request on a premapped buffer
 * @p: the buffer's precomputed list pages
 * @pos: buffer position of the request's first byte
 * @dma: bus address of that byte
 * @len: request length in bytes, > 0, inside the buffer
 * @prp1: the command's PRP entry 1 (output)
 * @prp2: the command's PRP entry 2 (output)
 *
 * PRP1 is @dma; PRP2 is 0, the second page's entry, or a pointer into the
 * precomputed list at the entry of the second page (NVMe Base Specification
 * 2.0, 4.1.1: PRP2 may point anywhere qword-aligned in a list page). The
 * controller treats a list page's last slot as a chain pointer only while
 * more than one entry remains; the precomputed pages always hold one there,
 * so a request whose last entry falls on the first slot of a list page that
 * it reaches by chaining cannot use them (about one multi-page request in
 * %NVME_PREMAP_PRPS_PER_LIST).
 *
 * Context: any.
 * Return: 0, or -EAGAIN if the chain rule forbids the precomputed list:
 * build a per-request list instead.
 */
static __always_inline int nvme_premap_prps(const struct nvme_prp_premap *p,
					    u64 pos, dma_addr_t dma, u32 len,
					    __le64 *prp1, __le64 *prp2)
{
	u32 off = dma & (NVME_CTRL_PAGE_SIZE - 1);
	u64 j = pos / NVME_CTRL_PAGE_SIZE - p->first;
	u64 m = (off + (u64)len - 1) / NVME_CTRL_PAGE_SIZE; /* pages after 1st */

	*prp1 = cpu_to_le64(dma);
	if (!m) {
		*prp2 = 0;
		return 0;
	}
	if (m == 1) {
		*prp2 = *nvme_premap_slot(p, j + 1);
		return 0;
	}
	if ((j + m) % NVME_PREMAP_PRPS_PER_LIST == 0)
		return -EAGAIN;
	*prp2 = cpu_to_le64(p->list_dma[(j + 1) / NVME_PREMAP_PRPS_PER_LIST] +
			    (j + 1) % NVME_PREMAP_PRPS_PER_LIST *
			    sizeof(__le64));
	return 0;
}

#endif /* _NVME_PCI_DMA_H */
