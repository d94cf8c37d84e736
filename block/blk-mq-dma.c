// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scatterlist-less DMA mapping of block requests for Linux 6.12.
 *
 * Follows mainline's iterator (Christoph Hellwig, "block: add
 * scatterlist-less DMA mapping helpers", 6.17):
 * the driver asks for one [dma_addr, len] segment at a time and never sees a
 * scatterlist. Segments are physically contiguous ranges of the request's
 * bvecs, merged across bvec and bio boundaries within the queue's
 * max_segment_size and seg_boundary_mask.
 *
 * Mapping, by device:
 *  - a request on a registered buffer premapped for the device (see
 *    blk-premap.c): its segments come from the premap, no DMA-API call;
 *  - dma-direct (no IOMMU, swiotlb included): each segment is mapped with
 *    dma_map_page() as it is handed out; nothing is allocated.
 *  - IOMMU, single segment: dma_map_page(), one IOVA allocation, as 6.12's
 *    nvme_setup_prp_simple() did.
 *  - IOMMU, several segments, and p2pdma requests: 6.12 has no dma_iova_*
 *    API (6.16) to link several ranges into one IOVA allocation, so the
 *    request goes through blk_rq_map_sg() + dma_map_sgtable() behind the
 *    iterator. dma-iommu then allocates one IOVA range for the whole
 *    request and, with NVMe's virt_boundary, returns one DMA segment:
 *    exactly 6.12's cost, never worse. p2pdma mapping stays with
 *    dma_map_sgtable(), which knows about bus addresses.
 */
#include <linux/blk-mq-dma.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/iommu-dma.h>
#include <linux/memremap.h>
#include <linux/mempool.h>
#include <linux/percpu.h>
#include "blk-mq-dma-premap.h"

/* scatterlists for the IOMMU fallback; queues with more segments kmalloc */
#define BLK_DMA_SG_POOL_SEGS	128
#define BLK_DMA_SG_POOL_MIN	16
static mempool_t *blk_dma_sg_pool;

/*
 * A physically contiguous range; @page and @offset (bytes, may exceed a
 * page) are what the DMA API of 6.12 takes, so mapping needs no phys to page
 * conversion (mainline later added dma_map_phys() for this).
 */
struct phys_vec {
	phys_addr_t paddr;
	struct page *page;
	u32 offset;
	u32 len;
};

/* counters shown in debugfs blk_dma_map; the inline fast path counts too */
DEFINE_PER_CPU(unsigned long, blk_dma_stats[BLK_DMA_NR_STATS]);
EXPORT_PER_CPU_SYMBOL_GPL(blk_dma_stats);

static inline void blk_dma_count(enum blk_dma_stat s)
{
	this_cpu_inc(blk_dma_stats[s]);
}

/*
 * Next physically contiguous range of the request, at most one segment as
 * the queue limits define it (mainline's blk_map_iter_next()).
 */
static __always_inline bool blk_map_iter_next(struct request *req,
					      struct req_iterator *iter,
					      struct phys_vec *vec)
{
	unsigned int max_size;
	struct bio_vec bv;

	if (req->rq_flags & RQF_SPECIAL_PAYLOAD) {
		if (!iter->bio)
			return false;
		vec->paddr = bvec_phys(&req->special_vec);
		vec->page = req->special_vec.bv_page;
		vec->offset = req->special_vec.bv_offset;
		vec->len = req->special_vec.bv_len;
		iter->bio = NULL;
		return true;
	}

	if (!iter->bio || !iter->iter.bi_size)
		return false;

	bv = mp_bvec_iter_bvec(iter->bio->bi_io_vec, iter->iter);
	vec->paddr = bvec_phys(&bv);
	vec->page = bv.bv_page;
	vec->offset = bv.bv_offset;
	max_size = get_max_segment_size(&req->q->limits, vec->paddr, UINT_MAX);
	bv.bv_len = min(bv.bv_len, max_size);
	bio_advance_iter_single(iter->bio, &iter->iter, bv.bv_len);

	/*
	 * If this bvec is used up, see whether the next one (possibly in the
	 * next bio) continues it physically.
	 */
	while (!iter->iter.bi_size || !iter->iter.bi_bvec_done) {
		struct bio_vec next;

		if (!iter->iter.bi_size) {
			if (!iter->bio->bi_next)
				break;
			iter->bio = iter->bio->bi_next;
			iter->iter = iter->bio->bi_iter;
			if (!iter->iter.bi_size)
				continue;
		}

		next = mp_bvec_iter_bvec(iter->bio->bi_io_vec, iter->iter);
		if (next.bv_len > max_size - bv.bv_len ||
		    !biovec_phys_mergeable(req->q, &bv, &next))
			break;

		bv.bv_len += next.bv_len;
		bio_advance_iter_single(iter->bio, &iter->iter, next.bv_len);
	}

