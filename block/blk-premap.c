// SPDX-License-Identifier: GPL-2.0-only
/*
 * Premap cache: registered buffers kept DMA-mapped per device.
 * See include/linux/blk-premap.h for the model. A request is looked up by
 * what its bio already carries, the address of its bvec array, and only if
 * the bio is marked as being on a registered buffer (BIO_REG_BVEC).
 *
 * Locking, per buffer and per device, nothing global:
 *  - buf->mutex serializes what maps or unmaps the buffer's premaps: their
 *    creation (the device's ctx->work), the buffer's unregistration and a
 *    device's invalidation of its premap of the buffer. So a creation, which
 *    may map up to the whole buffer and allocates with GFP_KERNEL, delays
 *    only the teardown of the same buffer, never another buffer's
 *    unregistration nor another device's removal. A premap leaves its slot
 *    only under buf->mutex; whoever takes it out tears it down, and it
 *    stays on ctx->pms until then, for the device's removal to wait for.
 *  - buf->lock protects buf->pms[] and buf->dead; ctx->lock (nests inside
 *    buf->lock) protects ctx->pms, ctx->pending, ctx->dead and ctx->bytes.
 *    Both are taken in the I/O path only on a miss that queues a creation.
 *  - buf->refs keeps a buffer's memory while ctx->work or an invalidation
 *    waits for buf->mutex; they find the buffer through a premap on one of
 *    ctx's lists, which teardown leaves (under ctx->lock) before the
 *    buffer's registry reference is dropped.
 *  - Lookups run under RCU: the registry is an RCU maple tree, buf->pms[]
 *    are RCU pointers, bufs and premaps are freed after a grace period.
 *  - Requests hold no reference: teardown runs only once no request can be
 *    using the premap (see include/linux/blk-premap.h for which guarantee
 *    covers which path), so it unmaps without waiting for anyone. RCU still
 *    covers lookups of other buffers and devices: they walk the registry
 *    while it changes, and a per-CPU lookup hint may lead them to a premap
 *    being torn down, which they read before its generation check rejects
 *    it.
 */
#include <linux/blk-mq.h>
#include <linux/blk-premap.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/hash.h>
#include <linux/iommu-dma.h>
#include <linux/jump_label.h>
#include <linux/maple_tree.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <kunit/visibility.h>
#include "blk-mq-dma-premap.h"

#define CREATE_TRACE_POINTS
#include <trace/events/blk_premap.h>

/* registered buffers by bvec array address range */
static struct maple_tree blk_premap_bufs =
	MTREE_INIT(blk_premap_bufs, MT_FLAGS_USE_RCU);

enum blk_premap_stat {
	BLK_PREMAP_HITS,
	BLK_PREMAP_MISS_MULTI_BIO,	/* request of several bios */
	BLK_PREMAP_MISS_NEW,		/* first use on the device: queued */
	BLK_PREMAP_MISS_PENDING,	/* creation queued, not done yet */
	BLK_PREMAP_MISS_FAILED,		/* creation failed or was refused */
	BLK_PREMAP_MISS_DEVS,		/* buffer premapped for too many devices */
	BLK_PREMAP_MISS_RANGE,		/* request not inside the buffer */
	BLK_PREMAP_CHAIN_FALLBACK,	/* driver could not reuse its PRP lists */
	BLK_PREMAP_TREE_WALKS,		/* lookups the per-CPU hints missed */
	BLK_PREMAP_CREATE_RETRIES,	/* refused creations queued again */
	BLK_PREMAP_NR_PCPU_STATS,
};

static DEFINE_PER_CPU(unsigned long, blk_premap_pcpu[BLK_PREMAP_NR_PCPU_STATS]);
/*
 * On while at least one driver has its premap switch on (blk_premap_enable()):
 * while it is off, requests on registered buffers go straight to the normal
 * mapping, and nothing is premapped.
 */
DEFINE_STATIC_KEY_FALSE(blk_premap_key);
EXPORT_SYMBOL_GPL(blk_premap_key);

/**
 * blk_premap_enable - a driver turns its premap switch on
 *
 * Turns the premap cache's static key on (counted: it stays on while any
 * driver's switch is on). Lookups then also check the device's own switch
 * (&blk_premap_ctx.enabled).
 *
 * Context: process context; may sleep (code patching).
 */
void blk_premap_enable(void)
{
	static_branch_inc(&blk_premap_key);
}
EXPORT_SYMBOL_GPL(blk_premap_enable);

/**
 * blk_premap_disable - a driver turns its premap switch off
 *
 * Undoes one blk_premap_enable(), once the driver has switched each of its
 * devices off with blk_premap_ctx_set_enabled() (which tears their premaps
 * down while their queues are frozen).
 *
 * Context: process context; may sleep (code patching).
 */
void blk_premap_disable(void)
{
	static_branch_dec(&blk_premap_key);
}
EXPORT_SYMBOL_GPL(blk_premap_disable);

/* requests with data while switched off: counted inline, blk_premap_wanted() */
DEFINE_PER_CPU(unsigned long, blk_premap_miss_disabled);
EXPORT_PER_CPU_SYMBOL_GPL(blk_premap_miss_disabled);

static inline void blk_premap_count(enum blk_premap_stat s)
{
	this_cpu_inc(blk_premap_pcpu[s]);
}

/* read racily (debugfs) */
struct blk_premap_stats {
	atomic64_t bufs;
	atomic64_t live;
	atomic64_t bytes;
	atomic64_t drv_pages;
	atomic64_t created;
	atomic64_t destroyed;
	atomic64_t invalidated;
	atomic64_t fail_nomem;
	atomic64_t fail_map;
	atomic64_t fail_need_sync;
	atomic64_t fail_cap;
	atomic64_t fail_layout;
};

static struct blk_premap_stats blk_premap_stats;

/* the registered buffer whose bvec array holds @bv; RCU read-side */
static struct blk_premap_buf *blk_premap_find(const struct bio_vec *bv)
{
	blk_premap_count(BLK_PREMAP_TREE_WALKS);
	return mtree_load(&blk_premap_bufs, (unsigned long)bv);
}

#ifdef CONFIG_64BIT
/*
 * Lookup hints: a per-CPU two-way set-associative cache from the bvec
 * pointer a bio starts at to the premap its last hit got, so that a hit
 * skips the maple tree walk and the buffer's premap slots (fio and other
 * fixed-buffer users issue request after request at the same bvec pointers:
 * fio one per I/O unit, 64 at iodepth=64, which 128 sets of two keep apart).
 *
 * An entry is valid while blk_premap_gen equals the generation it was
 * filled in. Every premap teardown (buffer unregistration, device
 * invalidation) bumps the generation after the premap left its buffer's
 * slot and before it is freed, so an entry read valid inside an RCU
 * read-side section leads to a premap that is still in its slot, exactly as
 * if the lookup had found it there. That matters for a request on a new
 * buffer whose bvec array was allocated where a torn-down buffer's was: it
 * must not find the old premap. A 64-bit generation never wraps; 32-bit
 * kernels do without hints.
 */
