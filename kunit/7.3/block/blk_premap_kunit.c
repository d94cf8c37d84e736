// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the premap cache.
 *
 * A bio on a registered buffer carries the handle of the buffer's premaps
 * (bio_premap()) next to bi_io_vec, which points into the buffer's bvec
 * array.  The handle is only meaningful together with that array: every
 * path that copies bi_io_vec must copy it, every path that replaces
 * bi_io_vec must clear or replace it.  The cases below check each such
 * path of block/bio.c on bios built from real pages: bio_iov_iter_set()
 * (through bio_iov_iter_get_pages()), bio_alloc_clone(), bio_init_clone(),
 * bio_split(), bio_advance(), bio_reset() and bio_init().
 *
 * A driver finds where a bio's data lies in the buffer from the handle and
 * the bio's position in the bvec array alone (blk_premap_bio_off()): the
 * last cases check that against the offsets the bios were built from, for
 * every sector of a buffer that starts and ends inside a folio, and that a
 * handle next to foreign bvecs or past the buffer's end is refused.
 * premap_limits checks the request size limit of premapped bios that
 * the queue limits derive from the driver's.
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/blk-premap.h>
#include <linux/blk_types.h>
#include <linux/blkdev.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/uio.h>
#include "blk.h"

#define NR_BVECS	4
#define BVEC_LEN	(2 * PAGE_SIZE)
#define BUF_LEN		(NR_BVECS * BVEC_LEN)
#define BVEC_SHIFT	(PAGE_SHIFT + 1)
/* the buffer that starts and ends inside a folio: premap_test_offset_buf() */
#define HEAD_OFF	512
#define TAIL_CUT	1024
#define OBUF_LEN	(BUF_LEN - HEAD_OFF - TAIL_CUT)

struct premap_test {
	struct bio_set bs;
	struct bio_vec bvec[NR_BVECS];
	/* the handle: only compared, never dereferenced here */
	struct blk_premap_buf *h;
	struct bio *bios[4];
	int nr_bios;
};

static void premap_test_free_pages(void *page)
{
	__free_pages(page, get_order(BVEC_LEN));
}

static int premap_test_init(struct kunit *test)
{
	struct premap_test *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	KUNIT_ASSERT_EQ(test, 0, bioset_init(&t->bs, ARRAY_SIZE(t->bios), 0, 0));
	t->h = kunit_kzalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->h);
	for (i = 0; i < NR_BVECS; i++) {
		struct page *page = alloc_pages(GFP_KERNEL, get_order(BVEC_LEN));
		int err;

		KUNIT_ASSERT_NOT_NULL(test, page);
		err = kunit_add_action_or_reset(test, premap_test_free_pages,
						page);
		KUNIT_ASSERT_EQ(test, err, 0);
		bvec_set_page(&t->bvec[i], page, BVEC_LEN, 0);
	}
	return 0;
}

static void premap_test_exit(struct kunit *test)
{
	struct premap_test *t = test->priv;

	if (!t)
		return;
	/* clones and splits first: they share their parent's bvecs */
	while (t->nr_bios)
		bio_put(t->bios[--t->nr_bios]);
	bioset_exit(&t->bs);
}

static void premap_test_track(struct kunit *test, struct bio *bio)
{
	struct premap_test *t = test->priv;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bio);
	KUNIT_ASSERT_LT(test, t->nr_bios, (int)ARRAY_SIZE(t->bios));
	t->bios[t->nr_bios++] = bio;
}

/* a bio without bvecs of its own, freed by premap_test_exit() */
static struct bio *premap_test_bio(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio *bio;

	bio = bio_alloc_bioset(NULL, 0, REQ_OP_READ, GFP_KERNEL, &t->bs);
	premap_test_track(test, bio);
	return bio;
}

/*
 * A bio on [@off, @off + @len) of the @nr bvecs at @bvec (@size bytes), as
 * block O_DIRECT, iomap and passthrough build it from io_uring's iterator,
 * which carries the handle @h (or none).
 */