	vec->len = bv.bv_len;
	return true;
}

/*
 * A request on a registered buffer that missed the premap cache may overlap
 * a premap of the same memory (being created, or unusable for this request).
 * The DMA API only allows that for mappings made with DMA_ATTR_SKIP_CPU_SYNC
 * (DMA-API debug: "overlapping mappings aren't supported"), so such requests
 * are mapped with it and then synced explicitly, which is exactly the sync
 * the mapping would have done itself: correct on any device, bouncing
 * included.
 */
static inline bool blk_dma_shared(struct blk_dma_state *state)
{
#ifdef CONFIG_BLK_PREMAP
	return state->pm_shared;
#else
	return false;
#endif
}

static __always_inline bool blk_dma_map_direct(struct request *req,
					       struct device *dma_dev,
					       struct blk_dma_state *state,
					       struct blk_dma_iter *iter,
					       struct phys_vec *vec)
{
	bool shared = blk_dma_shared(state);

	iter->addr = dma_map_page_attrs(dma_dev, vec->page, vec->offset,
					vec->len,
					rq_dma_dir(req), DMA_ATTR_NO_WARN |
					(shared ? DMA_ATTR_SKIP_CPU_SYNC : 0));
	if (dma_mapping_error(dma_dev, iter->addr)) {
		iter->status = BLK_STS_RESOURCE;
		blk_dma_count(BLK_DMA_STAT_ERRORS);
		return false;
	}
	if (unlikely(shared))
		dma_sync_single_for_device(dma_dev, iter->addr, vec->len,
					   rq_dma_dir(req));
	iter->len = vec->len;
	blk_dma_count(BLK_DMA_STAT_SEGMENTS);
	return true;
}

static bool blk_dma_sg_next(struct blk_dma_state *state,
			    struct blk_dma_iter *iter)
{
	if (!state->left)
		return false;
	iter->addr = sg_dma_address(state->next);
	iter->len = sg_dma_len(state->next);
	state->next = sg_next(state->next);
	state->left--;
	blk_dma_count(BLK_DMA_STAT_SEGMENTS);
	return true;
}

static void blk_dma_free_sgl(struct request *req, struct blk_dma_state *state)
{
	if (blk_rq_nr_phys_segments(req) <= BLK_DMA_SG_POOL_SEGS)
		mempool_free(state->sgt.sgl, blk_dma_sg_pool);
	else
		kfree(state->sgt.sgl);
	state->sgt.sgl = NULL;
}

static bool blk_dma_map_sg(struct request *req, struct device *dma_dev,
			   struct blk_dma_state *state,
			   struct blk_dma_iter *iter)
{
	unsigned int nsegs = blk_rq_nr_phys_segments(req);
	struct scatterlist *sgl;
	int rc;

	if (nsegs <= BLK_DMA_SG_POOL_SEGS)
		sgl = mempool_alloc(blk_dma_sg_pool, GFP_ATOMIC);
	else
		sgl = kmalloc_array(nsegs, sizeof(*sgl), GFP_ATOMIC);
	if (!sgl) {
		iter->status = BLK_STS_RESOURCE;
		goto err;
	}
	sg_init_table(sgl, nsegs);
	state->sgt.sgl = sgl;
	state->sgt.orig_nents = blk_rq_map_sg(req->q, req, sgl);
	if (!state->sgt.orig_nents) {
		iter->status = BLK_STS_IOERR;
		goto free;
	}
	rc = dma_map_sgtable(dma_dev, &state->sgt, rq_dma_dir(req),
			     DMA_ATTR_NO_WARN | (blk_dma_shared(state) ?
						 DMA_ATTR_SKIP_CPU_SYNC : 0));
	if (rc) {
		iter->status = rc == -EREMOTEIO ? BLK_STS_TARGET :
						  BLK_STS_RESOURCE;
		goto free;
	}
	if (unlikely(blk_dma_shared(state)))
		dma_sync_sgtable_for_device(dma_dev, &state->sgt,
					    rq_dma_dir(req));
	state->next = state->sgt.sgl;
	state->left = state->sgt.nents;
	blk_dma_count(BLK_DMA_STAT_SG);
	return blk_dma_sg_next(state, iter);

free:
	blk_dma_free_sgl(req, state);
err:
	blk_dma_count(BLK_DMA_STAT_ERRORS);
	return false;
}

