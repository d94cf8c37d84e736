/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Scatterlist-less DMA mapping of block requests.
 *
 * The names and semantics follow mainline 6.17 (block/blk-mq-dma.c, Christoph
 * Hellwig, "block: add scatterlist-less DMA mapping helpers"), written for
 * 6.12, which lacks the two-step IOVA API (dma_iova_*, 6.16) that mainline
 * builds the IOMMU case on. Here &struct blk_dma_state stands in for
 * mainline's struct dma_iova_state: it records how the request was mapped.
 */
#ifndef BLK_MQ_DMA_H
#define BLK_MQ_DMA_H

#include <linux/blk-mq.h>
#include <linux/blk-premap.h>
#include <linux/scatterlist.h>

/**
 * struct blk_dma_state - how a request was DMA-mapped, kept until unmap
 * @sgt: for requests mapped through the IOMMU/p2pdma fallback: the request's
 *	scatterlist, mapped with dma_map_sgtable(); @sgt.sgl is %NULL for
 *	requests whose segments were mapped one by one with dma_map_page()
 * @next: next mapped scatterlist entry blk_rq_dma_map_iter_next() hands out
 * @left: mapped entries not yet handed out
 * @premap: for requests on a premapped registered buffer: the premap they
 *	hold (see blk-premap.h); nothing of theirs is mapped per request
 * @pm_start: buffer position of the request's first byte (premap only)
 * @pm_pos: buffer position of the next segment (premap only)
 * @pm_left: bytes of the request not yet handed out (premap only)
 * @pm_shared: the request is on a registered buffer but mapped per request:
 *	its mapping may overlap a premap (see blk-mq-dma.c)
 */
struct blk_dma_state {
	struct sg_table sgt;
	struct scatterlist *next;
	unsigned int left;
#ifdef CONFIG_BLK_PREMAP
	struct blk_premap *premap;
	u64 pm_start;
	u64 pm_pos;
	u32 pm_left;
	bool pm_shared;
#endif
};

/**
 * struct blk_dma_iter - one DMA segment of a request at a time
 * @addr: DMA address of the current segment (output)
 * @len: length of the current segment in bytes (output)
 * @status: why the last call returned %false: %BLK_STS_OK at the end of the
 *	request, %BLK_STS_RESOURCE if a mapping or allocation failed,
 *	%BLK_STS_TARGET for a p2pdma request the device cannot reach,
 *	%BLK_STS_IOERR if the request could not be turned into segments
 * @iter: position in the request's bios (internal)
 */
struct blk_dma_iter {
	dma_addr_t addr;
	u32 len;
	blk_status_t status;

	struct req_iterator iter;
};

bool blk_rq_dma_map_iter_start(struct request *req, struct device *dma_dev,
			       struct blk_dma_state *state,
			       struct blk_dma_iter *iter);
bool blk_rq_dma_map_iter_next(struct request *req, struct device *dma_dev,
			      struct blk_dma_state *state,
			      struct blk_dma_iter *iter);
bool blk_rq_dma_unmap(struct request *req, struct device *dma_dev,
		      struct blk_dma_state *state, size_t mapped_len);

/**
 * blk_rq_dma_map_coalesce - are all of the request's segments one DMA range?
 * @state: state filled in by blk_rq_dma_map_iter_start()
 *
 * Return: %true if the IOMMU fallback mapped the whole request into a single
 * IOVA range, so the first segment returned is the only one.
 */
static inline bool blk_rq_dma_map_coalesce(struct blk_dma_state *state)
{
	return state->sgt.sgl && state->sgt.nents == 1;
}

/**
 * blk_rq_dma_premap - the premap a request's segments came from
 * @state: state filled in by blk_rq_dma_map_iter_start()
 * @pos: set to the buffer position of the request's first byte, in bytes
 *
 * Return: the premap (held until blk_rq_dma_unmap()) if the request is on a
 * premapped buffer, else %NULL. Drivers use it to reuse what they
 * precomputed for the premap (nvme-pci: PRP list pages).
 */
static inline struct blk_premap *blk_rq_dma_premap(struct blk_dma_state *state,
						   u64 *pos)
{
#ifdef CONFIG_BLK_PREMAP
	*pos = state->pm_start;
	return state->premap;
#else
	return NULL;
#endif
}

#endif /* BLK_MQ_DMA_H */