static struct bio *premap_test_iter_bio(struct kunit *test,
					const struct bio_vec *bvec,
					unsigned int nr, size_t size,
					struct blk_premap_buf *h,
					size_t off, size_t len)
{
	struct iov_iter iter;
	struct bio *bio = premap_test_bio(test);

	iov_iter_bvec(&iter, ITER_DEST, bvec, nr, size);
	if (h)
		iov_iter_set_premap(&iter, h);
	iov_iter_advance(&iter, off);
	iov_iter_truncate(&iter, len);
	KUNIT_ASSERT_EQ(test, 0, bio_iov_iter_get_pages(bio, &iter, 0, 0));
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 0);
	KUNIT_ASSERT_PTR_EQ(test, bio_premap(bio), h);
	return bio;
}

/* a bio on the test's buffer from @skip bytes to its end */
static struct bio *premap_test_buf_bio(struct kunit *test, size_t skip,
				       bool with_handle)
{
	struct premap_test *t = test->priv;

	return premap_test_iter_bio(test, t->bvec, NR_BVECS, BUF_LEN,
				    with_handle ? t->h : NULL, skip,
				    BUF_LEN - skip);
}

/* iov_iter_bvec() and iov_iter_kvec() start without a handle */
static void premap_iter_init(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct iov_iter iter;

	iov_iter_bvec(&iter, ITER_SOURCE, t->bvec, NR_BVECS, BUF_LEN);
	KUNIT_EXPECT_NULL(test, iov_iter_premap(&iter));
	iov_iter_set_premap(&iter, t->h);
	KUNIT_EXPECT_PTR_EQ(test, iov_iter_premap(&iter), t->h);

	/* reused for another array: the handle must not survive */
	iov_iter_bvec(&iter, ITER_SOURCE, t->bvec, 1, BVEC_LEN);
	KUNIT_EXPECT_NULL(test, iov_iter_premap(&iter));

	iov_iter_set_premap(&iter, t->h);
	iov_iter_kvec(&iter, ITER_SOURCE, NULL, 0, 0);
	KUNIT_EXPECT_NULL(test, iov_iter_premap(&iter));
}

/* bio_iov_iter_set() moves the handle with bi_io_vec */
static void premap_iter_into_bio(struct kunit *test)
{
	struct premap_test *t = test->priv;
	size_t skip = BVEC_LEN + 512;
	struct bio *bio = premap_test_buf_bio(test, skip, true);

	KUNIT_EXPECT_PTR_EQ(test, bio_premap(bio), t->h);
	KUNIT_EXPECT_PTR_EQ(test, bio->bi_io_vec, &t->bvec[1]);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_idx, 0);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_offset, 512);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, BUF_LEN - skip);
}

/* an iterator without a handle replaces one a bio had */
static void premap_iter_without(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio *bio = premap_test_bio(test);
	struct iov_iter iter;

	bio_set_premap(bio, t->h);
	iov_iter_bvec(&iter, ITER_DEST, t->bvec, NR_BVECS, BUF_LEN);
	KUNIT_ASSERT_EQ(test, 0, bio_iov_iter_get_pages(bio, &iter, 0, 0));
	KUNIT_EXPECT_PTR_EQ(test, bio->bi_io_vec, &t->bvec[0]);
	KUNIT_EXPECT_NULL(test, bio_premap(bio));
}

