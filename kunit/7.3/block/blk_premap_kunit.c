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
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/blk_types.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include "blk.h"

#define NR_BVECS	4
#define BVEC_LEN	(2 * PAGE_SIZE)
#define BUF_LEN		(NR_BVECS * BVEC_LEN)

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

/* a bio without bvecs of its own, freed by premap_test_exit() */
static struct bio *premap_test_bio(struct kunit *test)
{
	struct premap_test *t = test->priv;
	struct bio *bio;

	KUNIT_ASSERT_LT(test, t->nr_bios, (int)ARRAY_SIZE(t->bios));
	bio = bio_alloc_bioset(NULL, 0, REQ_OP_READ, GFP_KERNEL, &t->bs);
	KUNIT_ASSERT_NOT_NULL(test, bio);
	t->bios[t->nr_bios++] = bio;
	return bio;
}

static void premap_test_track(struct kunit *test, struct bio *bio)
{
	struct premap_test *t = test->priv;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bio);
	KUNIT_ASSERT_LT(test, t->nr_bios, (int)ARRAY_SIZE(t->bios));
	t->bios[t->nr_bios++] = bio;
}

/*
 * A bio on the whole buffer, as block O_DIRECT, iomap and passthrough build
 * it from io_uring's iterator: @skip bytes into the buffer, handle set if
 * @with_handle.
 */
static struct bio *premap_test_buf_bio(struct kunit *test, size_t skip,
				       bool with_handle)
{
	struct premap_test *t = test->priv;
	struct iov_iter iter;
	struct bio *bio = premap_test_bio(test);

	iov_iter_bvec(&iter, ITER_DEST, t->bvec, NR_BVECS, BUF_LEN);
	if (with_handle)
		iov_iter_set_premap(&iter, t->h);
	iov_iter_advance(&iter, skip);
	KUNIT_ASSERT_EQ(test, 0, bio_iov_iter_get_pages(bio, &iter, 0, 0));
	KUNIT_EXPECT_EQ(test, iov_iter_count(&iter), 0);
	return bio;
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

static struct kunit_case blk_premap_cases[] = {
	KUNIT_CASE(premap_iter_init),
	KUNIT_CASE(premap_iter_into_bio),
	KUNIT_CASE(premap_iter_without),
	KUNIT_CASE(premap_clone),
	KUNIT_CASE(premap_split),
	KUNIT_CASE(premap_advance),
	KUNIT_CASE(premap_reset),
	KUNIT_CASE(premap_init),
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