#define BLK_PREMAP_HINT_BITS	8

struct blk_premap_hint {
	unsigned long gen;		/* 0 while being written */
	const struct bio_vec *bv;
	struct blk_premap *pm;
};

static DEFINE_PER_CPU(struct blk_premap_hint,
		      blk_premap_hints[1 << BLK_PREMAP_HINT_BITS]);
static atomic_long_t blk_premap_gen = ATOMIC_LONG_INIT(1);

/* a premap left its buffer's slot: no hint may lead to it any more */
static void blk_premap_hints_invalidate(void)
{
	/* order the slot's clearing before the new generation */
	smp_mb__before_atomic();
	atomic_long_inc(&blk_premap_gen);
}

static unsigned long blk_premap_hint_gen(void)
{
	/*
	 * Pairs with the barrier in blk_premap_hints_invalidate(): whoever
	 * sees the new generation also sees the premap gone from its slot, so
	 * no entry can pair a new generation with a removed premap.
	 */
	return atomic_long_read_acquire(&blk_premap_gen);
}

/* @bv's entry in way @way of its set on this CPU; preemption disabled */
static inline struct blk_premap_hint *
blk_premap_hint_slot(const struct bio_vec *bv, unsigned int way)
{
	return this_cpu_ptr(&blk_premap_hints[(hash_ptr(bv, BLK_PREMAP_HINT_BITS) &
					       ~1U) | way]);
}

/*
 * The premap the hints lead @bv to, if it is @ctx's and its buffer holds
 * @bv; else %NULL. RCU read-side.
 */
static __always_inline struct blk_premap *
blk_premap_hint_get(struct blk_premap_ctx *ctx, const struct bio_vec *bv)
{
	unsigned long gen = blk_premap_hint_gen();
	struct blk_premap_hint *h;
	struct blk_premap *pm;

	preempt_disable();
	h = blk_premap_hint_slot(bv, 0);
	if (READ_ONCE(h->bv) != bv) {
		h++;			/* the other way of the set */
		if (READ_ONCE(h->bv) != bv)
			goto miss;
	}
	if (READ_ONCE(h->gen) != gen)
		goto miss;
	pm = READ_ONCE(h->pm);
	/*
	 * An interrupt can refill the entry while this CPU reads it, leaving
	 * the bv of one fill with the pm of another of the same generation:
	 * that pm is not freed either, so check it is the right one. The
	 * entry is shared by all devices; pm->ctx tells them apart.
	 */
	if (unlikely(pm->ctx != ctx || bv < pm->buf->bvec ||
		     bv >= pm->buf->bvec + pm->buf->nr_bvecs))
		goto miss;
	preempt_enable();
	return pm;
miss:
	preempt_enable();
	return NULL;
}

/*
 * Remember that @bv led to @pm under generation @gen. Sets of two
 * ways: two bvec pointers whose hashes collide (about one in five of fio's
 * 64 at iodepth=64 collides with another) both stay. The entry that already
 * holds @bv, else a stale one, else way 1 is (re)filled, so way 0 keeps
 * the first of two colliding pointers.
 */
static void blk_premap_hint_set(const struct bio_vec *bv,
				struct blk_premap *pm, unsigned long gen)
{
	struct blk_premap_hint *h, *h1;

	preempt_disable();
	h = blk_premap_hint_slot(bv, 0);
	h1 = h + 1;
	if (h->bv != bv && (h1->bv == bv || h->gen == gen))
		h = h1;
	WRITE_ONCE(h->gen, 0);
	barrier();
	WRITE_ONCE(h->bv, bv);
	WRITE_ONCE(h->pm, pm);
	barrier();
	WRITE_ONCE(h->gen, gen);
	preempt_enable();
}
#else
static void blk_premap_hints_invalidate(void)
{
}

static unsigned long blk_premap_hint_gen(void)
{
	return 0;
}

static inline struct blk_premap *
blk_premap_hint_get(struct blk_premap_ctx *ctx, const struct bio_vec *bv)
{
	return NULL;
}

static void blk_premap_hint_set(const struct bio_vec *bv,
				struct blk_premap *pm, unsigned long gen)
{
}
#endif

/* debugfs: fail the next N creations as if the IOMMU ran out of space */
VISIBLE_IF_KUNIT u32 blk_premap_fail_map;
EXPORT_SYMBOL_IF_KUNIT(blk_premap_fail_map);

/*
 * io_uring's layout (io_buffer_from_pages()): bvec 0 may start inside its
 * folio and runs to its end, every later bvec covers a whole folio from
 * offset 0 but the last, which may be short. blk_premap_buf_pos() and the
 * page-aligned runs depend on it, so check it rather than trust it.
 */
static bool blk_premap_layout_ok(const struct bio_vec *bvec,
				 unsigned int nr_bvecs, unsigned int shift,
				 u64 len)
{
	u64 folio = 1ULL << shift, sum = 0;
	unsigned int i;

	if (shift < PAGE_SHIFT || shift >= 32)
		return false;
	for (i = 0; i < nr_bvecs; i++) {
		const struct bio_vec *bv = &bvec[i];

		if (!bv->bv_len || (i && bv->bv_offset) ||
		    bv->bv_offset + bv->bv_len > folio ||
		    (i + 1 < nr_bvecs && bv->bv_offset + bv->bv_len != folio))
			return false;
		sum += bv->bv_len;
	}
	return sum == len;
}

/**
 * blk_premap_buf_register - enter a registered buffer in the premap registry
 * @bvec: the buffer's bvec array (io_uring's imu->bvec); must stay valid and
 *	its pages pinned until blk_premap_buf_unregister()
 * @nr_bvecs: entries in @bvec
 * @shift: log2 of the folio size each bvec lies in, in bytes (imu->folio_shift)
 * @len: buffer length in bytes
 *
 * Nothing is mapped here: premaps are made per device on first use.
 *
 * Context: process context; may sleep.
 * Return: the registry entry to pass to blk_premap_buf_unregister(), or
 * %NULL if the buffer cannot be premapped (a layout other than io_uring's,
 * or no memory); I/O on it then takes the normal mapping path.
 */
