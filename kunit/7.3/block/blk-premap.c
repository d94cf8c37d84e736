// SPDX-License-Identifier: GPL-2.0-only
/*
 * Premap handles of registered buffers, and the buffers' premaps: each
 * DMA-mapped once per device.  See include/linux/blk-premap.h for when
 * premaps are torn down.
 *
 * Locking, per buffer and per device, nothing global:
 *  - buf->mutex serializes what maps or unmaps the buffer's premaps: their
 *    creation (the device's ctx->work), the buffer's release and a device's
 *    removal or invalidation.  So a creation, which maps the whole buffer
 *    and allocates with GFP_KERNEL (in a NOIO scope: an invalidation
 *    waits for the mutex with the device's queues frozen), delays only
 *    what tears down premaps of the same buffer (its release, or a
 *    device's removal or invalidation when it reaches them), never
 *    another buffer's release.  A premap leaves its slot only under
 *    buf->mutex; whoever takes it out tears it down, and it stays on
 *    ctx->pms until then, for the device's removal to wait for.
 *  - buf->lock protects buf->slot[] and buf->dead; ctx->lock nests inside
 *    it and protects ctx->pms, ctx->pending and ctx->dead.  The I/O path
 *    takes them only on a buffer's first request through a device.
 *  - buf->refs keeps a buffer's memory while ctx->work or the device's
 *    removal waits for buf->mutex: they find the buffer through a premap
 *    on one of ctx's lists, which teardown leaves (under ctx->lock) before
 *    the owner's reference is dropped.
 */
#include <linux/blk-mq.h>
#include <linux/blk-premap.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pci.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include "blk-premap.h"

/* the attributes of every premap mapping, also passed to unmap them */
#define BLK_PREMAP_DMA_ATTRS	DMA_ATTR_REQUIRE_COHERENT

/*
 * The layout blk_premap_buf_off() relies on: bvec 0 from its offset to the
 * end of its chunk of 1 << shift bytes (or of the buffer), every later bvec
 * a whole chunk from offset 0 but for the last one, which may end early;
 * no empty bvec.
 */
static bool blk_premap_layout_ok(const struct bio_vec *bvec,
				 unsigned int nr_bvecs, unsigned int shift,
				 u64 len)
{
	u64 chunk_size = 1ULL << shift, sum = 0;
	unsigned int i;

	if (!nr_bvecs || shift < PAGE_SHIFT || shift >= 32)
		return false;
	for (i = 0; i < nr_bvecs; i++) {
		const struct bio_vec *bv = &bvec[i];
		u64 end = (u64)bv->bv_offset + bv->bv_len;

		if (!bv->bv_len || end > chunk_size)
			return false;
		if (i && bv->bv_offset)
			return false;
		if (i < nr_bvecs - 1 && end != chunk_size)
			return false;
		sum += bv->bv_len;
	}
	return sum == len;
}

/**
 * blk_premap_buf_create - make the premap handle of a registered buffer
 * @bvec: the buffer's bvec array; it must not change, and it and its pages
 *	must live until blk_premap_buf_release(), the pages pinned with
 *	FOLL_PIN (pin_user_pages()) while the buffer may be premapped
 * @nr_bvecs: entries in @bvec
 * @shift: log2 of the chunk size in bytes, PAGE_SHIFT to 31: every bvec
 *	lies in one physically contiguous chunk of that size (a folio, or a
 *	page), naturally aligned in physical memory, bvec 0 from its
 *	bv_offset, every later one from offset 0; the caller guarantees the
 *	contiguity and alignment, the offsets and lengths are checked
 * @len: buffer length in bytes, the sum of the bvecs' lengths
 *
 * Nothing is mapped here: premaps are made per device on first use, and
 * charged to the memory cgroup of the caller.
 *
 * Context: process context, may sleep.
 * Return: the handle, or ERR_PTR(-EINVAL) if the bvecs are not laid out as
 * &struct blk_premap_buf describes (or @nr_bvecs is 0, or @shift out of
 * range), ERR_PTR(-ENOMEM) if it cannot be allocated.  Without a handle
 * the buffer works as before; it is only never premapped.
 */
