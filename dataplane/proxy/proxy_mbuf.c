/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proxy byte queues: mbuf chains that bytes enter at the tail (as TCP
 * delivers them) and leave at the head (as the peer's TCP takes them),
 * and the moves between a queue and a connection.
 * Splitting inside a segment attaches a second mbuf to the same buffer
 * (no copy). Worker thread; no allocation but mbufs.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include <rte_mbuf.h>

#include "proxy_priv.h"

static struct rte_mbuf *
last_seg(struct rte_mbuf *m)
{
	while (m->next != NULL)
		m = m->next;
	return m;
}

static uint32_t
chain_bytes(const struct rte_mbuf *m)
{
	uint32_t n = 0;

	for (; m != NULL; m = m->next)
		n += m->data_len;
	return n;
}

/* pkt_len and nb_segs of a chain's head, as gw_tcp_send() reads them. */
static void
chain_fix(struct rte_mbuf *m)
{
	struct rte_mbuf *s;
	uint32_t len = 0;
	uint16_t n = 0;

	for (s = m; s != NULL; s = s->next) {
		len += s->data_len;
		n++;
	}
	m->pkt_len = len;
	m->nb_segs = n;
}

void
chain_append(struct chain *c, struct rte_mbuf *m)
{
	uint32_t n = chain_bytes(m);

	if (c->head == NULL)
		c->head = m;
	else
		c->tail->next = m;
	c->tail = last_seg(m);
	c->len += n;
}

void
chain_join(struct chain *c, struct chain *b)
{
	if (b->head == NULL)
		return;
	if (c->head == NULL)
		c->head = b->head;
	else
		c->tail->next = b->head;
	c->tail = b->tail;
	c->len += b->len;
	*b = (struct chain){ NULL, NULL, 0 };
}

void
chain_prepend(struct chain *c, struct rte_mbuf *m)
{
	struct rte_mbuf *last = last_seg(m);
	uint32_t n = chain_bytes(m);

	if (c->head == NULL)
		c->tail = last;
	last->next = c->head;
	c->head = m;
	c->len += n;
}

struct rte_mbuf *
chain_split(struct chain *c, uint32_t n, struct rte_mempool *pool)
{
	struct rte_mbuf *first = c->head, *seg = c->head, *prev = NULL;
	struct rte_mbuf *rest;
	uint32_t off = 0;

	if (n == 0 || c->head == NULL)
		return NULL;
	if (n >= c->len) {
		c->head = c->tail = NULL;
		c->len = 0;
		chain_fix(first);
		return first;
	}
	while (off + seg->data_len <= n) {
		off += seg->data_len;
		prev = seg;
		seg = seg->next;
	}
	if (off == n) {
		/* the cut falls between segments */
		prev->next = NULL;
		c->head = seg;
	} else {
		/* inside seg: a second mbuf on the same buffer holds its rest */
		uint16_t cut = (uint16_t)(n - off);

		rest = rte_pktmbuf_alloc(pool);
		if (rest == NULL)
			return NULL;
		rte_pktmbuf_attach(rest, seg);
		rest->data_off = (uint16_t)(seg->data_off + cut);
		rest->data_len = (uint16_t)(seg->data_len - cut);
		rest->next = seg->next;
		seg->data_len = cut;
		seg->next = NULL;
		c->head = rest;
		if (c->tail == seg)
			c->tail = rest;
	}
	c->len -= n;
	chain_fix(first);
	return first;
}

void
chain_drop(struct chain *c, uint32_t n)
{
	while (n > 0 && c->head != NULL) {
		struct rte_mbuf *m = c->head;

		if (m->data_len <= n) {
			n -= m->data_len;
			c->len -= m->data_len;
			c->head = m->next;
			m->next = NULL;
			m->nb_segs = 1;
			rte_pktmbuf_free_seg(m);
		} else {
			m->data_off = (uint16_t)(m->data_off + n);
			m->data_len = (uint16_t)(m->data_len - n);
			c->len -= n;
			n = 0;
		}
	}
	if (c->head == NULL)
		c->tail = NULL;
}

void
chain_free(struct chain *c)
{
	struct rte_mbuf *m = c->head, *next;

	/* segment by segment: the head's nb_segs is not kept */
	for (; m != NULL; m = next) {
		next = m->next;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
	}
	c->head = c->tail = NULL;
	c->len = 0;
}

void
chain_copy(const struct chain *c, uint32_t off, uint32_t len, void *dst)
{
	const struct rte_mbuf *m = c->head;
	uint8_t *d = dst;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && len > 0) {
		uint32_t k = m->data_len - off;

		if (k > len)
			k = len;
		memcpy(d, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), k);
		d += k;
		len -= k;
		off = 0;
		m = m->next;
	}
}