struct blk_premap_buf *blk_premap_buf_register(const struct bio_vec *bvec,
					       unsigned int nr_bvecs,
					       unsigned int shift, u64 len)
{
	struct blk_premap_buf *buf;

	if (!nr_bvecs || !blk_premap_layout_ok(bvec, nr_bvecs, shift, len)) {
		atomic64_inc(&blk_premap_stats.fail_layout);
		return NULL;
	}
	buf = kzalloc(sizeof(*buf), GFP_KERNEL_ACCOUNT);
	if (!buf)
		goto nomem;
	buf->bvec = bvec;
	buf->nr_bvecs = nr_bvecs;
	buf->shift = shift;
	buf->len = len;
	/* premaps are made later, by a worker: charge them to the registrar */
	buf->memcg = get_mem_cgroup_from_current();
	mutex_init(&buf->mutex);
	spin_lock_init(&buf->lock);
	refcount_set(&buf->refs, 1);
	if (mtree_insert_range(&blk_premap_bufs, (unsigned long)bvec,
			       (unsigned long)(bvec + nr_bvecs) - 1, buf,
			       GFP_KERNEL)) {
		mem_cgroup_put(buf->memcg);
		kfree(buf);
		goto nomem;
	}
	atomic64_inc(&blk_premap_stats.bufs);
	return buf;
nomem:
	atomic64_inc(&blk_premap_stats.fail_nomem);
	return NULL;
}
EXPORT_SYMBOL_GPL(blk_premap_buf_register);

static void blk_premap_buf_put(struct blk_premap_buf *buf)
{
	if (refcount_dec_and_test(&buf->refs)) {
		mem_cgroup_put(buf->memcg);
		mutex_destroy(&buf->mutex);
		kfree_rcu(buf, rcu);
	}
}

/*
 * Is @pm (maybe freed: compared, not dereferenced) in one of @buf's slots?
 * Premaps leave their slot only under buf->mutex, which the caller holds, so
 * the answer stays true until it drops the mutex, and a premap in its slot
 * is not freed.
 */
static bool blk_premap_in_slot(struct blk_premap_buf *buf,
			       struct blk_premap *pm)
{
	int i;

	lockdep_assert_held(&buf->mutex);
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++)
		if (rcu_access_pointer(buf->pms[i]) == pm)
			return true;
	return false;
}

/*
 * Kernel memory a live premap holds besides the driver's descriptor pages:
 * itself, its scatterlist and its runs (allocated for every mapped
 * segment), in bytes.
 */
static size_t blk_premap_meta_bytes(const struct blk_premap *pm)
{
	return sizeof(*pm) +
	       (size_t)pm->sgt.orig_nents * sizeof(struct scatterlist) +
	       (size_t)pm->sgt.nents * sizeof(struct blk_premap_run);
}

/* unmap and free; the premap is unreachable and no request uses it */
static void blk_premap_unmap(struct blk_premap *pm)
{
	struct blk_premap_ctx *ctx = pm->ctx;

	if (ctx->ops->destroy)
		ctx->ops->destroy(pm, ctx->drvdata);
	dma_unmap_sgtable(ctx->dma_dev, &pm->sgt, DMA_BIDIRECTIONAL,
			  DMA_ATTR_SKIP_CPU_SYNC);
	sg_free_table(&pm->sgt);
	kvfree(pm->runs);
	pm->runs = NULL;
}

/*
 * Tear down a premap taken out of its buffer's slot, which no request uses:
 * unmap (dma-iommu flushes the IOTLB on unmap, or queues the flush in lazy
 * mode), then leave ctx->pms, which lets blk_premap_ctx_invalidate()
 * return, and free after a grace period.
 */
static void blk_premap_teardown(struct blk_premap *pm, bool invalidate)
{
	struct blk_premap_ctx *ctx = pm->ctx;

	lockdep_assert_held(&pm->buf->mutex);

	/* out of its slot already: drop the hints before it can be freed */
	blk_premap_hints_invalidate();
	trace_blk_premap_destroy(pm, invalidate);
	if (pm->state == BLK_PREMAP_LIVE) {
		spin_lock_irq(&ctx->lock);
		ctx->bytes -= pm->buf->len;
		ctx->nr_live--;
		ctx->drv_pages -= pm->drv_pages;
		ctx->meta_bytes -= blk_premap_meta_bytes(pm);
		/* the cap has room again: refused premaps may retry */
		WRITE_ONCE(ctx->freed, ctx->freed + 1);
		spin_unlock_irq(&ctx->lock);
		blk_premap_unmap(pm);
		atomic64_dec(&blk_premap_stats.live);
		atomic64_sub(pm->buf->len, &blk_premap_stats.bytes);
		atomic64_sub(pm->drv_pages, &blk_premap_stats.drv_pages);
		atomic64_inc(&blk_premap_stats.destroyed);
		if (invalidate)
			atomic64_inc(&blk_premap_stats.invalidated);
	}
	/* the last use of @ctx: blk_premap_ctx_destroy() may return now */
	spin_lock_irq(&ctx->lock);
	list_del(&pm->ctx_node);
	spin_unlock_irq(&ctx->lock);
	kfree_rcu(pm, rcu);
}

/*
 * Take @pm, in one of its buffer's slots, out of it and off ctx->pending,
 * so that no lookup, retry or creation finds it again: the caller then
 * tears it down. Under buf->lock, so that a retry (which checks the slot
 * under it) cannot queue it again.
 */
static void blk_premap_claim(struct blk_premap *pm)
{
	struct blk_premap_buf *buf = pm->buf;
	struct blk_premap_ctx *ctx = pm->ctx;
	unsigned long flags;
	int i;

	lockdep_assert_held(&buf->mutex);
	spin_lock_irqsave(&buf->lock, flags);
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++)
		if (rcu_access_pointer(buf->pms[i]) == pm)
			RCU_INIT_POINTER(buf->pms[i], NULL);
	spin_lock(&ctx->lock);
	list_del_init(&pm->pending_node);
	spin_unlock(&ctx->lock);
	spin_unlock_irqrestore(&buf->lock, flags);
}

/*
 * The registrant's pins must outlive the premaps: the device may reach the
 * pages until their teardown's dma_unmap_sgtable() returns. A small folio
 * counts as pinned only by a heuristic (its refcount), which can miss an
 * unpinned one but never flags a pinned one.
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

/**
 * blk_premap_buf_unregister - tear down every premap of a buffer
 * @buf: as returned by blk_premap_buf_register(); %NULL is ignored
 *
 * Removes @buf from the registry and unmaps every premap of it. The caller
 * guarantees that no request on the buffer is in flight (io_uring: its last
 * reference to the buffer is gone, see include/linux/blk-premap.h), so
 * nothing waits for requests. When this returns the buffer's pages are
 * unmapped from every device, as after any dma_unmap_*(): a strict IOMMU
 * has flushed its IOTLB, a lazy one (iommu.strict=0) has queued the flush
 * and reuses the IOVA range only after it; the caller may unpin the pages.
 * With CONFIG_DEBUG_VM, warns if they are unpinned already.
 *
 * Context: process context; may sleep (a creation of one of the buffer's
 * premaps in progress).
 */