struct blk_premap_buf *blk_premap_buf_create(const struct bio_vec *bvec,
					     unsigned int nr_bvecs,
					     unsigned int shift, u64 len)
{
	struct blk_premap_buf *buf;

	if (!blk_premap_layout_ok(bvec, nr_bvecs, shift, len))
		return ERR_PTR(-EINVAL);
	buf = kzalloc_obj(*buf, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	buf->bvec = bvec;
	buf->nr_bvecs = nr_bvecs;
	buf->shift = shift;
	buf->first_off = bvec[0].bv_offset;
	buf->len = len;
	/* premaps are made later, by a worker: charge them to the registrar */
	buf->memcg = get_mem_cgroup_from_current();
	mutex_init(&buf->mutex);
	spin_lock_init(&buf->lock);
	refcount_set(&buf->refs, 1);
	return buf;
}

static void blk_premap_buf_put(struct blk_premap_buf *buf)
{
	if (refcount_dec_and_test(&buf->refs)) {
		mem_cgroup_put(buf->memcg);
		mutex_destroy(&buf->mutex);
		kfree(buf);
	}
}

static void blk_premap_unmap(struct blk_premap *pm)
{
	const struct blk_premap_buf *buf = pm->buf;
	struct device *dev = pm->ctx->dma_dev;
	unsigned int i;

	if (dma_use_iova(&pm->iova)) {
		dma_iova_destroy(dev, &pm->iova, buf->len, DMA_BIDIRECTIONAL,
				 BLK_PREMAP_DMA_ATTRS);
		return;
	}
	for (i = 0; i < buf->nr_bvecs; i++) {
		dma_unmap_phys(dev, pm->bvec_dma[i], buf->bvec[i].bv_len,
			       DMA_BIDIRECTIONAL, BLK_PREMAP_DMA_ATTRS);
		cond_resched();
	}
	kvfree(pm->bvec_dma);
	pm->bvec_dma = NULL;
}

/*
 * The owner's pins must outlive the premaps: the device may reach the
 * pages until their teardown's unmap returns, so a live premap's pages
 * must still be pinned when it is torn down.  A small folio counts as
 * pinned only by a heuristic (its refcount), which can miss an unpinned
 * one but never flags a pinned one.
 */
static void blk_premap_check_pinned(const struct blk_premap_buf *buf)
{
	unsigned int i;

	if (!IS_ENABLED(CONFIG_DEBUG_VM))
		return;
	for (i = 0; i < buf->nr_bvecs; i++) {
		struct folio *folio = page_folio(buf->bvec[i].bv_page);

		VM_WARN_ON_ONCE_FOLIO(!folio_maybe_dma_pinned(folio), folio);
	}
}

/*
 * Tear down a premap taken out of its buffer's slot, which no request uses:
 * the driver's part, then the mapping (dma-iommu has flushed the IOTLB
 * when dma_iova_destroy() returns, also in lazy mode), then leave ctx->pms,
 * which lets blk_premap_ctx_destroy() return, and free.
 */
static void blk_premap_teardown(struct blk_premap *pm)
{
	struct blk_premap_ctx *ctx = pm->ctx;

	lockdep_assert_held(&pm->buf->mutex);
	if (pm->state == BLK_PREMAP_LIVE) {
		blk_premap_check_pinned(pm->buf);
		if (ctx->ops->destroy)
			ctx->ops->destroy(pm, ctx->drvdata);
		blk_premap_unmap(pm);
	}
	/* the last use of @ctx: blk_premap_ctx_destroy() may return now */
	spin_lock_irq(&ctx->lock);
	list_del(&pm->ctx_node);
	spin_unlock_irq(&ctx->lock);
	kfree(pm);
}

/*
 * Take @pm, in one of its buffer's slots, out of it and off ctx->pending,
 * so that no lookup or creation finds it again: the caller then tears it
 * down.
 */
static void blk_premap_claim(struct blk_premap *pm)
{
	struct blk_premap_buf *buf = pm->buf;
	struct blk_premap_ctx *ctx = pm->ctx;
	int i;

	lockdep_assert_held(&buf->mutex);
	spin_lock_irq(&buf->lock);
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		if (buf->slot[i].pm != pm)
			continue;
		WRITE_ONCE(buf->slot[i].ctx, NULL);
		WRITE_ONCE(buf->slot[i].pm, NULL);
		break;
	}
	spin_lock(&ctx->lock);
	list_del_init(&pm->pending_node);
	spin_unlock(&ctx->lock);
	spin_unlock_irq(&buf->lock);
}

