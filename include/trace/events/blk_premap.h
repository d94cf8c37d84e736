/* SPDX-License-Identifier: GPL-2.0-only */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM blk_premap

#if !defined(_TRACE_BLK_PREMAP_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_BLK_PREMAP_H

#include <linux/blk-premap.h>
#include <linux/device.h>
#include <linux/tracepoint.h>

/* a premap was created (err 0) or its creation failed (err < 0) */
TRACE_EVENT(blk_premap_create,
	TP_PROTO(const struct blk_premap *pm, int err),
	TP_ARGS(pm, err),
	TP_STRUCT__entry(
		__string(dev, dev_name(pm->ctx->dma_dev))
		__field(const void *, bvec)
		__field(u64, len)
		__field(unsigned int, nr_runs)
		__field(unsigned int, drv_pages)
		__field(int, err)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->bvec = pm->buf->bvec;
		__entry->len = pm->buf->len;
		__entry->nr_runs = pm->nr_runs;
		__entry->drv_pages = pm->drv_pages;
		__entry->err = err;
	),
	TP_printk("dev=%s bvec=%p len=%llu runs=%u drv_pages=%u err=%d",
		  __get_str(dev), __entry->bvec, __entry->len,
		  __entry->nr_runs, __entry->drv_pages, __entry->err)
);

/* a premap is torn down: its buffer unregistered, or the device invalidated */
TRACE_EVENT(blk_premap_destroy,
	TP_PROTO(const struct blk_premap *pm, bool invalidate),
	TP_ARGS(pm, invalidate),
	TP_STRUCT__entry(
		__string(dev, dev_name(pm->ctx->dma_dev))
		__field(const void *, bvec)
		__field(u64, len)
		__field(int, state)
		__field(bool, invalidate)
	),
	TP_fast_assign(
		__assign_str(dev);
		__entry->bvec = pm->buf->bvec;
		__entry->len = pm->buf->len;
		__entry->state = pm->state;
		__entry->invalidate = invalidate;
	),
	TP_printk("dev=%s bvec=%p len=%llu state=%d %s",
		  __get_str(dev), __entry->bvec, __entry->len, __entry->state,
		  __entry->invalidate ? "invalidate" : "unregister")
);

#endif /* _TRACE_BLK_PREMAP_H */

#include <trace/define_trace.h>