void blk_premap_buf_unregister(struct blk_premap_buf *buf)
{
	struct blk_premap *pm;
	unsigned long flags;
	int i;

	if (!buf)
		return;
	blk_premap_check_pinned(buf);
	mtree_erase(&blk_premap_bufs, (unsigned long)buf->bvec);
	atomic64_dec(&blk_premap_stats.bufs);
	mutex_lock(&buf->mutex);
	/* no new premap from here: they are queued under buf->lock */
	spin_lock_irqsave(&buf->lock, flags);
	buf->dead = true;
	spin_unlock_irqrestore(&buf->lock, flags);
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		pm = rcu_dereference_protected(buf->pms[i],
					       lockdep_is_held(&buf->mutex));
		if (!pm)
			continue;
		blk_premap_claim(pm);
		blk_premap_teardown(pm, false);
	}
	mutex_unlock(&buf->mutex);
	blk_premap_buf_put(buf);
}
EXPORT_SYMBOL_GPL(blk_premap_buf_unregister);

/* would CPU syncs be needed between requests on this mapping? */
static bool blk_premap_need_sync(struct device *dev, dma_addr_t dma)
{
#ifdef CONFIG_DMA_NEED_SYNC
	/*
	 * Under CONFIG_DMA_API_DEBUG, dma_need_sync() says "yes" for every
	 * device behind an IOMMU (it wants every sync, to check it); what
	 * dma-iommu itself decided is in dev->dma_skip_sync.
	 */
	if (IS_ENABLED(CONFIG_DMA_API_DEBUG) && use_dma_iommu(dev))
		return !dev->dma_skip_sync;
#endif
	return dma_need_sync(dev, dma);
}

/* DMA-contiguous runs of the mapping, in buffer order */
static int blk_premap_build_runs(struct blk_premap *pm)
{
	struct blk_premap_run *run = NULL;
	u64 pos = pm->start;
	struct scatterlist *sg;
	unsigned int n = 0;
	int i;

	pm->runs = kvmalloc_array(pm->sgt.nents, sizeof(*pm->runs),
				  GFP_KERNEL_ACCOUNT);
	if (!pm->runs)
		return -ENOMEM;
	for_each_sgtable_dma_sg(&pm->sgt, sg, i) {
		dma_addr_t dma = sg_dma_address(sg);
		u32 len = sg_dma_len(sg);

		if (blk_premap_need_sync(pm->ctx->dma_dev, dma))
			return -EOPNOTSUPP;
		if (run && run->dma + run->len == dma) {
			run->len += len;
		} else {
			run = &pm->runs[n++];
			run->pos = pos;
			run->dma = dma;
			run->len = len;
		}
		pos += len;
	}
	pm->nr_runs = n;
	return pos == pm->start + pm->buf->len ? 0 : -EINVAL;
}

/* the debugfs knob blk_premap_fail_map: fail this creation? */
static bool blk_premap_fail_map_now(void)
{
	u32 n = READ_ONCE(blk_premap_fail_map);

	do {
		if (!n)
			return false;
	} while (!try_cmpxchg(&blk_premap_fail_map, &n, n - 1));
	return true;
}

/* count @pm's buffer against its device's cap, if it fits */
static bool blk_premap_reserve(struct blk_premap *pm)
{
	struct blk_premap_ctx *ctx = pm->ctx;
	u64 cap = (u64)READ_ONCE(*ctx->max_mb) << 20;
	bool ok;

	spin_lock_irq(&ctx->lock);
	ok = ctx->bytes + pm->buf->len <= cap;
	if (ok)
		ctx->bytes += pm->buf->len;
	else
		pm->freed_at_refusal = ctx->freed;
	spin_unlock_irq(&ctx->lock);
	return ok;
}

static void blk_premap_unreserve(struct blk_premap *pm)
{
	struct blk_premap_ctx *ctx = pm->ctx;

	spin_lock_irq(&ctx->lock);
	ctx->bytes -= pm->buf->len;
	spin_unlock_irq(&ctx->lock);
}

static int blk_premap_map_buf(struct blk_premap *pm)
{
	struct blk_premap_ctx *ctx = pm->ctx;
	struct blk_premap_buf *buf = pm->buf;
	struct device *dev = ctx->dma_dev;
	struct scatterlist *sg;
	int ret, i;

	if (blk_premap_fail_map_now())
		return -EIO;
	pm->start = buf->bvec[0].bv_offset;
	ret = sg_alloc_table(&pm->sgt, buf->nr_bvecs, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	for_each_sgtable_sg(&pm->sgt, sg, i)
		sg_set_page(sg, buf->bvec[i].bv_page, buf->bvec[i].bv_len,
			    buf->bvec[i].bv_offset);
	ret = dma_map_sgtable(dev, &pm->sgt, DMA_BIDIRECTIONAL,
			      DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_NO_WARN);
	if (ret) {
		/* e.g. -ENOMEM when the IOVA space is exhausted */
		sg_free_table(&pm->sgt);
		return -EIO;
	}
	ret = blk_premap_build_runs(pm);
	if (!ret && ctx->ops->create)
		ret = ctx->ops->create(pm, ctx->drvdata);
	if (ret) {
		dma_unmap_sgtable(dev, &pm->sgt, DMA_BIDIRECTIONAL,
				  DMA_ATTR_SKIP_CPU_SYNC);
		sg_free_table(&pm->sgt);
		kvfree(pm->runs);
		pm->runs = NULL;
		pm->nr_runs = 0;
		return ret;
	}
	return 0;
}

static int blk_premap_map(struct blk_premap *pm)
{
	int ret;

	/*
	 * A long-term streaming mapping must not need syncs or bouncing:
	 * checked per mapped segment in blk_premap_build_runs(). Do not even
	 * try where everything bounces (swiotlb=force): the mapping would hold
	 * swiotlb slots.
	 */
	if (is_swiotlb_force_bounce(pm->ctx->dma_dev))
		return -EOPNOTSUPP;
	if (!blk_premap_reserve(pm))
		return -ENOSPC;
	ret = blk_premap_map_buf(pm);
	if (ret)
		blk_premap_unreserve(pm);
	return ret;
}

/*
 * Refusals that can go away: no memory, the IOMMU's IOVA space full (the
 * DMA API reports either as a failed mapping), the device's cap reached.
 * The first retry comes after BLK_PREMAP_RETRY_MIN, each later one after
 * twice the wait before, up to BLK_PREMAP_RETRY_MAX; a refusal by the cap
 * is also retried as soon as a premap of the device was torn down.
 */
#define BLK_PREMAP_RETRY_MIN	HZ
#define BLK_PREMAP_RETRY_MAX	(64 * HZ)

static bool blk_premap_transient(int err)
{
	return err == -ENOMEM || err == -EIO || err == -ENOSPC;
}

/* a refused @pm (RCU read-side, state read with acquire): retry it now? */
static bool blk_premap_retry_due(const struct blk_premap *pm)
{
	if (!blk_premap_transient(pm->err))
		return false;
	if (pm->err == -ENOSPC &&
	    READ_ONCE(pm->ctx->freed) != pm->freed_at_refusal)
		return true;
	return time_after_eq(jiffies, pm->retry_at);
}

/*
 * Queue a refused premap for creation again. It may be leaving (its buffer
 * dead, or its slot cleared, both under buf->lock; the teardown then takes
 * it off ctx->pending under ctx->lock) or already queued by another CPU.
 */
static void blk_premap_retry(struct blk_premap *pm)
{
	struct blk_premap_buf *buf = pm->buf;
	struct blk_premap_ctx *ctx = pm->ctx;
	unsigned long flags;
	bool queue = false;
	int i;

	spin_lock_irqsave(&buf->lock, flags);
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++)
		if (rcu_access_pointer(buf->pms[i]) == pm)
			break;
	if (!buf->dead && i < BLK_PREMAP_MAX_DEVS) {
		spin_lock(&ctx->lock);
		if (!ctx->dead && list_empty(&pm->pending_node) &&
		    READ_ONCE(pm->state) == BLK_PREMAP_FAILED) {
			WRITE_ONCE(pm->state, BLK_PREMAP_PENDING);
			list_add_tail(&pm->pending_node, &ctx->pending);
			queue = true;
		}
		spin_unlock(&ctx->lock);
	}
	spin_unlock_irqrestore(&buf->lock, flags);
	if (queue) {
		blk_premap_count(BLK_PREMAP_CREATE_RETRIES);
		queue_work(system_unbound_wq, &ctx->work);
	}
}

