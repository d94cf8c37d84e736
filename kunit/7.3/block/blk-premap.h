/* SPDX-License-Identifier: GPL-2.0-only */
/* Premap lookup for the block layer's DMA mapping of requests. */
#ifndef BLK_PREMAP_INTERNAL_H
#define BLK_PREMAP_INTERNAL_H

#include <linux/blk-premap.h>

struct queue_limits;

void blk_premap_queue_create(struct blk_premap_ctx *ctx,
			     struct blk_premap_buf *buf);
unsigned int blk_premap_max_sectors(struct bio *bio,
				    const struct queue_limits *lim);

/**
 * blk_premap_get - a buffer's live premap for a device
 * @ctx: the device's context
 * @buf: the buffer's handle, from a bio being mapped for the device
 *
 * On the buffer's first request through the device, queues the creation
 * of its premap.  No lock: @ctx's slot changes only while no request of
 * the device is being mapped, or when its premap is created, which the
 * acquire on its state orders; other devices' slots are compared, never
 * dereferenced.
 *
 * Context: any; the caller holds a request of the device, or otherwise
 * keeps the device's premaps from being torn down, and a bio on @buf.
 * Return: the premap, or %NULL if there is none yet, or it failed.
 */
static inline struct blk_premap *blk_premap_get(struct blk_premap_ctx *ctx,
						struct blk_premap_buf *buf)
{
	struct blk_premap *pm;
	int i;

	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		/* pairs with the release in blk_premap_queue_create() */
		if (smp_load_acquire(&buf->slot[i].ctx) != ctx)
			continue;
		pm = READ_ONCE(buf->slot[i].pm);
		/* pairs with smp_store_release() in blk_premap_create() */
		if (smp_load_acquire(&pm->state) == BLK_PREMAP_LIVE)
			return pm;
		return NULL;
	}
	blk_premap_queue_create(ctx, buf);
	return NULL;
}

/**
 * blk_premap_live - whether a buffer is premapped for a device
 * @ctx: the device's context
 * @buf: the buffer's handle, from a bio being submitted to the device
 *
 * As blk_premap_get(), but for a bio not yet a request of the device:
 * queues no creation, and gives no premap to use.
 *
 * Context: any; @buf's premap for @ctx's device cannot be torn down
 * meanwhile: the caller submits a bio on @buf (which keeps its owner from
 * releasing the handle) to a queue of a tag set whose premap context is
 * @ctx, with a usage reference on the queue; the driver destroys the
 * context only once no bio can enter any of them (see
 * &blk_mq_tag_set.premap), and invalidates it only with them frozen.
 * Return: %true if @buf has a live premap for @ctx's device.
 */
static inline bool blk_premap_live(struct blk_premap_ctx *ctx,
				   struct blk_premap_buf *buf)
{
	struct blk_premap *pm;
	int i;

	for (i = 0; i < BLK_PREMAP_MAX_DEVS; i++) {
		/* pairs with the release in blk_premap_queue_create() */
		if (smp_load_acquire(&buf->slot[i].ctx) != ctx)
			continue;
		pm = READ_ONCE(buf->slot[i].pm);
		/* pairs with smp_store_release() in blk_premap_create() */
		return pm && smp_load_acquire(&pm->state) == BLK_PREMAP_LIVE;
	}
	return false;
}

#endif /* BLK_PREMAP_INTERNAL_H */
