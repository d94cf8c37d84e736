/* SPDX-License-Identifier: GPL-2.0-only */
/* Premap lookup for the block layer's DMA mapping of requests. */
#ifndef BLK_PREMAP_INTERNAL_H
#define BLK_PREMAP_INTERNAL_H

#include <linux/blk-premap.h>

void blk_premap_queue_create(struct blk_premap_ctx *ctx,
			     struct blk_premap_buf *buf);

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

#endif /* BLK_PREMAP_INTERNAL_H */