static void blk_premap_create(struct blk_premap *pm)
{
	struct mem_cgroup *old_memcg;
	unsigned long wait;
	int ret;

	lockdep_assert_held(&pm->buf->mutex);
	old_memcg = set_active_memcg(pm->buf->memcg);
	ret = blk_premap_map(pm);
	set_active_memcg(old_memcg);
	trace_blk_premap_create(pm, ret);
	switch (ret) {
	case 0:
		spin_lock_irq(&pm->ctx->lock);
		pm->ctx->nr_live++;
		pm->ctx->drv_pages += pm->drv_pages;
		pm->ctx->meta_bytes += blk_premap_meta_bytes(pm);
		spin_unlock_irq(&pm->ctx->lock);
		atomic64_inc(&blk_premap_stats.live);
		atomic64_add(pm->buf->len, &blk_premap_stats.bytes);
		atomic64_add(pm->drv_pages, &blk_premap_stats.drv_pages);
		atomic64_inc(&blk_premap_stats.created);
		/* publish: lookups read the state with acquire */
		smp_store_release(&pm->state, BLK_PREMAP_LIVE);
		return;
	case -EOPNOTSUPP:
		atomic64_inc(&blk_premap_stats.fail_need_sync);
		break;
	case -ENOSPC:
		atomic64_inc(&blk_premap_stats.fail_cap);
		break;
	case -ENOMEM:
		atomic64_inc(&blk_premap_stats.fail_nomem);
		break;
	default:
		atomic64_inc(&blk_premap_stats.fail_map);
		break;
	}
	/*
	 * Stays as a marker: later requests fall back without queueing
	 * anything, until a transient refusal is due for a retry.
	 */
	pm->err = ret;
	wait = BLK_PREMAP_RETRY_MIN << min(pm->refusals, 6U);
	pm->retry_at = jiffies + min(wait, BLK_PREMAP_RETRY_MAX);
	pm->refusals++;
	/* publish: lookups read the state, then the fields above, acquire */
	smp_store_release(&pm->state, BLK_PREMAP_FAILED);
}

/*
 * Lock the buffer of @pm, taken from one of @ctx's lists under ctx->lock
 * (held on entry, dropped here): a premap on ctx->pms or ctx->pending is in
 * its buffer's slot or being torn down under its mutex, and its buffer is
 * referenced (it leaves both lists, under ctx->lock, before the teardown's
 * caller drops its reference), so the buffer can be held while waiting for
 * its mutex. Under the mutex, @pm is still ours unless a teardown took it,
 * which leaves it out of its slot and off the lists (and maybe freed:
 * another premap may have its address, hence the ctx check).
 * Return: whether @pm is still @ctx's premap of the buffer. Either way,
 * blk_premap_unlock_buf() undoes this.
 */
