/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Premap cache: registered buffers kept DMA-mapped per device.
 *
 * A registered buffer (io_uring's fixed buffer: an array of bvecs, one per
 * folio or page, pinned while it is registered) gets a &struct blk_premap_buf, its
 * premap handle, when it is registered.  Its owner puts the handle into the
 * ITER_BVEC iterators it builds over the array (iov_iter_set_premap()) and
 * the block layer moves it into the bios made from them (bio_premap()), so
 * a driver finds the buffer of a bio, and the position of the bio's data in
 * it, without searching: see blk_premap_bio_off().
 *
 * Per-device premaps hang off the handle.  A driver that premaps keeps a
 * &struct blk_premap_ctx per DMA device; the first request on a buffer
 * through the device queues the creation of a &struct blk_premap: the whole
 * buffer DMA-mapped once for the device (one IOVA range where the device is
 * behind dma-iommu, one mapping per bvec otherwise), plus what the driver
 * precomputes from it.  Until it is live, and whenever it cannot be made,
 * requests are mapped as before.
 *
 * Requests take no reference on a premap: it is torn down only where the
 * kernel already guarantees that no request is using it.
 *  - Buffer side: the owner calls blk_premap_buf_release() once every bio
 *    with the handle has completed (io_uring: its last reference to the
 *    registered buffer is gone; every request holds one from submission
 *    until its bio completed, and a driver unmaps a request's data before
 *    it completes the bio), and before it unpins the pages.
 *  - Device side: the driver calls blk_premap_ctx_destroy() only once its
 *    queues are quiesced and its requests cancelled: no request is mapping
 *    from a premap of the device, and every one that did is unmapped; and
 *    once no bio can enter a queue of a tag set that points to the context
 *    (&blk_mq_tag_set.premap), whose splitting looks at its premaps.
 *    A device that stays drops its premaps with blk_premap_ctx_invalidate()
 *    while those queues are frozen: no request in flight, none mapped or
 *    split until they are unfrozen.
 *  - Both at once: a premap stays on its device's list until whoever took
 *    it out of its buffer's slot has torn it down, so the device's destroy
 *    returns only once every premap of the device is unmapped, also one
 *    that a buffer's release took first; a release waits for no other
 *    buffer.
 * A lookup reads only the slot of its own device (blk_premap_get()), so it
 * never sees a premap that another device's removal frees.
 */
#ifndef _LINUX_BLK_PREMAP_H
#define _LINUX_BLK_PREMAP_H

#include <linux/blk_types.h>
#include <linux/bvec.h>
#include <linux/compiler.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct blk_premap;
struct device;
struct mem_cgroup;

/**
 * struct blk_premap_ops - driver hooks for a device's premaps
 * @create: precompute the driver's part of @pm (e.g. descriptor pages)
 *	once its DMA mapping exists; process context (the device's worker),
 *	may sleep, with the buffer's mutex held, in a NOIO scope, and the
 *	registrant's memory cgroup active (charged are allocations with
 *	__GFP_ACCOUNT).  Return 0 or a negative errno; on error the premap
 *	is not used.
 * @destroy: free what @create made; called once no request uses @pm,
 *	before the DMA mapping goes away; process context, with the
 *	buffer's mutex held.
 *
 * Calls for different premaps may run at the same time.  Neither hook may
 * take a lock its driver holds around blk_premap_ctx_destroy() or
 * blk_premap_ctx_invalidate(), which wait for both.
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
 * @lock: protects @pms, @pending and @dead
 * @pms: every premap of this device (pending, live, failed, being torn
 *	down)
 * @pending: premaps waiting for @work to create them
 * @dead: set when the device goes away; nothing new is created
 * @work: creates pending premaps
 *
 * Embedded in the driver's per-device structure, set up with
 * blk_premap_ctx_init().
 */
struct blk_premap_ctx {
	struct device *dma_dev;
	const struct blk_premap_ops *ops;
	void *drvdata;
	spinlock_t lock;	/* @pms, @pending, @dead */
	struct list_head pms;
	struct list_head pending;
	bool dead;
	struct work_struct work;
};

/**
 * enum blk_premap_state - where a premap's creation stands
 * @BLK_PREMAP_PENDING: queued for creation
 * @BLK_PREMAP_LIVE: mapped, usable by requests
 * @BLK_PREMAP_FAILED: creation refused; kept until the buffer's release or
 *	the device's removal or invalidation, so that later requests fall
 *	back without queueing it again
 */
enum blk_premap_state {
	BLK_PREMAP_PENDING,
	BLK_PREMAP_LIVE,
	BLK_PREMAP_FAILED,
};

