/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What blk-mq-dma.c (the DMA mapping iterator) and blk-premap.c (the premap
 * cache) share: blk_premap_dma_map_start() in blk-premap.c hands out a
 * premapped request's first segment itself, so that a premap hit costs one
 * call, and starts the iterator's normal mapping on a miss.
 */
#ifndef BLK_MQ_DMA_PREMAP_H
#define BLK_MQ_DMA_PREMAP_H

#include <linux/blk-mq-dma.h>
#include "blk.h"

bool blk_dma_map_start(struct request *req, struct device *dma_dev,
		       struct blk_dma_state *state, struct blk_dma_iter *iter);

#ifdef CONFIG_BLK_PREMAP
/* next segment of a premapped request: no DMA-API call */
static __always_inline bool blk_dma_premap_next(struct request *req,
						struct blk_dma_state *state,
						struct blk_dma_iter *iter)
{
	u32 len;

	if (!state->pm_left)
		return false;
	len = blk_premap_seg(state->premap, state->pm_pos, state->pm_left,
			     &iter->addr);
	len = get_max_segment_size(&req->q->limits, iter->addr, len);
	iter->len = len;
	state->pm_pos += len;
	state->pm_left -= len;
	return true;
}
#endif

#endif /* BLK_MQ_DMA_PREMAP_H */