static bool blk_premap_lock_buf(struct blk_premap_ctx *ctx,
				struct blk_premap *pm)
	__releases(&ctx->lock)
{
	struct blk_premap_buf *buf = pm->buf;

	refcount_inc(&buf->refs);
	spin_unlock_irq(&ctx->lock);
	mutex_lock(&buf->mutex);
	return blk_premap_in_slot(buf, pm) && pm->ctx == ctx;
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

/* first request on @buf through @ctx: queue the creation of its premap */
static void blk_premap_queue_create(struct blk_premap_ctx *ctx,
				    struct blk_premap_buf *buf)
{
	struct mem_cgroup *old_memcg;
	struct blk_premap *pm;
	unsigned long flags;
	int i, slot = -1;

	old_memcg = set_active_memcg(buf->memcg);
	pm = kzalloc(sizeof(*pm), GFP_ATOMIC | __GFP_NOWARN | __GFP_ACCOUNT);
	set_active_memcg(old_memcg);
	if (!pm) {
		atomic64_inc(&blk_premap_stats.fail_nomem);
		return;
	}
	pm->ctx = ctx;
	pm->buf = buf;
	pm->state = BLK_PREMAP_PENDING;
	INIT_LIST_HEAD(&pm->ctx_node);
	INIT_LIST_HEAD(&pm->pending_node);

	spin_lock_irqsave(&buf->lock, flags);
	if (buf->dead)
		goto unlock;
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		struct blk_premap *old = rcu_dereference_protected(buf->pms[i],
						lockdep_is_held(&buf->lock));

		if (old && old->ctx == ctx)	/* raced with another CPU */
			goto unlock;
		if (!old && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		blk_premap_count(BLK_PREMAP_MISS_DEVS);
		goto unlock;
	}
	spin_lock(&ctx->lock);
	if (ctx->dead) {
		spin_unlock(&ctx->lock);
		goto unlock;
	}
	/* in its slot before ctx->work can find it pending */
	rcu_assign_pointer(buf->pms[slot], pm);
	list_add_tail(&pm->ctx_node, &ctx->pms);
	list_add_tail(&pm->pending_node, &ctx->pending);
	spin_unlock(&ctx->lock);
	spin_unlock_irqrestore(&buf->lock, flags);
	blk_premap_count(BLK_PREMAP_MISS_NEW);
	queue_work(system_unbound_wq, &ctx->work);
	return;
unlock:
	spin_unlock_irqrestore(&buf->lock, flags);
	kfree(pm);
}

/*
 * blk_premap_get() past the hints: walk the registry and the buffer's
 * slots, queue a creation on first use, count the misses by reason, and
 * refill this CPU's hint on a hit.
 */
static noinline struct blk_premap *
blk_premap_get_slow(struct blk_premap_ctx *ctx, struct request *req,
		    const struct bio_vec *bv, u64 *pos, bool *registered)
{
	unsigned long gen = blk_premap_hint_gen();
	struct blk_premap *pm = NULL;
	struct blk_premap_buf *buf;
	struct bio *bio = req->bio;
	int i;

	rcu_read_lock();
	buf = blk_premap_find(bv);
	if (!buf)
		goto out;
	if (registered)
		*registered = true;
	if (!READ_ONCE(ctx->enabled))
		goto out;
	if (bio->bi_next) {
		blk_premap_count(BLK_PREMAP_MISS_MULTI_BIO);
		goto out;
	}
	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		pm = rcu_dereference(buf->pms[i]);
		if (pm && pm->ctx == ctx)
			break;
	}
	if (i == BLK_PREMAP_MAX_DEVS) {
		pm = NULL;
		blk_premap_queue_create(ctx, buf);
		goto out;
	}
	/* pairs with smp_store_release() in blk_premap_create() */
	switch (smp_load_acquire(&pm->state)) {
	case BLK_PREMAP_LIVE:
		break;
	case BLK_PREMAP_PENDING:
		blk_premap_count(BLK_PREMAP_MISS_PENDING);
		pm = NULL;
		goto out;
	default:
		if (blk_premap_retry_due(pm))
			blk_premap_retry(pm);
		blk_premap_count(BLK_PREMAP_MISS_FAILED);
		pm = NULL;
		goto out;
	}
	*pos = blk_premap_buf_pos(buf, bv, bio->bi_iter.bi_bvec_done);
	if (unlikely(*pos + blk_rq_payload_bytes(req) > pm->start + buf->len)) {
		blk_premap_count(BLK_PREMAP_MISS_RANGE);
		pm = NULL;
		goto out;
	}
	blk_premap_hint_set(bv, pm, gen);
	blk_premap_count(BLK_PREMAP_HITS);
out:
	rcu_read_unlock();
	return pm;
}

/*
 * blk_premap_get() for a request the hit path does not handle (several
 * bios, or not inside the buffer its hint leads to): walk the registry.
 */
static noinline struct blk_premap *
blk_premap_get_walk(struct blk_premap_ctx *ctx, struct request *req,
		    u64 *pos, bool *registered)
{
	struct bio *bio = req->bio;

	return blk_premap_get_slow(ctx, req,
				   bio->bi_io_vec + bio->bi_iter.bi_idx, pos,
				   registered);
}

/*
 * blk_premap_get(), inline into blk_premap_dma_map_start(): a hit there
 * costs one call. @ctx: switched on (both callers checked). @req: a request
 * with data whose first bio is marked BIO_REG_BVEC, i.e. whose bi_io_vec
 * points into a registered buffer's array (a data-less or special-payload
 * request is never marked). @len: blk_rq_payload_bytes(@req), which both
 * callers need.
 */
static __always_inline struct blk_premap *
__blk_premap_get(struct blk_premap_ctx *ctx, struct request *req, u32 len,
		 u64 *pos, bool *registered)
{
	struct bio *bio = req->bio;
	const struct bio_vec *bv;
	struct blk_premap *pm;
	u64 p;

	/*
	 * Everything unusual starts over in blk_premap_get_walk(), so that
	 * the hit path carries none of its bookkeeping.
	 */
	if (unlikely(bio->bi_next))
		return blk_premap_get_walk(ctx, req, pos, registered);
	bv = bio->bi_io_vec + bio->bi_iter.bi_idx;
	rcu_read_lock();
	pm = blk_premap_hint_get(ctx, bv);
	rcu_read_unlock();
	if (unlikely(!pm))
		return blk_premap_get_slow(ctx, req, bv, pos, registered);
	p = blk_premap_buf_pos(pm->buf, bv, bio->bi_iter.bi_bvec_done);
	if (unlikely(p + len > pm->start + pm->buf->len))
		return blk_premap_get_walk(ctx, req, pos, registered);
	*pos = p;
	blk_premap_count(BLK_PREMAP_HITS);
	return pm;
}

/**
 * blk_premap_get - find the premap a request can use
 * @ctx: the device's premap context (its tag set's)
 * @req: request with data, not yet mapped
 * @pos: set to the buffer position of the request's first byte on success
 * @registered: may be %NULL; when this returns %NULL for a request on a
 *	registered buffer, set to %true: the caller's own mapping of it may
 *	overlap a premap of the same memory. Never set to %false, and only
 *	meaningful when this returns %NULL.
 *
 * A request qualifies if it is one bio whose bi_io_vec points into a
 * registered buffer (a fixed-buffer bio, also after a split or clone: the
 * bio is marked BIO_REG_BVEC) and the buffer is premapped for @ctx's
 * device. A request whose first bio is not marked is not looked up at all.
 * The first request on a buffer queues the creation of its premap and
 * misses; so do all requests while the cache is switched off. A creation
 * refused for a reason that can go away (no memory, no IOVA space, the
 * device's cap) is queued again by the first request after a back-off (1 s,
 * doubling up to 64 s) or, for the cap, after a premap of the device was
 * torn down (create_retries). Misses are counted by reason in debugfs
 * (blk_premap; miss_disabled counts every marked request while the switch
 * is off, in blk_premap_wanted(), which the iterator calls before it). A
 * hit costs one per-CPU hint probe and no atomic operation; a hint miss
 * walks the maple tree; nothing is looked up while the switch is off.
 *
 * Context: the driver's ->queue_rq(); does not sleep (the creation is
 * queued to a workqueue, its bookkeeping is GFP_ATOMIC).
 * Return: the premap, usable until the request completes (the caller
 * guarantees it is not torn down under the request, see
 * include/linux/blk-premap.h), or %NULL: map the request the normal way.
 */