/**
 * struct blk_premap - one registered buffer DMA-mapped for one device
 * @ctx: the device's context
 * @buf: the buffer
 * @state: &enum blk_premap_state, written with release and read with
 *	acquire semantics: the fields below are valid once it reads
 *	%BLK_PREMAP_LIVE
 * @err: why the creation failed (%BLK_PREMAP_FAILED)
 * @ctx_node: in @ctx->pms, until its teardown has finished
 * @pending_node: in @ctx->pending while %BLK_PREMAP_PENDING
 * @iova: the buffer's IOVA range, if dma_use_iova(): byte b of the buffer
 *	is at @iova.addr + b
 * @bvec_dma: otherwise the DMA address of each bvec's first byte, an
 *	entry per bvec of the buffer
 * @dma_base: if @dma_contig, the DMA address of the buffer's first byte
 * @dma_contig: the whole buffer is one range of DMA addresses: byte b is
 *	at @dma_base + b (an IOVA range, or bvecs that dma-direct mapped
 *	back to back, as a buffer of one bvec)
 * @drv: the driver's precomputed data (&blk_premap_ops.create)
 */
struct blk_premap {
	struct blk_premap_ctx *ctx;
	struct blk_premap_buf *buf;
	int state;
	int err;
	struct list_head ctx_node;
	struct list_head pending_node;
	struct dma_iova_state iova;
	dma_addr_t *bvec_dma;
	dma_addr_t dma_base;
	bool dma_contig;
	void *drv;
};

/* devices one buffer can be premapped for at a time */
#define BLK_PREMAP_MAX_DEVS	4

/**
 * struct blk_premap_slot - a buffer's premap for one device
 * @ctx: the device, %NULL for a free slot; stored with release after @pm
 * @pm: its premap
 */
struct blk_premap_slot {
	struct blk_premap_ctx *ctx;
	struct blk_premap *pm;
};

/**
 * struct blk_premap_buf - premap handle of a registered buffer
 * @bvec: the buffer's bvec array, which lives as long as the handle
 * @nr_bvecs: entries in @bvec
 * @shift: log2 of the size in bytes of the chunks the bvecs describe (a
 *	folio each for coalesced buffers, a page each otherwise)
 * @first_off: @bvec[0].bv_offset: where the buffer starts in its first
 *	chunk, in bytes (may exceed PAGE_SIZE)
 * @len: buffer length in bytes
 * @memcg: memory cgroup of the task that registered the buffer, charged
 *	for the memory of its premaps (which a worker creates)
 * @mutex: serializes creating and tearing down the buffer's premaps
 * @lock: protects @slot and @dead
 * @dead: being released; no new premaps
 * @refs: one for the owner, one while a device's creation work or
 *	removal waits for @mutex
 * @slot: premaps of this buffer, one per device at most; a premap leaves
 *	its slot only under @mutex
 *
 * The layout is checked when the handle is created: bvec 0 runs from
 * @first_off to the end of its chunk (or of the buffer), every later bvec
 * starts at offset 0 of its own chunk and covers it whole but for the last
 * one.  So byte offsets in the buffer follow from bvec indices by
 * arithmetic.  The fields up to @len are read by drivers on the I/O path
 * and never change while the handle exists.
 */
struct blk_premap_buf {
	const struct bio_vec *bvec;
	unsigned int nr_bvecs;
	unsigned int shift;
	unsigned int first_off;
	u64 len;
	struct mem_cgroup *memcg;
	struct mutex mutex;	/* creating, tearing down premaps */
	spinlock_t lock;	/* @slot, @dead */
	bool dead;
	refcount_t refs;
	struct blk_premap_slot slot[BLK_PREMAP_MAX_DEVS];
};

/**
 * blk_premap_buf_idx_off - byte offset of a bvec position in its buffer
 * @buf: the buffer's premap handle
 * @idx: index of a bvec of @buf, below @buf->nr_bvecs
 * @bv_off: bytes into that bvec's data (past its bv_offset)
 *
 * Context: any.
 * Return: the offset in bytes from the buffer's first byte.
 */
static inline u64 blk_premap_buf_idx_off(const struct blk_premap_buf *buf,
					 unsigned long idx,
					 unsigned int bv_off)
{
	u64 o = ((u64)idx << buf->shift) + bv_off;

	/* bvec 0 starts first_off bytes into its chunk, the others at 0 */
	return idx ? o - buf->first_off : o;
}

/**
 * blk_premap_buf_off - where a bvec position lies in a registered buffer
 * @buf: the buffer's premap handle
 * @bv: a bvec, expected to be one of @buf->bvec; never dereferenced
 * @bv_off: bytes into @bv's data (past its bv_offset), as bvec_iter's
 *	bi_offset
 * @len: bytes wanted from there
 * @off: set to the byte offset of the position from the buffer's first byte
 *
 * The checks are what make a handle that does not belong to @bv harmless:
 * a @bv outside @buf's array, or a range that leaves the buffer, is
 * refused.
 *
 * Context: any.
 * Return: %true if @len bytes from the position lie inside @buf (@off is
 * set), %false otherwise, or if @len is 0.
 */
