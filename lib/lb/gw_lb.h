/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/lb — load-balancing algorithms for the L7 proxy: smooth weighted
 * round robin, least request (power of two choices), weighted random, ring
 * hash and Maglev, the algorithms of Istio's DestinationRule
 * loadBalancer.simple and loadBalancer.consistentHash.
 *
 * Object model. A struct gw_lb is built for one endpoint set on the
 * control thread (gw_lb_create(), gw_lb_update()) and is immutable once
 * published in a config snapshot: many workers read it at once, with no
 * lock. What a pick mutates (round-robin position, the random generator)
 * lives in per-worker state that the caller owns and sizes with
 * gw_lb_state_size(). Health is not stored here: every pick is given the
 * current availability bitmap, so ejecting or draining an endpoint never
 * rebuilds anything.
 *
 * Entry points: gw_lb_create() / gw_lb_update() / gw_lb_free() (control
 * thread only; they allocate); gw_lb_state_init() (the owning worker, or
 * control before handing the state over); gw_lb_pick() and gw_lb_hash()
 * (any worker, per request: no allocation, lock, syscall or unbounded
 * loop).
 *
 * Determinism: given the same endpoint set, the same seed and the same
 * sequence of pick contexts, picks repeat exactly, on any host.
 *
 * Pure C11, no DPDK, never logs.
 */
#ifndef GW_LB_H
#define GW_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most endpoints per balancer: Maglev stores an index in 16 bits. */
#define GW_LB_ENDPOINTS_MAX 65535u
/** Largest endpoint weight, as Istio allows (2^31). */
#define GW_LB_WEIGHT_MAX (UINT32_C(1) << 31)
/** Default ring hash minimum ring size (Istio and Envoy: 1024 points). */
#define GW_LB_RING_SIZE_MIN_DEFAULT 1024u
/** Ring hash ring size cap (Envoy's default maximum): 8M points take
 * 80 MB, plus 128 MB while the ring is built. */
#define GW_LB_RING_SIZE_MAX (UINT32_C(8) << 20)
/** Default Maglev table size, Envoy's: a prime; the Maglev paper's
 * M > 100 n keeps shares within 1 % for up to 655 endpoints. */
#define GW_LB_MAGLEV_SIZE_DEFAULT 65537u
/** Largest Maglev table size accepted: a prime near 5M (10 MB table). */
#define GW_LB_MAGLEV_SIZE_MAX 5000011u

/** uint64_t words of an availability bitmap for n endpoints. */
#define GW_LB_AVAIL_WORDS(n) (((size_t)(n) + 63) / 64)

/** Algorithms; Istio's names are returned by gw_lb_algo_name(). */
enum gw_lb_algo {
	GW_LB_ROUND_ROBIN,   /**< smooth weighted round robin (nginx) */
	GW_LB_LEAST_REQUEST, /**< power of two choices, weighted */
	GW_LB_RANDOM,        /**< weighted random */
	GW_LB_RING_HASH,     /**< Ketama-style consistent hash ring */
	GW_LB_MAGLEV,        /**< Maglev consistent hash table */
	GW_LB_ALGO_COUNT
};

/** What a consistent-hash policy hashes (Istio consistentHash). */
enum gw_lb_hash_on {
	GW_LB_HASH_ON_NONE,        /**< no policy: hash algorithms pick at random */
	GW_LB_HASH_ON_HEADER,      /**< httpHeaderName */
	GW_LB_HASH_ON_COOKIE,      /**< httpCookie */
	GW_LB_HASH_ON_SOURCE_IP,   /**< useSourceIp */
	GW_LB_HASH_ON_QUERY_PARAM, /**< httpQueryParameterName */
};

/**
 * Istio's consistentHash key selector, kept for the proxy to read through
 * gw_lb_hash_policy(); the balancer itself only sees the resulting hash.
 * Extracting the key, hashing it (gw_lb_hash()) and, for a cookie policy
 * with cookie_generate set, generating and setting the cookie when the
 * request lacks it are the proxy's job.
 */
