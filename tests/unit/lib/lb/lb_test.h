/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the lib/lb unit tests (test_lb.c: generic part, round
 * robin, random, least request; test_lb_hash.c: ring hash and Maglev;
 * test_lb_nomem.c: allocation failures).
 */
#ifndef LB_TEST_H
#define LB_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gw_lb.h"

/* Picks per distribution measurement. */
#define PICKS 100000u

/* A balancer and one worker's state for it. */
struct fix {
	struct gw_lb *lb;
	void *st;
};

/* Identity of endpoint i: the hash of an "address:port" string, as the
 * proxy would compute it. */
uint64_t ep_id(uint32_t i);

/* Hash of request key k. */
uint64_t key_hash(uint32_t k);

/* Build conf's balancer over weights w[0..n-1] (ids ep_id(i)) and a state
 * seeded with seed; asserts success. */
void fix_make(struct fix *f, const struct gw_lb_conf *conf,
	      const uint32_t *w, uint32_t n, uint64_t seed);

/* Same with the default conf of algo. */
void fix_algo(struct fix *f, enum gw_lb_algo algo, const uint32_t *w,
	      uint32_t n, uint64_t seed);

/* Re-initialise the state after gw_lb_update(). */
void fix_reinit(struct fix *f, uint64_t seed);

void fix_free(struct fix *f);

/* Bitmap with all of n set. */
void avail_all(uint64_t *avail, uint32_t n);
void avail_clear(uint64_t *avail, uint32_t i);

/*
 * Pick PICKS times into cnt[0..n-1]; with hashed set, pick k uses
 * key_hash(k) as its hash. Every pick must succeed.
 */
void count_picks(struct fix *f, const struct gw_lb_pick_ctx *base,
		 bool hashed, uint32_t *cnt);

/*
 * Largest absolute and relative difference between the shares in cnt and
 * the weights' shares; prints them under label.
 */
void share_error(const char *label, const uint32_t *cnt, const uint32_t *w,
		 uint32_t n, double *abs_err, double *rel_err);

/* test_lb_hash.c */
void test_ring_distribution(void **state);
void test_maglev_distribution(void **state);
void test_hash_same_key(void **state);
void test_hash_unavailable_moves_only_its_keys(void **state);
void test_hash_mostly_down(void **state);
void test_hash_no_key_is_random(void **state);
void test_ring_disruption(void **state);
void test_maglev_disruption(void **state);
void test_hash_update_equals_create(void **state);

/* test_lb_nomem.c */
void test_nomem(void **state);

#endif /* LB_TEST_H */