/*
 * 6.12 does not keep p2pdma and host pages apart within a request (mainline
 * does since 6.17), so on queues that accept p2pdma look at every bvec.
 */
static bool blk_rq_has_p2pdma(struct request *req)
{
	struct req_iterator iter;
	struct bio_vec bv;

	/* the walk below would find nothing, but the compiler keeps it */
	if (!IS_ENABLED(CONFIG_PCI_P2PDMA) || !blk_queue_pci_p2pdma(req->q))
		return false;
	rq_for_each_bvec(bv, req, iter)
		if (is_pci_p2pdma_page(bv.bv_page))
			return true;
	return false;
}

/**
 * blk_dma_map_start - map the first segment of a request that is not premapped
 * @req: as for blk_rq_dma_map_iter_start()
 * @dma_dev: as for blk_rq_dma_map_iter_start()
 * @state: as for blk_rq_dma_map_iter_start(), with @state->pm_shared already
 *	set (false, or true for a registered buffer that missed the premap)
 * @iter: as for blk_rq_dma_map_iter_start()
 *
 * The iterator's start for __blk_rq_dma_map_iter_start(), and for
 * blk_premap_dma_map_start() on a miss; block-internal (blk-mq-dma-premap.h).
 * Out of line so that a premap hit does not pay for its stack frame (saved
 * registers, a zeroed phys_vec). Follows mainline 6.17's
 * blk_rq_dma_map_iter_start().
 *
 * Context: as blk_rq_dma_map_iter_start().
 * Return: as blk_rq_dma_map_iter_start().
 */
noinline bool blk_dma_map_start(struct request *req, struct device *dma_dev,
				struct blk_dma_state *state,
				struct blk_dma_iter *iter)
{
	struct bio *bio = req->bio;
	struct phys_vec vec;

	iter->status = BLK_STS_OK;
	state->sgt.sgl = NULL;
#ifdef CONFIG_BLK_PREMAP
	state->premap = NULL;
#endif
	iter->iter.bio = bio;
	state->left = 0;
	if (!bio)
		goto walk;
	iter->iter.iter = bio->bi_iter;

	/*
	 * Fast path: the block layer counted one physical segment, so the
	 * request is one bio whose data is one (multi-page) bvec that its
	 * splitting already fitted to max_segment_size and seg_boundary_mask,
	 * e.g. any request on a coalesced registered buffer that stays inside
	 * one folio: nothing to merge, no limit to check. This is what
	 * 6.12's nvme_map_data() relied on for its single-segment paths.
	 */
	if (likely(blk_rq_nr_phys_segments(req) == 1 &&
		   !(req->rq_flags & RQF_SPECIAL_PAYLOAD))) {
		struct bio_vec bv = mp_bvec_iter_bvec(bio->bi_io_vec,
						      bio->bi_iter);

		if (likely(bv.bv_len == blk_rq_bytes(req))) {
			vec.page = bv.bv_page;
			vec.offset = bv.bv_offset;
			vec.len = bv.bv_len;
			iter->iter.iter.bi_size = 0;
			/*
			 * The whole request is this segment: no IOMMU
			 * fallback needed, and its page tells p2pdma apart
			 * (as 6.12's single-segment path did).
			 */
			if (unlikely(is_pci_p2pdma_page(vec.page)))
				return blk_dma_map_sg(req, dma_dev, state, iter);
			goto map_direct;
		}
	}
walk:
	if (!blk_map_iter_next(req, &iter->iter, &vec))
		return false;
	if ((use_dma_iommu(dma_dev) && vec.len < blk_rq_payload_bytes(req)) ||
	    unlikely(blk_rq_has_p2pdma(req)))
		return blk_dma_map_sg(req, dma_dev, state, iter);
map_direct:
	blk_dma_count(BLK_DMA_STAT_DIRECT);
	return blk_dma_map_direct(req, dma_dev, state, iter, &vec);
}

