/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for ctrl/store, the resource API's parser: bytes →
 * JSON (a resource, a list, or a List's items) → gw_store_put() of each
 * into a copy of a seeded store → the copy's lib/config view →
 * gw_mesh_compile() → commit, or drop the copy. Checks the all-or-nothing
 * promise: a copy dropped leaves the store exactly as it was (count,
 * version, objects); a committed one holds every accepted resource with
 * its resourceVersion; and gw_store_field_pointer() on the messages (and
 * on the raw input) always terminates its output and never points
 * outside the message. Corpus: corpus/store/, dictionary: store.dict;
 * ordinary builds replay the corpus through replay_main.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gw_config.h"
#include "gw_mesh.h"
#include "gw_store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const seed[] = {
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": \"Gateway\", "
	"\"metadata\": {\"name\": \"gw\"}, \"spec\": {\"servers\": [{\"port\": "
	"{\"number\": 80, \"protocol\": \"HTTP\", \"name\": \"http\"}, "
	"\"hosts\": [\"*\"]}]}}",
	"{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": "
	"\"ServiceEntry\", \"metadata\": {\"name\": \"se\"}, \"spec\": "
	"{\"hosts\": [\"a.internal\"], \"resolution\": \"STATIC\", \"ports\": "
	"[{\"number\": 80, \"name\": \"http\"}], \"endpoints\": [{\"address\": "
	"\"198.18.0.1\"}]}}",
};

static void
check_pointer(const char *msg)
{
	char ptr[64];
	const char *rest;
	size_t len = strlen(msg);

	gw_store_field_pointer(msg, ptr, sizeof(ptr), &rest);
	if (memchr(ptr, '\0', sizeof(ptr)) == NULL || rest < msg ||
	    rest > msg + len)
		abort();
}

static struct gw_store *
seeded(void)
{
	struct gw_store_err err;
	struct gw_store *st;
	size_t i;

	if (gw_store_create(NULL, &st) != 0)
		abort();
	for (i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		json_t *o = json_loads(seed[i], 0, NULL);

		if (o == NULL || gw_store_put(st, o, GW_STORE_APPLY, NULL, NULL,
					      NULL, &err) == NULL)
			abort();
		json_decref(o);
	}
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct gw_store_entry *bad;
	struct gw_store_err serr;
	struct gw_config_err cerr;
	struct gw_store *st, *cand;
	struct gw_config *cfg = NULL;
	struct gw_mesh *mesh = NULL;
	json_t *doc, *items, *it, *before;
	char *text;
	size_t i;
	bool ok = true;

	text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_pointer(text);
	doc = json_loadb((const char *)data, size,
			 JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	free(text);
	if (doc == NULL)
		return 0;
	items = json_is_array(doc) ? doc : json_object_get(doc, "items");
	st = seeded();
	before = json_array();
	for (i = 0; i < st->n; i++)
		json_array_append_new(before, json_deep_copy(st->e[i].obj));
	if (gw_store_clone(st, &cand) != 0)
		abort();
	if (json_is_array(items)) {
		json_array_foreach(items, i, it) {
			if (gw_store_put(cand, it, GW_STORE_APPLY, NULL, NULL,
					 NULL, &serr) == NULL) {
				check_pointer(serr.msg);
				ok = false;
				break;
			}
		}
	} else if (gw_store_put(cand, doc, GW_STORE_APPLY, NULL, NULL, NULL,
				&serr) == NULL) {
		check_pointer(serr.msg);
		ok = false;
	}
	if (ok && gw_store_config(cand, &cfg, &cerr, &bad) != 0) {
		check_pointer(cerr.msg);
		ok = false;
	}
	if (ok && gw_mesh_compile(cfg, &mesh) != 0)
		ok = false;
	for (i = 0; mesh != NULL && i < gw_mesh_diag_count(mesh); i++)
		check_pointer(gw_mesh_diag_at(mesh, i)->msg);
	if (ok) {
		uint64_t rv = cand->rv;

		gw_store_commit(st, cand);
		if (st->rv != rv)
			abort();
		for (i = 0; i < st->n; i++)
			if (st->e[i].rv == 0 || st->e[i].rv > rv)
				abort();
	} else {
		gw_store_free(cand);
		/* dropped: the store is as it was */
		if (st->n != json_array_size(before))
			abort();
		for (i = 0; i < st->n; i++)
			if (!json_equal(st->e[i].obj,
					json_array_get(before, i)))
				abort();
	}
	gw_mesh_free(mesh);
	gw_config_free(cfg);
	gw_store_free(st);
	json_decref(before);
	json_decref(doc);
	return 0;
}
