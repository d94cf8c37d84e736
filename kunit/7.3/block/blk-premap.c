// SPDX-License-Identifier: GPL-2.0-only
/*
 * Premap handles of registered buffers, which let drivers keep them
 * DMA-mapped per device.
 */
#include <linux/blk-premap.h>
#include <linux/slab.h>

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
 * @bvec: the buffer's bvec array; it must not change, and must live until
 *	blk_premap_buf_release()
 * @nr_bvecs: entries in @bvec
 * @shift: log2 of the chunk size in bytes, PAGE_SHIFT to 31: every bvec
 *	lies in one physically contiguous chunk of that size (a folio, or a
 *	page), bvec 0 from its bv_offset, every later one from offset 0; the
 *	caller guarantees the contiguity, the offsets and lengths are checked
 * @len: buffer length in bytes, the sum of the bvecs' lengths
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
	return buf;
}

/**
 * blk_premap_buf_release - drop a registered buffer's premap handle
 * @buf: the handle, or NULL
 *
 * Called by the buffer's owner before it unpins the buffer's pages, once
 * every bio with the handle has completed (bio_endio()): the handle is not
 * looked at after that.
 *
 * Context: process context, may sleep.
 */
void blk_premap_buf_release(struct blk_premap_buf *buf)
{
	kfree(buf);
}
