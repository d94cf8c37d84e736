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
 * it, without searching: see blk_premap_bio_off().  Per-device premaps
 * hang off the handle.
 */
#ifndef _LINUX_BLK_PREMAP_H
#define _LINUX_BLK_PREMAP_H

#include <linux/blk_types.h>
#include <linux/bvec.h>
#include <linux/compiler.h>
#include <linux/err.h>
#include <linux/types.h>

/**
 * struct blk_premap_buf - premap handle of a registered buffer
 * @bvec: the buffer's bvec array, which lives as long as the handle
 * @nr_bvecs: entries in @bvec
 * @shift: log2 of the size in bytes of the chunks the bvecs describe (a
 *	folio each for coalesced buffers, a page each otherwise)
 * @first_off: @bvec[0].bv_offset: where the buffer starts in its first
 *	chunk, in bytes (may exceed PAGE_SIZE)
 * @len: buffer length in bytes
 *
 * The layout is checked when the handle is created: bvec 0 runs from
 * @first_off to the end of its chunk (or of the buffer), every later bvec
 * starts at offset 0 of its own chunk and covers it whole but for the last
 * one.  So byte offsets in the buffer follow from bvec indices by
 * arithmetic.  The fields are read by drivers on the I/O path and never
 * change while the handle exists.
 */
struct blk_premap_buf {
	const struct bio_vec *bvec;
	unsigned int nr_bvecs;
	unsigned int shift;
	unsigned int first_off;
	u64 len;
};

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
	o = ((u64)idx << buf->shift) + bv_off;
	if (idx)
		o -= buf->first_off;
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

#ifdef CONFIG_BLK_PREMAP
struct blk_premap_buf *blk_premap_buf_create(const struct bio_vec *bvec,
					     unsigned int nr_bvecs,
					     unsigned int shift, u64 len);
void blk_premap_buf_release(struct blk_premap_buf *buf);
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
