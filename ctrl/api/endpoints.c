/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /api/v1/endpoints — the operator's hand on an endpoint, as HAProxy
 * operators know it ("set server ... state drain|maint|ready", "set weight"):
 *
 *   {"address": "198.18.0.2:8080",      required
 *    "cluster": "outbound|80||a.b.svc",  optional: that cluster only
 *    "host": "a.b.svc",                  optional: that service's clusters
 *    "state": "ready" | "drain" | "maint",
 *    "weight": 1..2147483648}            at least one of state, weight
 *
 * applies to every matching cluster endpoint and answers what changed.
 * drain: no new requests, those in flight finish; maint: the same, and no
 * health checks; ready: back in service. Control thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_health.h"
#include "gw_snap.h"
#include "api_priv.h"

/* "a.b.c.d:port" → host-order address and port. */
static bool
address_parse(const char *s, uint32_t *addr, uint16_t *port)
{
	char ip[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	struct in_addr in;
	char *end;
	unsigned long p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(ip))
		return false;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	if (inet_pton(AF_INET, ip, &in) != 1)
		return false;
	p = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535)
		return false;
	*addr = ntohl(in.s_addr);
	*port = (uint16_t)p;
	return true;
}

static void
fail(struct api_reply *r, unsigned status, const char *fmt, const char *arg)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, arg);
	reply_error(r, status, msg);
}

void
api_endpoints_post(struct gw_api *api, const struct api_req *q,
		   struct api_reply *r)
{
	static const char *const known[] = {
		"address", "cluster", "host", "state", "weight", NULL,
	};
	struct gw_health *h = gw_snap_health(api->c->dp);
	const char *address = NULL, *cluster = NULL, *host = NULL;
	const char *state = NULL, *key;
	enum gw_health_admin admin = GW_HEALTH_ADMIN_KEEP;
	json_t *doc, *v, *changed;
	json_int_t weight = 0;
	json_error_t jerr;
	uint32_t addr, ci, k, n;
	uint16_t port;
	size_t i;

	doc = json_loadb(q->body, q->len, JSON_REJECT_DUPLICATES, &jerr);
	if (doc == NULL) {
		fail(r, MHD_HTTP_BAD_REQUEST, "body is not JSON: %s", jerr.text);
		return;
	}
	if (!json_is_object(doc)) {
		json_decref(doc);
		reply_error(r, MHD_HTTP_BAD_REQUEST,
			    "body: expected a JSON object");
		return;
	}
	json_object_foreach(doc, key, v) {
		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		if (known[i] == NULL) {
			fail(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
			     "/%s: unknown field (address, cluster, host, "
			     "state, weight)", key);
			goto out;
		}
		if (strcmp(key, "weight") == 0) {
			if (!json_is_integer(v) || json_integer_value(v) < 1 ||
			    json_integer_value(v) > (json_int_t)GW_LB_WEIGHT_MAX) {
				reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
					    "/weight: expected an integer in "
					    "1..2147483648");
				goto out;
			}
			weight = json_integer_value(v);
			continue;
		}
		if (!json_is_string(v)) {
			fail(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
			     "/%s: expected a string", key);
			goto out;
		}
		if (strcmp(key, "address") == 0)
			address = json_string_value(v);
		else if (strcmp(key, "cluster") == 0)
			cluster = json_string_value(v);
		else if (strcmp(key, "host") == 0)
			host = json_string_value(v);
		else
			state = json_string_value(v);
	}
	if (address == NULL || !address_parse(address, &addr, &port)) {
		reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
			    "/address: expected \"a.b.c.d:port\"");
		goto out;
	}
	if (state != NULL) {
		if (strcmp(state, "ready") == 0)
			admin = GW_HEALTH_ADMIN_READY;
		else if (strcmp(state, "drain") == 0)
			admin = GW_HEALTH_ADMIN_DRAIN;
		else if (strcmp(state, "maint") == 0)
			admin = GW_HEALTH_ADMIN_MAINT;
		else {
			reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
				    "/state: expected ready, drain or maint");
			goto out;
		}
	}
	if (admin == GW_HEALTH_ADMIN_KEEP && weight == 0) {
		reply_error(r, MHD_HTTP_UNPROCESSABLE_CONTENT,
			    "nothing to change: give state or weight");
		goto out;
	}
	changed = json_array();
	if (changed == NULL) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		goto out;
	}
	n = gw_health_cluster_count(h);
	for (ci = 0; ci < n; ci++) {
		struct gw_health_cluster *c = gw_health_cluster_get(h, ci);
		const struct gw_mesh_cluster *mc = c->mc;

		if ((cluster != NULL && strcmp(cluster, mc->name) != 0) ||
		    (host != NULL && strcmp(host, mc->host) != 0))
			continue;
		for (k = 0; k < c->n; k++) {
			int rc;

			if (mc->endpoints[k].addr != addr ||
			    mc->endpoints[k].port != port)
				continue;
			rc = gw_health_endpoint_set(h, ci, k, admin,
						    (uint32_t)weight);
			if (rc < 0) {
				json_decref(changed);
				fail(r, status_of_errno(rc), "cluster %s: the "
				     "change failed", mc->name);
				goto out;
			}
			json_array_append_new(changed, json_pack(
				"{s:s, s:s, s:s, s:I}", "cluster", mc->name,
				"address", address, "admin_state",
				(c->eps[k].flags & GW_HEALTH_F_MAINT) ?
				"maint" : (c->eps[k].flags & GW_HEALTH_F_DRAIN) ?
				"drain" : "ready",
				"weight", (json_int_t)c->eps[k].weight));
		}
	}
	if (json_array_size(changed) == 0) {
		json_decref(changed);
		fail(r, MHD_HTTP_NOT_FOUND, "no cluster endpoint %s matches",
		     address);
		goto out;
	}
	reply_json(r, MHD_HTTP_OK, json_pack("{s:o}", "changed", changed));
out:
	json_decref(doc);
}
