/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation failures in lib/lb: the test executable is linked with
 * --wrap for malloc, calloc, aligned_alloc and free, so every allocation
 * the library makes can be failed in turn. Each failure must come back as
 * -ENOMEM with nothing leaked and, for gw_lb_update(), the balancer
 * unchanged.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gw_lb.h"
#include "lb_test.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t nmemb, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
void __real_free(void *p);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t nmemb, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
void __wrap_free(void *p);

static long live;      /* blocks allocated through the wrappers, not freed */
static int fail_in;    /* fail the fail_in-th allocation from now; 0: none */

static bool
fail_now(void)
{
	return fail_in > 0 && --fail_in == 0;
}

static void *
counted(void *p)
{
	if (p != NULL)
		live++;
	return p;
}

void *
__wrap_malloc(size_t size)
{
	return fail_now() ? NULL : counted(__real_malloc(size));
}

void *
__wrap_calloc(size_t nmemb, size_t size)
{
	return fail_now() ? NULL : counted(__real_calloc(nmemb, size));
}

void *
__wrap_aligned_alloc(size_t align, size_t size)
{
	return fail_now() ? NULL : counted(__real_aligned_alloc(align, size));
}

void
__wrap_free(void *p)
{
	if (p != NULL)
		live--;
	__real_free(p);
}

static const struct gw_lb_conf nomem_confs[] = {
	{ .algo = GW_LB_ROUND_ROBIN },
	{ .algo = GW_LB_LEAST_REQUEST },
	{ .algo = GW_LB_RANDOM },
	{ .algo = GW_LB_RING_HASH, .hash = { .on = GW_LB_HASH_ON_COOKIE,
		.name = "sid", .cookie_path = "/" } },
	{ .algo = GW_LB_MAGLEV, .maglev_size = 1009,
	  .hash = { .on = GW_LB_HASH_ON_HEADER, .name = "x-user" } },
};

void
test_nomem(void **state)
{
	struct gw_lb_endpoint eps[5];
	struct gw_lb *lb;
	unsigned c, i, k;
	long before;
	int rc, x[64];

	(void)state;
	for (i = 0; i < 5; i++) {
		eps[i].id = ep_id(i);
		eps[i].weight = i + 1;
	}
	for (c = 0; c < sizeof(nomem_confs) / sizeof(nomem_confs[0]); c++) {
		/* create: fail the 1st, 2nd, ... allocation until it works */
		for (k = 1;; k++) {
			before = live;
			lb = NULL;
			fail_in = (int)k;
			rc = gw_lb_create(&nomem_confs[c], eps, 3, &lb);
			fail_in = 0;
			if (rc == 0)
				break;
			assert_int_equal(rc, -ENOMEM);
			assert_null(lb);
			assert_int_equal(live, before);
		}
		assert_true(k > 1);
		/* update: each failure leaves the 3-endpoint balancer as is */
		{
			struct fix f = { .lb = lb, .st = NULL };

			fix_reinit(&f, 8);
			for (i = 0; i < 64; i++) {
				struct gw_lb_pick_ctx ctx = {
					.hash = key_hash(i), .has_hash = true
				};

				x[i] = gw_lb_pick(f.lb, f.st, &ctx);
			}
			for (k = 1;; k++) {
				before = live;
				fail_in = (int)k;
				rc = gw_lb_update(f.lb, eps, 5);
				fail_in = 0;
				if (rc == 0)
					break;
				assert_int_equal(rc, -ENOMEM);
				assert_int_equal(live, before);
				assert_int_equal(gw_lb_count(f.lb), 3);
				gw_lb_state_init(f.lb, f.st, 8);
				for (i = 0; i < 64; i++) {
					struct gw_lb_pick_ctx ctx = {
						.hash = key_hash(i),
						.has_hash = true
					};

					assert_int_equal(gw_lb_pick(f.lb, f.st,
								    &ctx),
							 x[i]);
				}
			}
			assert_true(k > 1);
			assert_int_equal(gw_lb_count(f.lb), 5);
			fix_free(&f);
		}
	}
	assert_int_equal(live, 0);
}