static inline bool blk_premap_buf_off(const struct blk_premap_buf *buf,
				      const struct bio_vec *bv,
				      unsigned int bv_off, unsigned int len,
				      u64 *off)
{
	/* by address: pointers into another array do not subtract */
	unsigned long d = (unsigned long)bv - (unsigned long)buf->bvec;
	unsigned long idx = d / sizeof(*bv);
	u64 o;

	if (unlikely(d >= (unsigned long)buf->nr_bvecs * sizeof(*bv) || !len))
		return false;
	o = blk_premap_buf_idx_off(buf, idx, bv_off);
	if (unlikely(o + len > buf->len))
		return false;
	*off = o;
	return true;
}

/**
 * blk_premap_bio_off - where a bio's data lies in its registered buffer
 * @buf: bio_premap() of @bio, not NULL
 * @bio: the bio; its bi_iter gives the position (also after bio_split()
 *	or bio_advance()) and the length
 * @off: set to the byte offset of @bio's first byte from the buffer's
 *	first byte
 *
 * Context: any.
 * Return: %true if all of @bio's data lies inside @buf (@off is set),
 * %false otherwise.
 */
static inline bool blk_premap_bio_off(const struct blk_premap_buf *buf,
				      const struct bio *bio, u64 *off)
{
	return blk_premap_buf_off(buf, bio->bi_io_vec + bio->bi_iter.bi_idx,
				  bio->bi_iter.bi_offset,
				  bio->bi_iter.bi_size, off);
}

/**
 * blk_premap_dma_off - where a premapped buffer's byte lies for the device
 * @pm: a premap whose buffer is mapped: live (%BLK_PREMAP_LIVE), or in
 *	its &blk_premap_ops.create hook
 * @off: byte offset from the buffer's first byte, below its length
 * @size: bytes wanted from there, at least 1
 * @len: set to how many of the @size bytes are DMA-contiguous from byte
 *	@off: all of them in a buffer that is one range of DMA addresses
 *	(an IOVA range, or bvecs mapped back to back), up to the end of the
 *	byte's bvec otherwise
 *
 * Context: any; the caller keeps @pm from being torn down (a request
 * mapped from it, or the &blk_premap_ops hooks of @pm).
 * Return: the DMA address of byte @off.
 */
static inline dma_addr_t blk_premap_dma_off(struct blk_premap *pm, u64 off,
					    u32 size, u32 *len)
{
	const struct blk_premap_buf *buf = pm->buf;
	unsigned long idx;
	u64 pos, bv_off;

	if (pm->dma_contig) {
		*len = size;
		return pm->dma_base + off;
	}
	pos = off + buf->first_off;
	idx = pos >> buf->shift;
	/* bvec 0 starts first_off bytes into its chunk, the others at 0 */
	bv_off = idx ? pos & ((1ULL << buf->shift) - 1) : off;
	*len = min_t(u64, size, buf->bvec[idx].bv_len - bv_off);
	return pm->bvec_dma[idx] + bv_off;
}

/**
 * blk_premap_dma_at - the DMA address of a premapped buffer's byte
 * @pm: as for blk_premap_dma_off()
 * @off: byte offset from the buffer's first byte, below its length
 *
 * Context: as blk_premap_dma_off().
 * Return: the DMA address of byte @off for @pm's device.
 */
static inline dma_addr_t blk_premap_dma_at(struct blk_premap *pm, u64 off)
{
	u32 len;

	return blk_premap_dma_off(pm, off, 1, &len);
}

#ifdef CONFIG_BLK_PREMAP
struct blk_premap_buf *blk_premap_buf_create(const struct bio_vec *bvec,
					     unsigned int nr_bvecs,
					     unsigned int shift, u64 len);
void blk_premap_buf_release(struct blk_premap_buf *buf);

void blk_premap_ctx_init(struct blk_premap_ctx *ctx, struct device *dma_dev,
			 const struct blk_premap_ops *ops, void *drvdata);
void blk_premap_ctx_invalidate(struct blk_premap_ctx *ctx);
void blk_premap_ctx_destroy(struct blk_premap_ctx *ctx);
#else
static inline struct blk_premap_buf *
blk_premap_buf_create(const struct bio_vec *bvec, unsigned int nr_bvecs,
		      unsigned int shift, u64 len)
{
	return NULL;
}

static inline void blk_premap_buf_release(struct blk_premap_buf *buf)
{
}
#endif

#endif /* _LINUX_BLK_PREMAP_H */