/* clones share bi_io_vec, so they carry the handle */
static void premap_clone(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio *bio = premap_test_buf_bio(test, 0, true);
	struct bio on_stack;
	struct bio *clone;

	clone = bio_alloc_clone(NULL, bio, GFP_KERNEL, &t->bs);
	premap_test_track(test, clone);
	KUNIT_EXPECT_PTR_EQ(test, clone->bi_io_vec, bio->bi_io_vec);
	KUNIT_EXPECT_PTR_EQ(test, bio_premap(clone), t->h);

	KUNIT_ASSERT_EQ(test, 0, bio_init_clone(NULL, &on_stack, clone,
						GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, on_stack.bi_io_vec, bio->bi_io_vec);
	KUNIT_EXPECT_PTR_EQ(test, bio_premap(&on_stack), t->h);
	bio_uninit(&on_stack);

	/* and a clone of a bio without one has none */
	bio = premap_test_buf_bio(test, 0, false);
	clone = bio_alloc_clone(NULL, bio, GFP_KERNEL, &t->bs);
	premap_test_track(test, clone);
	KUNIT_EXPECT_NULL(test, bio_premap(clone));
}

/* both halves of a split keep the handle and the shared bvecs */
static void premap_split(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio *bio = premap_test_buf_bio(test, 0, true);
	unsigned int front = BVEC_LEN + PAGE_SIZE;
	struct bio *split;

	split = bio_split(bio, front >> SECTOR_SHIFT, GFP_KERNEL, &t->bs);
	premap_test_track(test, split);
	KUNIT_EXPECT_PTR_EQ(test, bio_premap(split), t->h);
	KUNIT_EXPECT_PTR_EQ(test, bio_premap(bio), t->h);
	KUNIT_EXPECT_PTR_EQ(test, split->bi_io_vec, &t->bvec[0]);
	KUNIT_EXPECT_PTR_EQ(test, bio->bi_io_vec, &t->bvec[0]);
	KUNIT_EXPECT_EQ(test, split->bi_iter.bi_size, front);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, BUF_LEN - front);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_idx, 1);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_offset, PAGE_SIZE);
}

/* bio_advance() moves the position, not the array: the handle stays */
static void premap_advance(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio *bio = premap_test_buf_bio(test, 512, true);

	bio_advance(bio, 2 * BVEC_LEN);
	KUNIT_EXPECT_PTR_EQ(test, bio_premap(bio), t->h);
	KUNIT_EXPECT_PTR_EQ(test, bio->bi_io_vec, &t->bvec[0]);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_idx, 2);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_offset, 512);

	/* to the end, too */
	bio_advance(bio, bio->bi_iter.bi_size);
	KUNIT_EXPECT_EQ(test, bio->bi_iter.bi_size, 0);
	KUNIT_EXPECT_PTR_EQ(test, bio_premap(bio), t->h);
}

/* bio_reset() keeps the bio's own bvec table, not the buffer's handle */
static void premap_reset(struct kunit *test)
{
	struct bio *bio = premap_test_buf_bio(test, 0, true);
	struct bio_vec *bv = bio->bi_io_vec;

	bio_reset(bio, NULL, REQ_OP_WRITE);
	KUNIT_EXPECT_PTR_EQ(test, bio->bi_io_vec, bv);
	KUNIT_EXPECT_NULL(test, bio_premap(bio));
}

/* bio_init() starts without a handle, whatever the memory held */
static void premap_init(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio_vec table[1];
	struct bio bio;

	memset(&bio, 0xa5, sizeof(bio));
	bio_init(&bio, NULL, table, ARRAY_SIZE(table), REQ_OP_READ);
	KUNIT_EXPECT_NULL(test, bio_premap(&bio));

	/* pages added to a bio's own table never carry one */
	KUNIT_EXPECT_EQ(test, bio_add_page(&bio, t->bvec[0].bv_page,
					   PAGE_SIZE, 0), PAGE_SIZE);
	KUNIT_EXPECT_NULL(test, bio_premap(&bio));
	bio_uninit(&bio);
}

static void premap_test_release(void *buf)
{
	blk_premap_buf_release(buf);
}

/*
 * A registered buffer's layout: 4 chunks of 8K, the first used from 512, the
 * last cut short.  The bvec array outlives the handle, which the test's
 * cleanup releases.
 */