const uint8_t *
chain_piece(const struct chain *c, uint32_t off, uint32_t *len)
{
	const struct rte_mbuf *m = c->head;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	if (m == NULL) {
		*len = 0;
		return NULL;
	}
	*len = m->data_len - off;
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
}

struct rte_mbuf *
chain_from_iov(struct rte_mempool *pool, const struct iovec *iov, int n)
{
	struct rte_mbuf *head = NULL, *tail = NULL;
	int i;

	for (i = 0; i < n; i++) {
		const uint8_t *src = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left > 0) {
			uint16_t room = tail != NULL ? rte_pktmbuf_tailroom(tail)
						     : 0;
			size_t k;

			if (room == 0) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

				if (m == NULL) {
					struct chain c = { head, tail, 0 };

					chain_free(&c);
					return NULL;
				}
				if (tail == NULL)
					head = m;
				else
					tail->next = m;
				tail = m;
				room = rte_pktmbuf_tailroom(m);
			}
			k = left < room ? left : room;
			memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t *,
						       tail->data_len), src, k);
			tail->data_len = (uint16_t)(tail->data_len + k);
			src += k;
			left -= k;
		}
	}
	if (head != NULL)
		chain_fix(head);
	return head;
}

/* ---- queues toward a connection ---------------------------------------- */

/*
 * Hand q to TCP as far as its send buffer allows. keep (NULL: none)
 * receives a clone of what was handed over (the data is shared, not
 * copied), for a retry to send again. -1: the connection cannot send any
 * more (the queue was dropped).
 */
int
q_flush(struct chain *q, struct gw_tcp_conn *c, struct chain *keep)
{
	while (q->len > 0) {
		uint32_t space = gw_tcp_send_space(c);
		struct rte_mbuf *m, *copy = NULL;
		int rc;

		if (space == 0)
			return 0;	/* writable() comes back */
		m = chain_split(q, space < q->len ? space : q->len,
				gw_tcp_pool(c));
		if (m == NULL)
			return 0;	/* out of mbufs: retry on the next event */
		if (keep != NULL) {
			/* cloned before TCP links m into its queue */
			copy = rte_pktmbuf_clone(m, gw_tcp_pool(c));
			if (copy == NULL) {
				chain_prepend(q, m);
				return 0;	/* retry on the next event */
			}
		}
		rc = gw_tcp_send(c, m);
		if (rc == -EAGAIN) {
			/* cannot happen after send_space(); keep the order */
			rte_pktmbuf_free(copy);
			chain_prepend(q, m);
			return 0;
		}
		if (rc < 0) {
			struct chain dead = { m, NULL, 0 };

			rte_pktmbuf_free(copy);
			chain_free(&dead);
			chain_free(q);
			return -1;
		}
		if (copy != NULL)
			chain_append(keep, copy);
	}
	return 0;
}

/*
 * Move up to n bytes from the front of `from` into q, giving the window
 * back to src for what moved. @return bytes moved.
 */
uint32_t
q_take(struct chain *q, struct chain *from, uint32_t n, struct gw_tcp_conn *src,
       struct rte_mempool *pool)
{
	uint32_t room = q->len < PROXY_QUEUE_MAX ? PROXY_QUEUE_MAX - q->len : 0;
	struct rte_mbuf *m;

	if (n > room)
		n = room;
	if (n == 0)
		return 0;
	m = chain_split(from, n, pool);
	if (m == NULL)
		return 0;
	chain_append(q, m);
	if (src != NULL)
		gw_tcp_recv_done(src, n);
	return n;
}