struct gw_lb_hash_policy {
	enum gw_lb_hash_on on;
	/* header, cookie or query parameter name; NUL-terminated; required
	 * for HEADER, COOKIE and QUERY_PARAM, ignored otherwise */
	const char *name;
	const char *cookie_path; /* COOKIE: Path of a generated cookie; may
				  * be NULL */
	bool cookie_generate;    /* COOKIE: Istio ttl present; the proxy
				  * generates the cookie when absent */
	uint64_t cookie_ttl_ms;  /* COOKIE: generated cookie lifetime, ms;
				  * 0 = session cookie */
};

/** Balancer configuration (DestinationRule loadBalancer). */
struct gw_lb_conf {
	enum gw_lb_algo algo;
	uint32_t ring_size_min;    /* RING_HASH: points, 0 = default 1024;
				    * at most GW_LB_RING_SIZE_MAX */
	uint32_t maglev_size;      /* MAGLEV: table entries, a prime; 0 =
				    * default 65537; at least the endpoint
				    * count, at most GW_LB_MAGLEV_SIZE_MAX */
	struct gw_lb_hash_policy hash; /* strings copied by gw_lb_create() */
};

/** One endpoint, as given to gw_lb_create() and gw_lb_update(). */
struct gw_lb_endpoint {
	/* stable identity, e.g. gw_lb_hash() of "10.0.0.7:8080"; places the
	 * endpoint's ring points and Maglev permutation, so that they do not
	 * move when other endpoints come or go. Distinct within a set. */
	uint64_t id;
	uint32_t weight; /* relative share, 1..GW_LB_WEIGHT_MAX */
};

/** Per-request input of gw_lb_pick(); every pointer is borrowed. */
struct gw_lb_pick_ctx {
	/* bit i (word i / 64, bit i % 64) set: endpoint i is healthy, not
	 * outlier-ejected and not draining; bits >= n are ignored. NULL: all
	 * available, which is also how the caller applies Envoy's panic
	 * threshold. */
	const uint64_t *avail;
	/* active requests per endpoint, n entries; LEAST_REQUEST only, NULL
	 * = all idle */
	const uint32_t *active;
	uint64_t hash;  /* RING_HASH, MAGLEV: the request's key hash */
	bool has_hash;  /* false: the request lacks the key (or no policy is
			 * configured); pick at random, as Envoy does */
};

/** A balancer: opaque, immutable between create/update and free. */
struct gw_lb;

/**
 * Build a balancer for an endpoint set. Control thread only; allocates.
 *
 * Endpoint i of eps is endpoint index i in every pick result and in the
 * availability bitmap.
 *
 * @param conf
 *   Configuration, borrowed for the call (hash policy strings are copied).
 * @param eps
 *   n endpoints, borrowed for the call.
 * @param n
 *   1..GW_LB_ENDPOINTS_MAX. An empty cluster is the caller's case to
 *   handle: it has nothing to balance.
 * @param out
 *   Receives the balancer, owned by the caller (gw_lb_free()); untouched
 *   on failure.
 * @return
 *   0; -EINVAL for an invalid conf or endpoint set (unknown algorithm,
 *   n out of range, a weight of 0 or above GW_LB_WEIGHT_MAX, duplicate
 *   ids, a ring size above the cap, a Maglev size that is not a prime or
 *   is out of range, a hash policy without its name); -ENOMEM.
 */
int gw_lb_create(const struct gw_lb_conf *conf,
		 const struct gw_lb_endpoint *eps, uint32_t n,
		 struct gw_lb **out);

/**
 * Rebuild a balancer in place for a new endpoint set (same conf). Control
 * thread only, and only on a balancer no worker can see yet (one built for
 * the next snapshot, never a published one). Per-worker states initialised
 * for it before the update are invalid afterwards: gw_lb_state_size() may
 * have changed and gw_lb_state_init() must run again.
 *
 * @param lb
 *   The balancer.
 * @param eps
 *   n endpoints, borrowed for the call; same rules as gw_lb_create().
 * @param n
 *   1..GW_LB_ENDPOINTS_MAX.
 * @return
 *   0; -EINVAL or -ENOMEM, in which case lb is unchanged.
 */
int gw_lb_update(struct gw_lb *lb, const struct gw_lb_endpoint *eps,
		 uint32_t n);

