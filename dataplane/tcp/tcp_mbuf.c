/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tcp_mbuf — byte-range operations on mbuf chains that TCP needs and
 * DPDK's helpers (which only touch the first or last segment) do not
 * cover: cut bytes off the front or the back of any chain, and take a
 * zero-copy slice of a chain as indirect mbufs. Worker thread.
 */
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "gw_cksum.h"
#include "tcp_mbuf.h"

struct rte_mbuf *
tcp_mbuf_adj(struct rte_mbuf *m, uint32_t n)
{
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m);
	uint16_t nb_segs = m->nb_segs;

	if (n >= pkt_len) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	while (n >= m->data_len) {
		struct rte_mbuf *next = m->next;

		n -= m->data_len;
		pkt_len -= m->data_len;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
		nb_segs--;
	}
	m->data_off += (uint16_t)n;
	m->data_len -= (uint16_t)n;
	m->pkt_len = pkt_len - n;
	m->nb_segs = nb_segs;
	return m;
}

struct rte_mbuf *
tcp_mbuf_trim(struct rte_mbuf *m, uint32_t n)
{
	uint32_t keep, seen = 0;
	struct rte_mbuf *s, *rest;
	uint16_t segs = 0;

	if (n >= rte_pktmbuf_pkt_len(m)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	keep = rte_pktmbuf_pkt_len(m) - n;
	for (s = m;; s = s->next) {
		segs++;
		if (seen + s->data_len >= keep)
			break;
		seen += s->data_len;
	}
	s->data_len = (uint16_t)(keep - seen);
	rest = s->next;
	s->next = NULL;
	if (rest != NULL)
		rte_pktmbuf_free(rest);
	m->pkt_len = keep;
	m->nb_segs = segs;
	return m;
}

struct rte_mbuf *
tcp_mbuf_last(struct rte_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

struct rte_mbuf *
tcp_mbuf_slice(struct rte_mempool *pool, const struct rte_mbuf *m,
	       uint32_t off, uint32_t len)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	uint32_t total = len;
	uint16_t segs = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len > 0 && m != NULL) {
		uint32_t take = RTE_MIN((uint32_t)m->data_len - off, len);
		struct rte_mbuf *c = rte_pktmbuf_alloc(pool);

		if (c == NULL) {
			rte_pktmbuf_free(head); /* NULL-safe */
			return NULL;
		}
		rte_pktmbuf_attach(c, (struct rte_mbuf *)(uintptr_t)m);
		c->data_off = (uint16_t)(m->data_off + off);
		c->data_len = (uint16_t)take;
		c->pkt_len = take;
		if (head == NULL)
			head = c;
		else
			tail->next = c;
		tail = c;
		segs++;
		len -= take;
		off = 0;
		m = m->next;
	}
	if (head == NULL || len > 0) {
		rte_pktmbuf_free(head);
		return NULL;
	}
	head->pkt_len = total;
	head->nb_segs = segs;
	return head;
}

/*
 * One's complement sum of [off, off + len) of a chain, folded to 16 bits.
 * DPDK 22.11's rte_raw_cksum_mbuf() truncates a segment's partial sum to
 * 16 bits before byte-swapping it at odd offsets, which loses carries on
 * large segments; here each partial sum is folded first.
 */
static uint16_t
chain_sum(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t done = 0;
	uint64_t sum = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && done < len) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t part = gw_cksum_fold(gw_cksum_add(
			rte_pktmbuf_mtod_offset(m, const void *, off), n, 0));

		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
		off = 0;
		m = m->next;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t
tcp_cksum_mbuf(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip,
	       uint32_t l4_off)
{
	uint32_t l4_len = rte_be_to_cpu_16(ip->total_length) -
			  rte_ipv4_hdr_len(ip);
	uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);

	sum += chain_sum(m, l4_off, l4_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