/**
 * blk_premap_buf_release - drop a registered buffer's premap handle
 * @buf: the handle, or NULL
 *
 * Called by the buffer's owner before it unpins the buffer's pages, once
 * every bio with the handle has completed (bio_endio()): the handle is not
 * looked at after that.  Tears down every premap of the buffer, waiting
 * for a creation of one in progress.  When this returns the buffer's pages
 * are unmapped from every device (an IOMMU's IOTLB flushed), and the owner
 * may unpin them.
 *
 * Context: process context, may sleep.
 */
void blk_premap_buf_release(struct blk_premap_buf *buf)
{
	struct blk_premap *pm;
	int i;

	if (!buf)
		return;
	mutex_lock(&buf->mutex);
	/* no new premap from here: they are queued under buf->lock */
	spin_lock_irq(&buf->lock);
	buf->dead = true;
	spin_unlock_irq(&buf->lock);
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		pm = buf->slot[i].pm;
		if (!pm)
			continue;
		blk_premap_claim(pm);
		blk_premap_teardown(pm);
	}
	mutex_unlock(&buf->mutex);
	blk_premap_buf_put(buf);
}

/*
 * One IOVA range for the whole buffer, linked bvec by bvec.  Every link
 * but the first must start on an IOMMU granule: bvec boundaries lie on
 * chunk boundaries, so chunks of at least a granule are required.
 */
static int blk_premap_map_iova(struct blk_premap *pm)
{
	const struct blk_premap_buf *buf = pm->buf;
	struct device *dev = pm->ctx->dma_dev;
	size_t mapped = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < buf->nr_bvecs; i++) {
		const struct bio_vec *bv = &buf->bvec[i];

		ret = dma_iova_link(dev, &pm->iova, bvec_phys(bv), mapped,
				    bv->bv_len, DMA_BIDIRECTIONAL,
				    BLK_PREMAP_DMA_ATTRS);
		if (ret)
			goto destroy;
		mapped += bv->bv_len;
	}
	ret = dma_iova_sync(dev, &pm->iova, 0, mapped);
	if (!ret) {
		pm->dma_base = pm->iova.addr;
		pm->dma_contig = true;
		return 0;
	}
destroy:
	dma_iova_destroy(dev, &pm->iova, mapped, DMA_BIDIRECTIONAL,
			 BLK_PREMAP_DMA_ATTRS);
	/* -ENOMEM: IOMMU page tables; would bounce or not coherent: never */
	return ret == -ENOMEM ? ret : -EOPNOTSUPP;
}

/* no IOMMU range: each bvec mapped on its own, as dma-direct does */
static int blk_premap_map_bvecs(struct blk_premap *pm)
{
	const struct blk_premap_buf *buf = pm->buf;
	struct device *dev = pm->ctx->dma_dev;
	unsigned int i;

	/*
	 * A device that cannot reach all memory would need bouncing for
	 * some pages, which REQUIRE_COHERENT refuses only after a warning.
	 */
	if (dma_addressing_limited(dev))
		return -EOPNOTSUPP;
	pm->bvec_dma = kvmalloc_array(buf->nr_bvecs, sizeof(*pm->bvec_dma),
				      GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!pm->bvec_dma)
		return -ENOMEM;
	for (i = 0; i < buf->nr_bvecs; i++) {
		const struct bio_vec *bv = &buf->bvec[i];
		dma_addr_t dma;

		dma = dma_map_phys(dev, bvec_phys(bv), bv->bv_len,
				   DMA_BIDIRECTIONAL, BLK_PREMAP_DMA_ATTRS);
		if (dma_mapping_error(dev, dma))
			goto unmap;
		pm->bvec_dma[i] = dma;
		cond_resched();
	}
	/*
	 * Bvecs mapped back to back (always a buffer of one bvec, as a
	 * hugepage buffer often is) make one range: a request's DMA address
	 * then follows from its offset as in an IOVA range.
	 */
	for (i = 1; i < buf->nr_bvecs; i++)
		if (pm->bvec_dma[i] !=
		    pm->bvec_dma[i - 1] + buf->bvec[i - 1].bv_len)
			break;
	pm->dma_base = pm->bvec_dma[0];
	pm->dma_contig = i == buf->nr_bvecs;
	return 0;
unmap:
	while (i--)
		dma_unmap_phys(dev, pm->bvec_dma[i], buf->bvec[i].bv_len,
			       DMA_BIDIRECTIONAL, BLK_PREMAP_DMA_ATTRS);
	kvfree(pm->bvec_dma);
	pm->bvec_dma = NULL;
	/* swiotlb would have to bounce, or the device is not coherent */
	return -EOPNOTSUPP;
}