/**
 * Free a balancer. Control thread only, once no worker can read it (after
 * the snapshot holding it is retired). NULL is a no-op.
 */
void gw_lb_free(struct gw_lb *lb);

/**
 * @return Bytes of per-worker pick state lb needs: a few words, plus 8
 *   bytes per endpoint for weighted round robin.
 */
size_t gw_lb_state_size(const struct gw_lb *lb);

/**
 * @return Bytes enough for the pick state of any balancer of n endpoints
 *   (whatever the algorithm and weights): what a worker allocates when the
 *   balancer it picks from may be replaced by one with other weights.
 */
size_t gw_lb_state_size_max(uint32_t n);

/**
 * Initialise per-worker pick state for lb. No allocation.
 *
 * @param lb
 *   The balancer; the state is valid for it until it is updated or freed.
 * @param state
 *   gw_lb_state_size(lb) bytes, 8-byte aligned, owned by one worker.
 * @param seed
 *   Seeds the random generator; for round robin, seed % n is also the
 *   first endpoint tried on ties, so workers seeded with their index do
 *   not all start on endpoint 0. Same seed, same picks.
 */
void gw_lb_state_init(const struct gw_lb *lb, void *state, uint64_t seed);

/**
 * Pick an endpoint for one request. Any worker, concurrently with others
 * on the same lb, each with its own state. No allocation, lock or syscall;
 * bounded time: O(1) expected for RANDOM, LEAST_REQUEST and round robin
 * with equal weights, O(n) for weighted round robin, O(log ring) for ring
 * hash, O(1) for Maglev; an O(n) scan is the bounded fallback when most
 * endpoints are unavailable.
 *
 * Hash algorithms map ctx->hash to an endpoint; when it is unavailable
 * they walk forward (ring clockwise, Maglev table forward) to the next
 * available one, so only the keys of unavailable endpoints move.
 *
 * @param lb
 *   The balancer.
 * @param state
 *   This worker's state, initialised for lb.
 * @param ctx
 *   Request input, borrowed for the call; NULL = all available, no
 *   active counts, no hash.
 * @return
 *   The endpoint index (0..n-1), or -EHOSTUNREACH when no endpoint is
 *   available.
 */
int gw_lb_pick(const struct gw_lb *lb, void *state,
	       const struct gw_lb_pick_ctx *ctx);

/**
 * Hash a request key (header value, cookie value, query parameter value,
 * source address bytes) or an endpoint identity for the balancer:
 * SipHash-2-4 (lib/hash) under a fixed public key, so equal keys hash
 * equally in every process and across restarts. Not secret: a client can
 * choose keys that land on one endpoint, as with any consistent hash.
 * Any thread; pure.
 *
 * @param key
 *   Bytes to hash; may be NULL when len is 0.
 * @param len
 *   Length in bytes.
 * @return
 *   A 64-bit hash.
 */
uint64_t gw_lb_hash(const void *key, size_t len);

/** @return The endpoint count of lb. */
uint32_t gw_lb_count(const struct gw_lb *lb);

/** @return lb's algorithm. */
enum gw_lb_algo gw_lb_algo(const struct gw_lb *lb);

/**
 * @return lb's hash policy, with strings owned by lb and valid until
 *   gw_lb_free(lb).
 */
const struct gw_lb_hash_policy *gw_lb_hash_policy(const struct gw_lb *lb);

/**
 * @return Istio's name of an algorithm ("ROUND_ROBIN", "LEAST_REQUEST",
 *   "RANDOM", "RING_HASH", "MAGLEV"), or NULL when out of range.
 */
const char *gw_lb_algo_name(enum gw_lb_algo algo);

/**
 * Map Istio's name of an algorithm to the enum (for the config loader).
 *
 * @param name
 *   NUL-terminated name, case-sensitive, as in gw_lb_algo_name().
 * @param algo
 *   Receives the algorithm; untouched on failure.
 * @return
 *   0, or -EINVAL for an unknown name.
 */
int gw_lb_algo_parse(const char *name, enum gw_lb_algo *algo);

#endif /* GW_LB_H */
