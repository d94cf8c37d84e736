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
#include <linux/dma-mapping.h>
#include <linux/memremap.h>
#include <linux/percpu.h>
#include <linux/scatterlist.h>

/**
 * struct blk_dma_state - how a request was DMA-mapped, kept until unmap
 * @sgt: for requests mapped through the IOMMU/p2pdma fallback: the request's
 *	scatterlist, mapped with dma_map_sgtable(); @sgt.sgl is %NULL for
 *	requests whose segments were mapped one by one with dma_map_page()
 * @next: next mapped scatterlist entry blk_rq_dma_map_iter_next() hands out
 * @left: mapped entries not yet handed out
 * @premap: for requests on a premapped registered buffer: the premap their
 *	segments come from (see blk-premap.h); nothing of theirs is mapped per
 *	request
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

/* per-CPU counters of blk-mq-dma.c, shown in debugfs blk_dma_map */
enum blk_dma_stat {
	BLK_DMA_STAT_DIRECT,	/* requests mapped segment by segment */
	BLK_DMA_STAT_SG,	/* requests mapped through the sg fallback */
	BLK_DMA_STAT_SEGMENTS,	/* segments handed out */
	BLK_DMA_STAT_ERRORS,	/* iterations ended with an error status */
	BLK_DMA_NR_STATS,
};
DECLARE_PER_CPU(unsigned long, blk_dma_stats[BLK_DMA_NR_STATS]);

bool __blk_rq_dma_map_iter_start(struct request *req, struct device *dma_dev,
				 struct blk_dma_state *state,
				 struct blk_dma_iter *iter);
#ifdef CONFIG_BLK_PREMAP
bool blk_premap_dma_map_start(struct request *req, struct device *dma_dev,
			      struct blk_dma_state *state,
			      struct blk_dma_iter *iter);
#else
static inline bool blk_premap_dma_map_start(struct request *req,
					    struct device *dma_dev,
					    struct blk_dma_state *state,
					    struct blk_dma_iter *iter)
{
	return __blk_rq_dma_map_iter_start(req, dma_dev, state, iter);
}
#endif

/*
 * Should the request be looked up in its device's premap cache? Only bios
 * on a registered buffer's bvec array (BIO_REG_BVEC, set from io_uring's
 * fixed-buffer import through bio_iov_bvec_set() and kept by clones and
 * splits) can hit, so every other request is decided by that flag alone.
 */
static inline bool blk_rq_dma_want_premap(struct request *req)
{
#ifdef CONFIG_BLK_PREMAP
	struct blk_premap_ctx *ctx;

	if (!req->bio || !bio_flagged(req->bio, BIO_REG_BVEC) ||
	    !req->q->tag_set)
		return false;
	ctx = req->q->tag_set->premap;
	return ctx && blk_premap_wanted(ctx);
#else
	return false;
#endif
}

/**
 * blk_rq_dma_map_iter_start - map the first DMA segment of a request
 * @req: request to map; its payload is blk_rq_payload_bytes() bytes
 * @dma_dev: device to map for
 * @state: caller-provided, need not be initialized; records how the request
 *	was mapped and must be kept for blk_rq_dma_unmap()
 * @iter: caller-provided, need not be initialized; only needed while mapping
 *
 * Segments are physically contiguous ranges of the request's data, merged
 * across bvecs and bios within the queue's max_segment_size and
 * seg_boundary_mask; see the file comment for how each kind of device is
 * mapped. Inline: a request that is one segment the block layer already
 * fitted to the queue's limits, and that the premap cache is not asked
 * about, is mapped right here with one dma_map_page(), as 6.12's
 * nvme_setup_prp_simple() did; a request the premap cache is asked about is
 * blk_premap_dma_map_start()'s, everything else
 * __blk_rq_dma_map_iter_start()'s.
 *
 * Context: any context the driver's ->queue_rq() runs in; does not sleep
 * (allocations are GFP_ATOMIC from a mempool).
 *
 * Return: %true if a segment was mapped: its DMA address is in @iter->addr
 * and its length in bytes in @iter->len. %false if there is none: at the end
 * of the data (@iter->status %BLK_STS_OK, e.g. a request without payload) or
 * on error (@iter->status %BLK_STS_RESOURCE: mapping or allocation failed,
 * retry later; %BLK_STS_TARGET: p2pdma memory the device cannot reach;
 * %BLK_STS_IOERR: the request yields no segments). Nothing stays mapped when
 * this returns %false.
 */