static struct blk_premap_buf *premap_test_offset_buf(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct blk_premap_buf *buf;
	struct bio_vec *obvec;
	int err;

	obvec = kunit_kmalloc_array(test, NR_BVECS, sizeof(*obvec), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, obvec);
	memcpy(obvec, t->bvec, sizeof(t->bvec));
	obvec[0].bv_offset = HEAD_OFF;
	obvec[0].bv_len -= HEAD_OFF;
	obvec[NR_BVECS - 1].bv_len -= TAIL_CUT;
	buf = blk_premap_buf_create(obvec, NR_BVECS, BVEC_SHIFT, OBUF_LEN);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, buf);
	err = kunit_add_action_or_reset(test, premap_test_release, buf);
	KUNIT_ASSERT_EQ(test, err, 0);
	KUNIT_EXPECT_EQ(test, buf->first_off, HEAD_OFF);
	KUNIT_EXPECT_EQ(test, buf->len, OBUF_LEN);
	return buf;
}

/* blk_premap_buf_create() of @bv must refuse the layout with -EINVAL */
static void premap_test_bad(struct kunit *test, const struct bio_vec *bv,
			    unsigned int nr, unsigned int shift, u64 len,
			    const char *what)
{
	struct blk_premap_buf *buf = blk_premap_buf_create(bv, nr, shift, len);

	KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(buf), -EINVAL, "%s", what);
	if (!IS_ERR_OR_NULL(buf))
		blk_premap_buf_release(buf);
}

/* handles are made only for layouts whose offsets follow from indices */
static void premap_buf_layout(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio_vec bv[NR_BVECS];
	struct blk_premap_buf *buf;

	premap_test_offset_buf(test);

	/* a single chunk is fine */
	buf = blk_premap_buf_create(t->bvec, 1, BVEC_SHIFT, BVEC_LEN);
	KUNIT_EXPECT_FALSE(test, IS_ERR_OR_NULL(buf));
	if (!IS_ERR_OR_NULL(buf))
		blk_premap_buf_release(buf);

	memcpy(bv, t->bvec, sizeof(bv));
	premap_test_bad(test, bv, NR_BVECS, BVEC_SHIFT, BUF_LEN - 1, "length");
	premap_test_bad(test, bv, NR_BVECS, PAGE_SHIFT, BUF_LEN,
			"bvecs longer than their chunks");
	premap_test_bad(test, bv, NR_BVECS, PAGE_SHIFT - 1, BUF_LEN,
			"shift below PAGE_SHIFT");
	premap_test_bad(test, bv, NR_BVECS, 32, BUF_LEN, "shift 32");
	premap_test_bad(test, bv, 0, BVEC_SHIFT, 0, "no bvec");
	bv[1].bv_offset = 512;
	bv[1].bv_len -= 512;
	premap_test_bad(test, bv, NR_BVECS, BVEC_SHIFT, BUF_LEN - 512,
			"later bvec at an offset");
	memcpy(bv, t->bvec, sizeof(bv));
	bv[2].bv_len -= 512;
	premap_test_bad(test, bv, NR_BVECS, BVEC_SHIFT, BUF_LEN - 512,
			"short middle bvec");
	memcpy(bv, t->bvec, sizeof(bv));
	bv[0].bv_offset = 512;
	premap_test_bad(test, bv, NR_BVECS, BVEC_SHIFT, BUF_LEN,
			"first bvec crosses its chunk");
	memcpy(bv, t->bvec, sizeof(bv));
	bv[3].bv_len = 0;
	premap_test_bad(test, bv, NR_BVECS, BVEC_SHIFT, BUF_LEN - BVEC_LEN,
			"empty bvec");
}

static void premap_test_put_last(struct kunit *test)
{
	struct premap_test *t = test->priv;

	bio_put(t->bios[--t->nr_bios]);
}

/*
 * blk_premap_bio_off() gives the byte offset of a bio's data in its buffer
 * for every position and length, also after the bio was split or advanced.
 */
