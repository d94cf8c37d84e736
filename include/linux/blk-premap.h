/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Premap cache: registered buffers kept DMA-mapped per device.
 *
 * A registered buffer (io_uring's fixed buffer: an array of bvecs, one per
 * folio, pinned for the buffer's life) is entered in a registry keyed by the
 * address range of its bvec array. A fixed-buffer bio's bi_io_vec points into
 * that array, also after splits and clones, so a request finds its buffer by
 * that address without a new bio or iov_iter type. Such bios are marked
 * BIO_REG_BVEC (io_uring's import sets iov_iter->reg_bvec, which
 * bio_iov_bvec_set() turns into the flag; clones keep it): no other request
 * is ever looked up.
 *
 * The first request on a buffer through a device whose tag set has a
 * &struct blk_premap_ctx queues the creation of a &struct blk_premap: the
 * whole buffer DMA-mapped once for that device (one IOVA range under an
 * IOMMU, split only where the device's segment boundary forces it; per folio
 * without one), plus whatever the driver precomputes (nvme-pci: PRP list
 * pages). Later requests inside the buffer get their segments from it with no
 * DMA-API call. A creation refused for a transient reason (memory, IOVA
 * space, the device's cap) is retried later.
 *
 * Requests take no reference on a premap: it is torn down only where the
 * kernel already guarantees that no request is using it.
 *  - Buffer side: io_uring calls blk_premap_buf_unregister() when its last
 *    reference to the registered buffer goes (unregister, update, ring exit,
 *    last clone). Every request on the buffer holds an io_uring resource
 *    node reference from submission until after its bio completed, and a
 *    block driver unmaps a request's data before it completes the bio, so
 *    by then no request is using (or can look up) any premap of the buffer.
 *  - Device side: the driver calls blk_premap_ctx_destroy(),
 *    blk_premap_ctx_invalidate() or blk_premap_ctx_set_enabled(false) only
 *    once its queues are quiesced and its in-flight requests cancelled, or
 *    frozen: no ->queue_rq() is looking a premap up and every request that
 *    used one has been unmapped. nvme-pci destroys on removal, after
 *    nvme_dev_disable(), and switches off with the namespaces' queues
 *    frozen; a controller reset keeps the premaps (neither IOMMU mappings
 *    nor host PRP pages change).
 *  - Both at once: a premap stays on its device's list until whoever took
 *    it out of its buffer's slot has torn it down, so destroy and
 *    invalidate return only once every premap of the device is unmapped,
 *    also one a buffer's unregistration took first (they wait for the
 *    buffer's mutex); an unregistration waits for no other buffer.
 * Lookups of other buffers may still read a premap being torn down (the
 * per-CPU lookup hints are shared): RCU and a generation number cover
 * that, see blk-premap.c.
 */
#ifndef _LINUX_BLK_PREMAP_H
#define _LINUX_BLK_PREMAP_H

#include <linux/bvec.h>
#include <linux/jump_label.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/refcount.h>
#include <linux/scatterlist.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

struct blk_premap;
struct blk_premap_buf;
struct dentry;
struct device;
struct mem_cgroup;
struct request;

/**
 * struct blk_premap_ops - driver hooks for a premap context
 * @create: precompute the driver's part of @pm (e.g. PRP list pages) from
 *	its DMA layout (blk_premap_seg()); process context, may sleep.
 *	Return 0 or a negative errno; on error the premap is not used.
 * @destroy: free what @create made; called once no request uses @pm, before
 *	the DMA mapping goes away; process context, with the buffer's mutex
 *	held, from the buffer's unregistration or the device's invalidation.
 *	Calls for different premaps, and @create for others, may run at the
 *	same time. Must not take a lock its driver holds around
 *	blk_premap_ctx_invalidate() or blk_premap_ctx_destroy(): they wait
 *	for such calls. When blk_premap_ctx_invalidate() returns, no call of
 *	either hook for the device's premaps is running; after
 *	blk_premap_ctx_destroy(), none is made again.
 */
struct blk_premap_ops {
	int (*create)(struct blk_premap *pm, void *drvdata);
	void (*destroy)(struct blk_premap *pm, void *drvdata);
};

/**
 * struct blk_premap_ctx - premaps of one DMA device
 * @dma_dev: device the buffers are mapped for
 * @ops: driver hooks
 * @drvdata: passed to @ops
 * @enabled: the device's switch (blk_premap_ctx_set_enabled(), under
 *	frozen queues for off); when %false lookups miss and nothing new is
 *	created. Lookups also need the global one, &blk_premap_key
 *	(blk_premap_enable()), which is on while any driver's switch is.
 * @max_mb: cap of buffer bytes premapped for @dma_dev, in MiB (the driver's
 *	module parameter), checked when a premap is created
 * @bytes: buffer bytes premapped now, or being premapped (under @lock)
 * @freed: premaps of this device torn down so far (written under @lock,
 *	read racily): a creation refused by the cap retries once it changed
 * @nr_live: live premaps (under @lock; debugfs)
 * @drv_pages: descriptor pages the driver holds for them (under @lock)
 * @meta_bytes: other kernel memory they hold, in bytes (under @lock)
 * @lock: protects @pms, @pending, @dead, @bytes, @freed and the three above
 * @pms: every premap of this device (pending, live, failed, being torn down)
 * @pending: premaps waiting for @work to map them
 * @dead: set when the device goes away; nothing new is created
 * @work: creates pending premaps
 * @debugfs: its debugfs file, blk_premap_devs/<@dma_dev's name>
 */
struct blk_premap_ctx {
	struct device *dma_dev;
	const struct blk_premap_ops *ops;
	void *drvdata;
	bool enabled;
	const unsigned int *max_mb;
	u64 bytes;
	unsigned long freed;
	unsigned int nr_live;
	u64 drv_pages;
	u64 meta_bytes;
	spinlock_t lock;	/* @pms, @pending, @dead, @bytes, @freed, stats */
	struct list_head pms;
	struct list_head pending;
	bool dead;
	struct work_struct work;
	struct dentry *debugfs;
};

enum blk_premap_state {
	BLK_PREMAP_PENDING,	/* queued for creation */
	BLK_PREMAP_LIVE,	/* mapped, usable */
	/*
	 * creation failed or refused; kept as a marker, queued again once a
	 * transient refusal is due for a retry
	 */
	BLK_PREMAP_FAILED,
};

/**
 * struct blk_premap_run - a DMA-contiguous piece of a premapped buffer
 * @pos: buffer position of its first byte (see blk_premap_buf_pos())
 * @dma: its DMA address
 * @len: its length in bytes
 */
struct blk_premap_run {
	u64 pos;
	dma_addr_t dma;
	u64 len;
};

/**
 * struct blk_premap - one registered buffer DMA-mapped for one device
 * @ctx: the device's context
 * @buf: the buffer
 * @state: &enum blk_premap_state, read with acquire semantics
 * @ctx_node: in @ctx->pms, until its teardown has finished
 * @pending_node: in @ctx->pending while %BLK_PREMAP_PENDING
 * @sgt: the long-term mapping (dma_map_sgtable(), DMA_BIDIRECTIONAL)
 * @nr_runs: entries in @runs
 * @runs: DMA-contiguous runs in buffer order
 * @start: buffer position of the first byte (@buf->bvec[0].bv_offset)
 * @drv: the driver's precomputed data
 * @drv_pages: descriptor pages the driver holds for this premap (stats)
 * @err: why the last creation failed (%BLK_PREMAP_FAILED)
 * @refusals: creations that failed so far, for the retry back-off
 * @retry_at: jiffies from which a transiently refused creation is retried
 * @freed_at_refusal: @ctx->freed when the cap refused the creation
 * @rcu: for freeing
 */
struct blk_premap {
	struct blk_premap_ctx *ctx;
	struct blk_premap_buf *buf;
	int state;
	struct list_head ctx_node;
	struct list_head pending_node;
	struct sg_table sgt;
	unsigned int nr_runs;
	struct blk_premap_run *runs;
	u64 start;
	void *drv;
	unsigned int drv_pages;
	int err;
	unsigned int refusals;
	unsigned long retry_at;
	unsigned long freed_at_refusal;
	struct rcu_head rcu;
};

/* devices one buffer can be premapped for at a time */
#define BLK_PREMAP_MAX_DEVS	4

/**
 * struct blk_premap_buf - a registered buffer in the premap registry
 * @bvec: its bvec array: bvec 0 starts @bvec[0].bv_offset bytes into its
 *	folio, every later one at offset 0 of its own folio, all folios
 *	1 << @shift bytes
 * @nr_bvecs: entries in @bvec
 * @shift: log2 of the folio size in bytes
 * @len: buffer length in bytes
 * @memcg: memory cgroup of the task that registered the buffer, charged
 *	for the memory of its premaps (which a worker creates)
 * @mutex: serializes creating and tearing down the buffer's premaps
 * @lock: protects @pms and @dead
 * @dead: being unregistered; no new premaps
 * @refs: one for the registry, one while a device's creation work or
 *	invalidation waits for @mutex
 * @pms: premaps of this buffer, one per device at most; a premap leaves
 *	its slot only under @mutex
 * @rcu: for freeing
 */
struct blk_premap_buf {
	const struct bio_vec *bvec;
	unsigned int nr_bvecs;
	unsigned int shift;
	u64 len;
	struct mem_cgroup *memcg;
	struct mutex mutex;	/* creating, tearing down @pms */
	spinlock_t lock;	/* @pms, @dead */
	bool dead;
	refcount_t refs;
	struct blk_premap __rcu *pms[BLK_PREMAP_MAX_DEVS];
	struct rcu_head rcu;
};

/**
 * blk_premap_buf_pos - position of a byte of a buffer
 * @buf: the buffer
 * @bvec: a bvec of @buf
 * @done: byte offset into @bvec
 *
 * Positions count from the start of the folio bvec 0 lies in, so the buffer
 * occupies [@buf->bvec[0].bv_offset, @buf->bvec[0].bv_offset + @buf->len)
 * and position p is in NVMe/CPU page p >> PAGE_SHIFT of the buffer.
 *
 * Return: the position in bytes.
 */
static inline u64 blk_premap_buf_pos(const struct blk_premap_buf *buf,
				     const struct bio_vec *bvec, u32 done)
{
	return ((u64)(bvec - buf->bvec) << buf->shift) + bvec->bv_offset + done;
}

#ifdef CONFIG_BLK_PREMAP
struct blk_premap_buf *blk_premap_buf_register(const struct bio_vec *bvec,
					       unsigned int nr_bvecs,
					       unsigned int shift, u64 len);
void blk_premap_buf_unregister(struct blk_premap_buf *buf);

void blk_premap_ctx_init(struct blk_premap_ctx *ctx, struct device *dma_dev,
			 const struct blk_premap_ops *ops, void *drvdata,
			 bool enabled, const unsigned int *max_mb);
void blk_premap_ctx_set_enabled(struct blk_premap_ctx *ctx, bool on);
void blk_premap_ctx_invalidate(struct blk_premap_ctx *ctx);
void blk_premap_ctx_destroy(struct blk_premap_ctx *ctx);

struct blk_premap *blk_premap_get(struct blk_premap_ctx *ctx,
				  struct request *req, u64 *pos,
				  bool *registered);

DECLARE_PER_CPU(unsigned long, blk_premap_miss_disabled);
DECLARE_STATIC_KEY_FALSE(blk_premap_key);
void blk_premap_enable(void);
void blk_premap_disable(void);

/**
 * blk_premap_ctx_on - is a device's premap cache on?
 * @ctx: the device's premap context
 *
 * Both switches: the global &blk_premap_key and the device's own. The
 * device's goes off only with its queues frozen, so %true holds for as long
 * as the caller holds a queue usage reference (a request, or a bio being
 * split in blk_mq_submit_bio()).
 *
 * Context: any.
 * Return: %true if requests on registered buffers may be premapped.
 */
static inline bool blk_premap_ctx_on(struct blk_premap_ctx *ctx)
{
	return static_branch_likely(&blk_premap_key) &&
		likely(READ_ONCE(ctx->enabled));
}

/**
 * blk_premap_wanted - should a request on a registered buffer be looked up?
 * @ctx: the device's premap context
 *
 * For requests whose first bio is marked BIO_REG_BVEC. Inline so that,
 * while the cache is switched off, they pay a static branch and one per-CPU
 * increment (the miss_disabled counter) instead of a call to
 * blk_premap_get().
 *
 * Context: any.
 * Return: %true if the caller should call blk_premap_get().
 */
static inline bool blk_premap_wanted(struct blk_premap_ctx *ctx)
{
	if (blk_premap_ctx_on(ctx))
		return true;
	this_cpu_inc(blk_premap_miss_disabled);
	return false;
}

u32 __blk_premap_seg(const struct blk_premap *pm, u64 pos, u64 len,
		     dma_addr_t *dma);

/**
 * blk_premap_seg - DMA address of a buffer position, and how far it runs
 * @pm: a live premap, as blk_premap_get() returned it
 * @pos: buffer position in bytes (blk_premap_buf_pos()), inside the buffer
 * @len: bytes wanted from @pos
 * @dma: set to the DMA address of @pos
 *
 * Inline for the common premap of one run (one IOVA range under an IOMMU);
 * others search their runs out of line.
 *
 * Context: any.
 * Return: bytes from @pos, at most @len, that are DMA-contiguous from @dma:
 * @len under an IOMMU (one IOVA range) unless a segment boundary splits it;
 * up to the end of the physically contiguous run without one.
 */
static inline u32 blk_premap_seg(const struct blk_premap *pm, u64 pos,
				 u64 len, dma_addr_t *dma)
{
	const struct blk_premap_run *run = pm->runs;

	if (pm->nr_runs != 1)
		return __blk_premap_seg(pm, pos, len, dma);
	*dma = run->dma + (pos - run->pos);
	return min3(len, run->pos + run->len - pos, (u64)U32_MAX);
}

void blk_premap_count_chain_fallback(void);
#if IS_ENABLED(CONFIG_KUNIT)
extern u32 blk_premap_fail_map;
#endif
#else
static inline struct blk_premap_buf *
blk_premap_buf_register(const struct bio_vec *bvec, unsigned int nr_bvecs,
			unsigned int shift, u64 len)
{
	return NULL;
}

static inline void blk_premap_buf_unregister(struct blk_premap_buf *buf)
{
}
#endif

#endif /* _LINUX_BLK_PREMAP_H */