/*
 * Map the buffer for the device.  A long-term streaming mapping must never
 * bounce nor need CPU syncs between requests: DMA_ATTR_REQUIRE_COHERENT
 * makes the mapping calls refuse both.
 * Return: 0, -EOPNOTSUPP if the buffer can never be premapped for the
 * device, -ENOMEM or -EIO (the IOMMU's IOVA space is exhausted) if it
 * cannot be now.
 */
static int blk_premap_map(struct blk_premap *pm)
{
	const struct blk_premap_buf *buf = pm->buf;
	struct device *dev = pm->ctx->dma_dev;
	unsigned long granule_mask = dma_get_merge_boundary(dev);

	if (granule_mask && ((1UL << buf->shift) & granule_mask))
		return -EOPNOTSUPP;
	if (dma_iova_try_alloc(dev, &pm->iova, bvec_phys(&buf->bvec[0]),
			       buf->len))
		return blk_premap_map_iova(pm);
	/* only dma-iommu merges; its range allocation failed */
	if (granule_mask)
		return -EIO;
	return blk_premap_map_bvecs(pm);
}

/*
 * Devices that must not keep a buffer mapped between requests: those
 * behind DMA ops other than dma-direct and dma-iommu, which may bounce a
 * mapping (xen-swiotlb) or flush lazily (gart) whatever the attributes
 * say, and devices the IOMMU isolates per request (untrusted, e.g.
 * external PCIe ports).
 */
static bool blk_premap_dev_ok(struct device *dev)
{
	if (get_dma_ops(dev))
		return false;
	return !(dev_is_pci(dev) && to_pci_dev(dev)->untrusted);
}

static void blk_premap_create(struct blk_premap *pm)
{
	struct blk_premap_ctx *ctx = pm->ctx;
	struct mem_cgroup *old_memcg;
	unsigned int noio;
	int ret;

	lockdep_assert_held(&pm->buf->mutex);
	if (!blk_premap_dev_ok(ctx->dma_dev)) {
		ret = -EOPNOTSUPP;
		goto failed;
	}
	/*
	 * No I/O from reclaim while buf->mutex is held: it could go to a
	 * queue frozen around blk_premap_ctx_invalidate(), which waits for
	 * the mutex.
	 */
	noio = memalloc_noio_save();
	old_memcg = set_active_memcg(pm->buf->memcg);
	ret = blk_premap_map(pm);
	if (!ret && ctx->ops->create) {
		ret = ctx->ops->create(pm, ctx->drvdata);
		if (ret)
			blk_premap_unmap(pm);
	}
	set_active_memcg(old_memcg);
	memalloc_noio_restore(noio);
	if (!ret) {
		/* publish: lookups read the state with acquire */
		smp_store_release(&pm->state, BLK_PREMAP_LIVE);
		return;
	}
failed:
	/*
	 * Stays as a marker until the buffer's release or the device's
	 * removal: later requests fall back without queueing it again.
	 */
	pm->err = ret;
	/* publish @err with the state, as for BLK_PREMAP_LIVE */
	smp_store_release(&pm->state, BLK_PREMAP_FAILED);
}

/*
 * Lock the buffer of @pm, taken from one of @ctx's lists under ctx->lock
 * (held on entry, dropped here): a premap on ctx->pms or ctx->pending is
 * in its buffer's slot or being torn down under its mutex, and its buffer
 * is referenced (it leaves both lists, under ctx->lock, before the
 * release drops the owner's reference), so the buffer can be held while
 * waiting for its mutex.  Under the mutex, @pm is still ours unless a
 * teardown took it, which leaves it out of its slot and off the lists (and
 * maybe freed: another premap may have its address, hence the ctx check).
 * Return: whether @pm is still @ctx's premap of the buffer.  Either way,
 * blk_premap_unlock_buf() undoes this.
 */
static bool blk_premap_lock_buf(struct blk_premap_ctx *ctx,
				struct blk_premap *pm)
	__releases(&ctx->lock)
{
	struct blk_premap_buf *buf = pm->buf;
	int i;

	refcount_inc(&buf->refs);
	spin_unlock_irq(&ctx->lock);
	mutex_lock(&buf->mutex);
	/*
	 * Compared, not dereferenced: @pm may have been freed.  Marked reads:
	 * another device's first request may fill a free slot meanwhile.
	 */
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++)
		if (READ_ONCE(buf->slot[i].pm) == pm &&
		    READ_ONCE(buf->slot[i].ctx) == ctx)
			return true;
	return false;
}