static void premap_bio_off(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct blk_premap_buf *buf;
	u64 off, got;

	buf = premap_test_offset_buf(test);

	for (off = 0; off < OBUF_LEN; off += SECTOR_SIZE) {
		unsigned int len = OBUF_LEN - off;
		struct bio *bio, *split;

		bio = premap_test_iter_bio(test, buf->bvec, buf->nr_bvecs, buf->len,
					   buf, off, len);
		KUNIT_ASSERT_TRUE(test, blk_premap_bio_off(buf, bio, &got));
		KUNIT_EXPECT_EQ_MSG(test, got, off, "off %llu", off);

		if (len > SECTOR_SIZE) {
			unsigned int front = round_down(len / 2, SECTOR_SIZE);

			split = bio_split(bio, front >> SECTOR_SHIFT,
					  GFP_KERNEL, &t->bs);
			premap_test_track(test, split);
			KUNIT_EXPECT_TRUE(test, blk_premap_bio_off(buf, split,
								   &got));
			KUNIT_EXPECT_EQ_MSG(test, got, off, "split off %llu",
					    off);
			KUNIT_EXPECT_TRUE(test, blk_premap_bio_off(buf, bio,
								   &got));
			KUNIT_EXPECT_EQ_MSG(test, got, off + front,
					    "rest off %llu", off);
			premap_test_put_last(test);
		}
		if (bio->bi_iter.bi_size > SECTOR_SIZE) {
			u64 start = off + len - bio->bi_iter.bi_size;

			bio_advance(bio, SECTOR_SIZE);
			KUNIT_EXPECT_TRUE(test, blk_premap_bio_off(buf, bio,
								   &got));
			KUNIT_EXPECT_EQ_MSG(test, got, start + SECTOR_SIZE,
					    "advanced off %llu", off);
		}
		premap_test_put_last(test);
	}
}

/* a handle next to bvecs that are not its buffer's, or past its end, misses */
static void premap_bio_off_range(struct kunit *test)
{
	struct premap_test *t = test->priv;
	const struct bio_vec *obvec, *before;
	struct blk_premap_buf *buf;
	struct bio *bio;
	u64 got = 0;

	buf = premap_test_offset_buf(test);
	obvec = buf->bvec;

	/* the whole buffer, then one byte more */
	bio = premap_test_iter_bio(test, buf->bvec, buf->nr_bvecs, buf->len, buf,
				   0, OBUF_LEN);
	KUNIT_EXPECT_TRUE(test, blk_premap_bio_off(buf, bio, &got));
	bio->bi_iter.bi_size++;
	KUNIT_EXPECT_FALSE(test, blk_premap_bio_off(buf, bio, &got));
	bio->bi_iter.bi_size = 0;
	KUNIT_EXPECT_FALSE(test, blk_premap_bio_off(buf, bio, &got));

	/* the same pages through another bvec array */
	bio = premap_test_buf_bio(test, 0, true);
	KUNIT_EXPECT_PTR_EQ(test, bio->bi_io_vec, &t->bvec[0]);
	KUNIT_EXPECT_FALSE(test, blk_premap_bio_off(buf, bio, &got));

	/*
	 * Right after and right before the array.  Just before, the index
	 * is ~0 and idx << shift wraps: a length that wraps back into the
	 * buffer is refused only because the index is checked.
	 */
	KUNIT_EXPECT_FALSE(test, blk_premap_buf_off(buf, obvec + NR_BVECS, 0,
						    SECTOR_SIZE, &got));
	before = (const struct bio_vec *)((unsigned long)obvec - sizeof(*obvec));
	KUNIT_EXPECT_FALSE(test, blk_premap_buf_off(buf, before, 0,
						    2 * BVEC_LEN, &got));
}

/*
 * The request size limit of bios on premapped buffers: the driver's
 * max_premap_hw_sectors within max_dev_sectors and the cap max_sectors
 * has (the user's max_sectors_kb, else io_opt or the default), in whole
 * logical blocks, never below max_sectors, and within what one integrity
 * buffer covers; max_sectors where the driver sets nothing larger.
 */