struct blk_premap *blk_premap_get(struct blk_premap_ctx *ctx,
				  struct request *req, u64 *pos,
				  bool *registered)
{
	if (!req->bio || !bio_flagged(req->bio, BIO_REG_BVEC))
		return NULL;
	if (!blk_premap_wanted(ctx))
		return NULL;
	return __blk_premap_get(ctx, req, blk_rq_payload_bytes(req), pos,
				registered);
}
EXPORT_SYMBOL_GPL(blk_premap_get);

/**
 * blk_premap_dma_map_start - blk_rq_dma_map_iter_start() for a request the
 *	premap cache is asked about
 * @req: as for blk_rq_dma_map_iter_start(); its first bio is marked
 *	BIO_REG_BVEC and its queue's tag set has a premap context that is
 *	switched on (blk_rq_dma_want_premap()); it cannot be switched off
 *	before the request is mapped, as that needs the queues frozen
 * @dma_dev: as for blk_rq_dma_map_iter_start()
 * @state: as for blk_rq_dma_map_iter_start()
 * @iter: as for blk_rq_dma_map_iter_start()
 *
 * Looks the request up as blk_premap_get() does. On a hit, hands out its
 * first segment from the premap: no DMA-API call, no reference taken. On
 * a miss, maps it as __blk_rq_dma_map_iter_start() does. One function, so
 * that a hit costs one call and one stack frame.
 * The iterator's start follows mainline's blk_rq_dma_map_iter_start().
 *
 * Context: as blk_rq_dma_map_iter_start().
 * Return: as blk_rq_dma_map_iter_start(); a hit returns %true unless the
 * request has no payload.
 */
bool blk_premap_dma_map_start(struct request *req, struct device *dma_dev,
			      struct blk_dma_state *state,
			      struct blk_dma_iter *iter)
{
	u32 len = blk_rq_payload_bytes(req);
	struct blk_premap *pm;

	state->pm_shared = false;
	pm = __blk_premap_get(req->q->tag_set->premap, req, len,
			      &state->pm_start, &state->pm_shared);
	if (unlikely(!pm))
		return blk_dma_map_start(req, dma_dev, state, iter);
	iter->status = BLK_STS_OK;
	state->sgt.sgl = NULL;
	state->premap = pm;
	state->pm_pos = state->pm_start;
	state->pm_left = len;
	return blk_dma_premap_next(req, state, iter);
}
EXPORT_SYMBOL_GPL(blk_premap_dma_map_start);

/**
 * __blk_premap_seg - blk_premap_seg() for a premap of several runs
 * @pm: a live premap, as blk_premap_get() returned it
 * @pos: buffer position in bytes, inside the buffer
 * @len: bytes wanted from @pos
 * @dma: set to the DMA address of @pos
 *
 * Binary search of the run holding @pos (one run per physically contiguous
 * piece without an IOMMU).
 *
 * Context: any.
 * Return: as blk_premap_seg().
 */
u32 __blk_premap_seg(const struct blk_premap *pm, u64 pos, u64 len,
		     dma_addr_t *dma)
{
	unsigned int lo = 0, hi = pm->nr_runs;
	const struct blk_premap_run *run;

	/* last run starting at or before @pos */
	while (hi - lo > 1) {
		unsigned int mid = (lo + hi) / 2;

		if (pm->runs[mid].pos <= pos)
			lo = mid;
		else
			hi = mid;
	}
	run = &pm->runs[lo];
	*dma = run->dma + (pos - run->pos);
	return min3(len, run->pos + run->len - pos, (u64)U32_MAX);
}
EXPORT_SYMBOL_GPL(__blk_premap_seg);

/**
 * blk_premap_count_chain_fallback - count a premapped request that needed
 *	per-request descriptors
 *
 * For drivers: the NVMe PRP chain rule (a list page's last slot holds data
 * when exactly one entry remains) forbids reusing the precomputed list for
 * about one request in 511; nvme-pci then builds a list for it.
 *
 * Context: any.
 */
void blk_premap_count_chain_fallback(void)
{
	blk_premap_count(BLK_PREMAP_CHAIN_FALLBACK);
}
EXPORT_SYMBOL_GPL(blk_premap_count_chain_fallback);

#ifdef CONFIG_DEBUG_FS
static struct dentry *blk_premap_debugfs_devs;

/*
 * debugfs blk_premap_devs/<device>: what the device's premaps hold, and
 * per 4 KiB of premapped buffer.
 */