static void blk_premap_unlock_buf(struct blk_premap_buf *buf)
{
	mutex_unlock(&buf->mutex);
	blk_premap_buf_put(buf);
}

/* Create the device's pending premaps, one buffer at a time. */
static void blk_premap_work(struct work_struct *work)
{
	struct blk_premap_ctx *ctx =
		container_of(work, struct blk_premap_ctx, work);
	struct blk_premap_buf *buf;
	struct blk_premap *pm;
	bool create;

	for (;;) {
		spin_lock_irq(&ctx->lock);
		pm = list_first_entry_or_null(&ctx->pending, struct blk_premap,
					      pending_node);
		if (!pm || ctx->dead) {
			spin_unlock_irq(&ctx->lock);
			return;
		}
		buf = pm->buf;
		create = false;
		if (blk_premap_lock_buf(ctx, pm)) {
			spin_lock_irq(&ctx->lock);
			create = !list_empty(&pm->pending_node);
			list_del_init(&pm->pending_node);
			spin_unlock_irq(&ctx->lock);
		}
		if (create)
			blk_premap_create(pm);
		blk_premap_unlock_buf(buf);
	}
}

/**
 * blk_premap_queue_create - queue the premap of a buffer for a device
 * @ctx: the device's context
 * @buf: the buffer, with no premap for @ctx in its slots
 *
 * For a buffer's first request through the device.  Does nothing if the
 * buffer is being released, the device is going away, another CPU queued
 * the premap first, the buffer has a premap for %BLK_PREMAP_MAX_DEVS
 * devices already, or there is no memory.
 *
 * Context: any; the caller holds a reference that keeps @buf alive (a bio
 * on it).
 */
void blk_premap_queue_create(struct blk_premap_ctx *ctx,
			     struct blk_premap_buf *buf)
{
	struct mem_cgroup *old_memcg;
	struct blk_premap *pm;
	unsigned long flags;
	int i, slot = -1;

	old_memcg = set_active_memcg(buf->memcg);
	/* no reserves for what only saves work: GFP_NOWAIT, not GFP_ATOMIC */
	pm = kzalloc_obj(*pm, GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	set_active_memcg(old_memcg);
	if (!pm)
		return;
	pm->ctx = ctx;
	pm->buf = buf;
	pm->state = BLK_PREMAP_PENDING;
	INIT_LIST_HEAD(&pm->ctx_node);
	INIT_LIST_HEAD(&pm->pending_node);

	spin_lock_irqsave(&buf->lock, flags);
	if (buf->dead)
		goto unlock;
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		if (buf->slot[i].ctx == ctx)	/* raced with another CPU */
			goto unlock;
		if (!buf->slot[i].ctx && slot < 0)
			slot = i;
	}
	if (slot < 0)
		goto unlock;
	spin_lock(&ctx->lock);
	if (ctx->dead) {
		spin_unlock(&ctx->lock);
		goto unlock;
	}
	/* in its slot before ctx->work can find it pending */
	WRITE_ONCE(buf->slot[slot].pm, pm);
	/* pairs with smp_load_acquire() in blk_premap_get() */
	smp_store_release(&buf->slot[slot].ctx, ctx);
	list_add_tail(&pm->ctx_node, &ctx->pms);
	list_add_tail(&pm->pending_node, &ctx->pending);
	spin_unlock(&ctx->lock);
	spin_unlock_irqrestore(&buf->lock, flags);
	queue_work(system_dfl_long_wq, &ctx->work);
	return;
unlock:
	spin_unlock_irqrestore(&buf->lock, flags);
	kfree(pm);
}

/**
 * blk_premap_max_sectors - how large a request a premapped bio may make
 * @bio: a bio with a premap handle, larger than @lim->max_sectors
 * @lim: the limits of @bio's request queue
 *
 * A request on a buffer premapped for its device takes no per-request
 * DMA mapping, so it may go up to @lim->max_premap_sectors: the limits a
 * driver sets only for per-request mappings (nvme-pci's IOVA cache size
 * under an IOMMU) do not apply.  Only while the buffer's premap for the
 * device of the queue's tag set is live: other bios keep max_sectors.
 * The premap stays live until the request completes (the buffer's owner
 * releases the handle only once every bio on it has completed, the
 * device's context outlives its queues, and a driver invalidates it only
 * with the queues frozen), so the request is usually mapped from it; a
 * driver keeps max_premap_hw_sectors within what it could map per
 * request all the same (the DMA layer's maximum mapping size, its
 * descriptor limits), as it may stop using premaps before it invalidates
 * them.
 *
 * Context: bio submission, with a usage reference on @bio's queue.
 * Return: the request size limit for @bio, in sectors.
 */