static inline bool blk_rq_dma_map_iter_start(struct request *req,
					     struct device *dma_dev,
					     struct blk_dma_state *state,
					     struct blk_dma_iter *iter)
{
	bool premap = blk_rq_dma_want_premap(req);
	struct bio_vec bv;

	/*
	 * One physical segment as the block layer counted it: one bio, one
	 * (multi-page) bvec, already split to max_segment_size and
	 * seg_boundary_mask, which 6.12's nvme_map_data() relied on too.
	 */
	if (premap)
		return blk_premap_dma_map_start(req, dma_dev, state, iter);
	if (blk_rq_nr_phys_segments(req) != 1 ||
	    (req->rq_flags & RQF_SPECIAL_PAYLOAD))
		return __blk_rq_dma_map_iter_start(req, dma_dev, state, iter);
	bv = req_bvec(req);
	if (unlikely(bv.bv_len != blk_rq_bytes(req) ||
		     is_pci_p2pdma_page(bv.bv_page)))
		return __blk_rq_dma_map_iter_start(req, dma_dev, state, iter);

	state->sgt.sgl = NULL;
#ifdef CONFIG_BLK_PREMAP
	state->premap = NULL;
	state->pm_shared = false;
#endif
	/* nothing left for blk_rq_dma_map_iter_next() */
	iter->iter.bio = req->bio;
	iter->iter.iter.bi_size = 0;
	iter->addr = dma_map_page_attrs(dma_dev, bv.bv_page, bv.bv_offset,
					bv.bv_len, rq_dma_dir(req),
					DMA_ATTR_NO_WARN);
	if (unlikely(dma_mapping_error(dma_dev, iter->addr))) {
		iter->status = BLK_STS_RESOURCE;
		this_cpu_inc(blk_dma_stats[BLK_DMA_STAT_ERRORS]);
		return false;
	}
	iter->len = bv.bv_len;
	iter->status = BLK_STS_OK;
	this_cpu_inc(blk_dma_stats[BLK_DMA_STAT_DIRECT]);
	this_cpu_inc(blk_dma_stats[BLK_DMA_STAT_SEGMENTS]);
	return true;
}

bool blk_rq_dma_map_iter_next(struct request *req, struct device *dma_dev,
			      struct blk_dma_state *state,
			      struct blk_dma_iter *iter);
void __blk_rq_dma_unmap_sg(struct request *req, struct device *dma_dev,
			   struct blk_dma_state *state);

/**
 * blk_rq_dma_unmap - undo the mapping the iterator did for a request
 * @req: request that was mapped
 * @dma_dev: device it was mapped for
 * @state: as filled in by blk_rq_dma_map_iter_start()
 * @mapped_len: bytes handed out by the iterator (unused here: the fallback
 *	unmaps its whole scatterlist; kept for mainline's signature)
 *
 * Inline, as in mainline 6.17: every request calls it on completion and,
 * for the common cases, it only looks at @state.
 *
 * Context: any; does not sleep.
 *
 * Return: %true if nothing is left to unmap (the request went through the
 * scatterlist fallback, which is now unmapped and freed, or used a premap,
 * which stays mapped), %false if its segments were mapped one by one
 * and the caller must dma_unmap_page() each segment it was handed, with the
 * same address, length and direction.
 */
static inline bool blk_rq_dma_unmap(struct request *req,
				    struct device *dma_dev,
				    struct blk_dma_state *state,
				    size_t mapped_len)
{
#ifdef CONFIG_BLK_PREMAP
	if (state->premap) {
		state->premap = NULL;
		return true;
	}
#endif
	if (!state->sgt.sgl)
		return false;
	__blk_rq_dma_unmap_sg(req, dma_dev, state);
	return true;
}

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
 * Return: the premap if the request is on a premapped buffer, else %NULL.
 * Drivers use it to reuse what they precomputed for the premap (nvme-pci:
 * PRP list pages).
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