static int blk_premap_ctx_show(struct seq_file *m, void *unused)
{
	struct blk_premap_ctx *ctx = m->private;
	u64 bytes, drv_pages, meta, units;
	unsigned int live;

	spin_lock_irq(&ctx->lock);
	live = ctx->nr_live;
	bytes = ctx->bytes;
	drv_pages = ctx->drv_pages;
	meta = ctx->meta_bytes;
	spin_unlock_irq(&ctx->lock);
	units = DIV_ROUND_UP_ULL(bytes, SZ_4K);
	seq_printf(m, "premaps_live %u\n", live);
	seq_printf(m, "bytes_mapped %llu\n", bytes);
	seq_printf(m, "desc_pages %llu\n", drv_pages);
	seq_printf(m, "desc_bytes %llu\n", drv_pages * PAGE_SIZE);
	seq_printf(m, "other_bytes %llu\n", meta);
	if (units) {
		seq_printf(m, "desc_bytes_per_4k %llu.%02llu\n",
			   div64_u64(drv_pages * PAGE_SIZE, units),
			   div64_u64(drv_pages * PAGE_SIZE * 100, units) % 100);
		seq_printf(m, "other_bytes_per_4k %llu.%02llu\n",
			   div64_u64(meta, units),
			   div64_u64(meta * 100, units) % 100);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(blk_premap_ctx);

static void blk_premap_ctx_debugfs_add(struct blk_premap_ctx *ctx)
{
	ctx->debugfs = debugfs_create_file(dev_name(ctx->dma_dev), 0444,
					   blk_premap_debugfs_devs, ctx,
					   &blk_premap_ctx_fops);
}
#else
static void blk_premap_ctx_debugfs_add(struct blk_premap_ctx *ctx)
{
}
#endif

/**
 * blk_premap_ctx_init - set up premapping for a DMA device
 * @ctx: context to initialize, e.g. embedded in the driver's device
 * @dma_dev: device buffers are mapped for
 * @ops: driver hooks
 * @drvdata: passed to @ops
 * @enabled: the device's switch at start (the driver's module parameter);
 *	blk_premap_ctx_set_enabled() changes it
 * @max_mb: cap of premapped buffer bytes for @dma_dev in MiB, read when a
 *	premap is created
 *
 * The driver then points its tag set's premap field at @ctx, and calls
 * blk_premap_ctx_destroy() when the device goes away (and
 * blk_premap_ctx_invalidate() should the device's DMA setup change under
 * its premaps; a controller reset does not change it).
 *
 * Context: process context (creates the device's debugfs file).
 */
void blk_premap_ctx_init(struct blk_premap_ctx *ctx, struct device *dma_dev,
			 const struct blk_premap_ops *ops, void *drvdata,
			 bool enabled, const unsigned int *max_mb)
{
	ctx->dma_dev = dma_dev;
	ctx->ops = ops;
	ctx->drvdata = drvdata;
	ctx->enabled = enabled;
	ctx->max_mb = max_mb;
	ctx->bytes = 0;
	ctx->freed = 0;
	ctx->nr_live = 0;
	ctx->drv_pages = 0;
	ctx->meta_bytes = 0;
	spin_lock_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->pms);
	INIT_LIST_HEAD(&ctx->pending);
	ctx->dead = false;
	INIT_WORK(&ctx->work, blk_premap_work);
	blk_premap_ctx_debugfs_add(ctx);
}
EXPORT_SYMBOL_GPL(blk_premap_ctx_init);

/**
 * blk_premap_ctx_set_enabled - switch premapping for a device on or off
 * @ctx: the device's context
 * @on: the new state
 *
 * Off: no request of the device looks a premap up any more, nothing new is
 * created, and every premap of the device is torn down (as
 * blk_premap_ctx_invalidate()), so the caller must have frozen the queues
 * of the device (no request in flight, none entering) for the call. While
 * they are frozen no request is mapped either, so none is mapped per
 * request while a premap of its memory still exists. On: requests look up
 * and premap their buffers again.
 *
 * Context: process context; may sleep.
 */
void blk_premap_ctx_set_enabled(struct blk_premap_ctx *ctx, bool on)
{
	WRITE_ONCE(ctx->enabled, on);
	if (!on)
		blk_premap_ctx_invalidate(ctx);
}
EXPORT_SYMBOL_GPL(blk_premap_ctx_set_enabled);

/**
 * blk_premap_ctx_invalidate - tear down every premap of a device
 * @ctx: the device's context
 *
 * For a device whose DMA setup changes, and on its removal: unmaps every
 * premap and frees the driver's precomputed data, and waits for teardowns
 * others started (a buffer's unregistration). The caller guarantees that
 * no request is using a premap of the device and none can look one up while
 * this runs: its queues are quiesced and its in-flight requests cancelled,
 * or frozen. Buffers stay registered; their next request creates a new
 * premap.
 *
 * Context: process context; may sleep.
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
			blk_premap_teardown(pm, true);
		}
		blk_premap_unlock_buf(buf);
	}
}
EXPORT_SYMBOL_GPL(blk_premap_ctx_invalidate);

/**
 * blk_premap_ctx_destroy - the device goes away
 * @ctx: the device's context
 *
 * Stops new premaps, waits for a creation in progress and invalidates all,
 * as blk_premap_ctx_invalidate(): then nothing maps memory for the device
 * or uses the driver's hooks (nvme-pci frees its PRP pools after this).
 * The driver must have quiesced its queues and cancelled or completed every
 * request, as for blk_premap_ctx_invalidate(), and must call this while its
 * DMA device is still usable.
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
	debugfs_remove(ctx->debugfs);
	ctx->debugfs = NULL;
}
EXPORT_SYMBOL_GPL(blk_premap_ctx_destroy);

#ifdef CONFIG_DEBUG_FS
static int blk_premap_stats_show(struct seq_file *m, void *unused)
{
	static const char * const pcpu_names[BLK_PREMAP_NR_PCPU_STATS] = {
		[BLK_PREMAP_HITS] = "hits",
		[BLK_PREMAP_MISS_MULTI_BIO] = "miss_multi_bio",
		[BLK_PREMAP_MISS_NEW] = "miss_new",
		[BLK_PREMAP_MISS_PENDING] = "miss_pending",
		[BLK_PREMAP_MISS_FAILED] = "miss_failed",
		[BLK_PREMAP_MISS_DEVS] = "miss_too_many_devices",
		[BLK_PREMAP_MISS_RANGE] = "miss_range",
		[BLK_PREMAP_CHAIN_FALLBACK] = "prp_chain_fallback",
		[BLK_PREMAP_TREE_WALKS] = "lookup_tree_walks",
		[BLK_PREMAP_CREATE_RETRIES] = "create_retries",
	};
	struct blk_premap_stats *st = &blk_premap_stats;
	unsigned long disabled;
	int s, cpu;

	seq_printf(m, "bufs_registered %lld\n", atomic64_read(&st->bufs));
	seq_printf(m, "premaps_live %lld\n", atomic64_read(&st->live));
	seq_printf(m, "bytes_mapped %lld\n", atomic64_read(&st->bytes));
	seq_printf(m, "prp_pages %lld\n", atomic64_read(&st->drv_pages));
	seq_printf(m, "created %lld\n", atomic64_read(&st->created));
	seq_printf(m, "destroyed %lld\n", atomic64_read(&st->destroyed));
	seq_printf(m, "invalidated %lld\n", atomic64_read(&st->invalidated));
	for (s = 0; s < BLK_PREMAP_NR_PCPU_STATS; s++) {
		unsigned long sum = 0;

		for_each_possible_cpu(cpu)
			sum += per_cpu(blk_premap_pcpu[s], cpu);
		seq_printf(m, "%s %lu\n", pcpu_names[s], sum);
	}
	disabled = 0;
	for_each_possible_cpu(cpu)
		disabled += per_cpu(blk_premap_miss_disabled, cpu);
	seq_printf(m, "miss_disabled %lu\n", disabled);
	seq_printf(m, "create_fail_nomem %lld\n",
		   atomic64_read(&st->fail_nomem));
	seq_printf(m, "create_fail_map %lld\n", atomic64_read(&st->fail_map));
	seq_printf(m, "create_fail_need_sync %lld\n",
		   atomic64_read(&st->fail_need_sync));
	seq_printf(m, "create_fail_cap %lld\n", atomic64_read(&st->fail_cap));
	seq_printf(m, "register_fail_layout %lld\n",
		   atomic64_read(&st->fail_layout));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(blk_premap_stats);

static int __init blk_premap_debugfs_init(void)
{
	debugfs_create_file("blk_premap", 0444, NULL, NULL,
			    &blk_premap_stats_fops);
	debugfs_create_u32("blk_premap_fail_map", 0600, NULL,
			   &blk_premap_fail_map);
	blk_premap_debugfs_devs = debugfs_create_dir("blk_premap_devs", NULL);
	return 0;
}
subsys_initcall(blk_premap_debugfs_init);
#endif