unsigned int blk_premap_max_sectors(struct bio *bio,
				    const struct queue_limits *lim)
{
	struct blk_mq_tag_set *set = bdev_get_queue(bio->bi_bdev)->tag_set;
	struct blk_premap_buf *buf = bio_premap(bio);
	u64 off;

	if (set && set->premap && blk_premap_bio_off(buf, bio, &off) &&
	    blk_premap_live(set->premap, buf))
		return lim->max_premap_sectors;
	return lim->max_sectors;
}

/**
 * blk_premap_ctx_init - set up premapping for a DMA device
 * @ctx: the context, in the driver's per-device structure
 * @dma_dev: the device buffers are mapped for
 * @ops: the driver's hooks
 * @drvdata: passed to @ops
 *
 * The driver calls blk_premap_ctx_destroy() when the device goes away.
 *
 * Context: any.
 */
void blk_premap_ctx_init(struct blk_premap_ctx *ctx, struct device *dma_dev,
			 const struct blk_premap_ops *ops, void *drvdata)
{
	ctx->dma_dev = dma_dev;
	ctx->ops = ops;
	ctx->drvdata = drvdata;
	spin_lock_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->pms);
	INIT_LIST_HEAD(&ctx->pending);
	ctx->dead = false;
	INIT_WORK(&ctx->work, blk_premap_work);
}
EXPORT_SYMBOL_GPL(blk_premap_ctx_init);

/**
 * blk_premap_ctx_invalidate - tear down every premap of a device
 * @ctx: the device's context
 *
 * Tears down every premap of the device (live, failed or still queued),
 * waiting for a creation in progress on the same buffer and for teardowns
 * others started (a buffer's release).  The device's worker may still
 * run when this returns, but finds nothing left to create.  The device
 * keeps its context: a later request queues its buffer's premap again,
 * also one whose creation had failed.  Does nothing once the context is
 * destroyed.  For a driver whose premaps must go while the device stays,
 * e.g. when premapping is switched off.  The driver must have frozen the
 * queues of the tag set that points to @ctx (&blk_mq_tag_set.premap), or
 * otherwise made sure that no request is using or looking up a premap of
 * the device and no bio is being split against one, for the duration of
 * the call.
 *
 * Context: process context; sleeps.
 */
void blk_premap_ctx_invalidate(struct blk_premap_ctx *ctx)
{
	struct blk_premap_buf *buf;
	struct blk_premap *pm;

	for (;;) {
		spin_lock_irq(&ctx->lock);
		pm = list_first_entry_or_null(&ctx->pms, struct blk_premap,
					      ctx_node);
		if (!pm) {
			spin_unlock_irq(&ctx->lock);
			return;
		}
		/* take it unless a teardown did first: then wait for that */
		buf = pm->buf;
		if (blk_premap_lock_buf(ctx, pm)) {
			blk_premap_claim(pm);
			blk_premap_teardown(pm);
		}
		blk_premap_unlock_buf(buf);
	}
}
EXPORT_SYMBOL_GPL(blk_premap_ctx_invalidate);

/**
 * blk_premap_ctx_destroy - the device goes away
 * @ctx: the device's context
 *
 * Stops new premaps, waits for a creation in progress, tears down every
 * premap of the device and waits for teardowns others started (a buffer's
 * release): then nothing maps memory for the device or calls the driver's
 * hooks.  The driver must have quiesced its queues and cancelled or
 * completed every request (no request is using a premap of the device
 * and none can look one up), no bio may enter a queue of a tag set that
 * points to @ctx any more (&blk_mq_tag_set.premap: del_gendisk() returned
 * for each), and it must call this while its DMA device is still usable.
 *
 * Context: process context; sleeps.
 */
void blk_premap_ctx_destroy(struct blk_premap_ctx *ctx)
{
	spin_lock_irq(&ctx->lock);
	ctx->dead = true;
	spin_unlock_irq(&ctx->lock);
	cancel_work_sync(&ctx->work);
	blk_premap_ctx_invalidate(ctx);
}
EXPORT_SYMBOL_GPL(blk_premap_ctx_destroy);
