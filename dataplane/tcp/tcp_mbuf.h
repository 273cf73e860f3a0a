/* SPDX-License-Identifier: Apache-2.0 */
/* Private to dataplane/tcp: byte ranges of mbuf chains (see tcp_mbuf.c). */
#ifndef TCP_MBUF_H
#define TCP_MBUF_H

#include <stdint.h>

#include <rte_mbuf.h>

/**
 * Remove n bytes from the front of a chain (consumed), freeing segments
 * that become empty. @return the new head, or NULL if nothing is left.
 */
struct rte_mbuf *tcp_mbuf_adj(struct rte_mbuf *m, uint32_t n);

/** Remove n bytes from the end of a chain. @return m, or NULL if empty. */
struct rte_mbuf *tcp_mbuf_trim(struct rte_mbuf *m, uint32_t n);

/** The last segment of a chain. */
struct rte_mbuf *tcp_mbuf_last(struct rte_mbuf *m);

/**
 * Bytes [off, off + len) of a chain (borrowed, left as it is) as a new
 * chain of indirect mbufs from pool: no payload is copied.
 * @return the slice, or NULL if the pool is empty or the range is outside.
 */
struct rte_mbuf *tcp_mbuf_slice(struct rte_mempool *pool,
				const struct rte_mbuf *m, uint32_t off,
				uint32_t len);

struct rte_ipv4_hdr;

/**
 * One's complement sum of the IPv4 pseudo header and the L4 bytes that
 * start at l4_off of the chain (not complemented): a segment whose
 * checksum field is right sums to 0xffff; to fill the field, zero it and
 * store the complement of this.
 */
uint16_t tcp_cksum_mbuf(const struct rte_mbuf *m,
			const struct rte_ipv4_hdr *ip, uint32_t l4_off);

#endif /* TCP_MBUF_H */