static void premap_limits(struct kunit *test)
{
	/* max_hw_sectors 256 (128 KiB) throughout */
	static const struct {
		unsigned int user, dev, premap_hw;	/* sectors */
		unsigned int lbs, io_opt, seg;		/* bytes */
		unsigned int metadata;			/* bytes per block */
		unsigned int max, premap;		/* expected, sectors */
	} c[] = {
		{ 0, 0, 1024, 0, 0, 0, 0, 256, 1024 },	/* 512 KiB */
		{ 128, 0, 1024, 0, 0, 0, 0, 128, 128 },	/* the user's 64 KiB */
		{ 768, 0, 1024, 0, 0, 0, 0, 256, 768 },	/* ... 384 KiB */
		{ 4096, 0, 1024, 0, 0, 0, 0, 256, 1024 },	/* ... 2 MiB */
		{ 0, 512, 1024, 0, 0, 0, 0, 256, 512 },	/* max_dev_sectors */
		{ 0, 128, 1024, 0, 0, 0, 0, 128, 128 },	/* ... below max_hw */
		/* without a user value the default cap binds, or io_opt */
		{ 0, 0, 1 << 20, 0, 0, 0, 0, 256, BLK_DEF_MAX_SECTORS_CAP },
		{ 0, 0, 1 << 20, 0, SZ_8M, 0, 0, 256, SZ_8M >> SECTOR_SHIFT },
		{ 0, 0, 1027, SZ_4K, 0, 0, 0, 256, 1024 },	/* whole blocks */
		{ 0, 0, 128, 0, 0, 0, 0, 256, 256 },	/* below max_hw */
		{ 0, 0, 0, 0, 0, 0, 0, 256, 256 },	/* not set */
		/*
		 * one integrity buffer, one segment: at most 256 KiB of
		 * data with segments of 256 KiB; 16 MiB with 64 bytes of
		 * metadata per 512-byte block in 2 MiB
		 */
		{ 0, 0, 1024, 0, 0, SZ_256K, 8, 256, 512 },
		{ 1 << 16, 0, 1 << 16, 0, 0, 0, 64, 256, SZ_16M >> SECTOR_SHIFT },
	};
	struct queue_limits lim;
	unsigned int i;

	if (PAGE_SECTORS > 256)
		kunit_skip(test, "max_hw_sectors of 128 KiB is below a page");
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		if (c[i].metadata && !IS_ENABLED(CONFIG_BLK_DEV_INTEGRITY)) {
			kunit_info(test, "case %u needs CONFIG_BLK_DEV_INTEGRITY",
				   i);
			continue;
		}
		lim = (struct queue_limits) {
			.max_hw_sectors = 256,
			.max_user_sectors = c[i].user,
			.max_dev_sectors = c[i].dev,
			.max_premap_hw_sectors = c[i].premap_hw,
			.logical_block_size = c[i].lbs,
			.io_opt = c[i].io_opt,
			.max_segment_size = c[i].seg ?: UINT_MAX,
			.integrity.metadata_size = c[i].metadata,
		};
		KUNIT_ASSERT_EQ_MSG(test, blk_validate_limits(&lim), 0,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, lim.max_sectors, c[i].max,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, lim.max_premap_sectors, c[i].premap,
				    "case %u", i);
	}
}

static struct kunit_case blk_premap_cases[] = {
	KUNIT_CASE(premap_iter_init),
	KUNIT_CASE(premap_iter_into_bio),
	KUNIT_CASE(premap_iter_without),
	KUNIT_CASE(premap_clone),
	KUNIT_CASE(premap_split),
	KUNIT_CASE(premap_advance),
	KUNIT_CASE(premap_reset),
	KUNIT_CASE(premap_init),
	KUNIT_CASE(premap_buf_layout),
	KUNIT_CASE(premap_bio_off),
	KUNIT_CASE(premap_bio_off_range),
	KUNIT_CASE(premap_limits),
	{}
};

static struct kunit_suite blk_premap_suite = {
	.name = "blk_premap",
	.init = premap_test_init,
	.exit = premap_test_exit,
	.test_cases = blk_premap_cases,
};

kunit_test_suite(blk_premap_suite);

MODULE_DESCRIPTION("KUnit tests for the premap cache");
MODULE_LICENSE("GPL");