/**
 * __blk_rq_dma_map_iter_start - blk_rq_dma_map_iter_start() past its fast path
 * @req: as for blk_rq_dma_map_iter_start()
 * @dma_dev: as for blk_rq_dma_map_iter_start()
 * @state: as for blk_rq_dma_map_iter_start()
 * @iter: as for blk_rq_dma_map_iter_start()
 *
 * Drivers call blk_rq_dma_map_iter_start(); this is its out-of-line part
 * for requests the premap cache is not asked about: several segments, the
 * IOMMU and p2pdma fallback (blk_premap_dma_map_start() takes the others).
 *
 * Context: as blk_rq_dma_map_iter_start().
 * Return: as blk_rq_dma_map_iter_start().
 */
bool __blk_rq_dma_map_iter_start(struct request *req, struct device *dma_dev,
				 struct blk_dma_state *state,
				 struct blk_dma_iter *iter)
{
#ifdef CONFIG_BLK_PREMAP
	state->pm_shared = false;
#endif
	return blk_dma_map_start(req, dma_dev, state, iter);
}
EXPORT_SYMBOL_GPL(__blk_rq_dma_map_iter_start);

/**
 * blk_rq_dma_map_iter_next - map the next DMA segment of a request
 * @req: request being mapped
 * @dma_dev: device to map for, as passed to blk_rq_dma_map_iter_start()
 * @state: as filled in by blk_rq_dma_map_iter_start()
 * @iter: as left by the previous call
 *
 * Context: as blk_rq_dma_map_iter_start().
 *
 * Return: %true with the next segment in @iter->addr/@iter->len, or %false
 * with @iter->status %BLK_STS_OK at the end of the request or
 * %BLK_STS_RESOURCE if mapping the segment failed. Segments handed out before
 * stay mapped either way: the caller releases them with blk_rq_dma_unmap()
 * (and, when that returns %false, dma_unmap_page() on each of them).
 */
bool blk_rq_dma_map_iter_next(struct request *req, struct device *dma_dev,
			      struct blk_dma_state *state,
			      struct blk_dma_iter *iter)
{
	struct phys_vec vec;

#ifdef CONFIG_BLK_PREMAP
	if (state->premap)
		return blk_dma_premap_next(req, state, iter);
#endif
	if (state->sgt.sgl)
		return blk_dma_sg_next(state, iter);
	if (!blk_map_iter_next(req, &iter->iter, &vec))
		return false;
	return blk_dma_map_direct(req, dma_dev, state, iter, &vec);
}
EXPORT_SYMBOL_GPL(blk_rq_dma_map_iter_next);

/**
 * __blk_rq_dma_unmap_sg - unmap and free the scatterlist of the fallback
 * @req: request mapped through the IOMMU/p2pdma fallback
 * @dma_dev: device it was mapped for
 * @state: as filled in by blk_rq_dma_map_iter_start(); @state->sgt.sgl is
 *	%NULL afterwards
 *
 * The out-of-line part of blk_rq_dma_unmap(); drivers call that instead.
 *
 * Context: any; does not sleep.
 */
void __blk_rq_dma_unmap_sg(struct request *req, struct device *dma_dev,
			   struct blk_dma_state *state)
{
	dma_unmap_sgtable(dma_dev, &state->sgt, rq_dma_dir(req), 0);
	blk_dma_free_sgl(req, state);
}
EXPORT_SYMBOL_GPL(__blk_rq_dma_unmap_sg);

#ifdef CONFIG_DEBUG_FS
static int blk_dma_stats_show(struct seq_file *m, void *unused)
{
	static const char * const names[BLK_DMA_NR_STATS] = {
		[BLK_DMA_STAT_DIRECT] = "requests_direct",
		[BLK_DMA_STAT_SG] = "requests_sg_fallback",
		[BLK_DMA_STAT_SEGMENTS] = "segments",
		[BLK_DMA_STAT_ERRORS] = "errors",
	};
	int s, cpu;

	for (s = 0; s < BLK_DMA_NR_STATS; s++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu(blk_dma_stats[s], cpu);
		seq_printf(m, "%s %lu\n", names[s], sum);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(blk_dma_stats);
#endif

static int __init blk_dma_init(void)
{
	blk_dma_sg_pool = mempool_create_kmalloc_pool(BLK_DMA_SG_POOL_MIN,
						      BLK_DMA_SG_POOL_SEGS *
						      sizeof(struct scatterlist));
	if (!blk_dma_sg_pool)
		panic("blk-mq-dma: cannot allocate scatterlist mempool\n");
#ifdef CONFIG_DEBUG_FS
	debugfs_create_file("blk_dma_map", 0444, NULL, NULL,
			    &blk_dma_stats_fops);
#endif
	return 0;
}
subsys_initcall(blk_dma_init);
