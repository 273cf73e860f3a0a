/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Certificate rotation: the files an HTTPS server or a DestinationRule's
 * tls uses (certificates, keys, CAs, CRLs, OCSP responses; a mounted
 * Secret is replaced by Kubernetes through its ..data link) are compared
 * with the bytes the running configuration was built from every
 * GW_CERTS_CHECK_MS. When one changed, the configuration is rebuilt from
 * the store as it is, with every Gateway and DestinationRule counted as
 * touched: new handshakes use the new files, connections already open
 * keep theirs. A rebuild that finds an error (a new key that does not
 * match, an expired certificate) is refused and logged, the running
 * configuration stays, and the same files are not tried again until
 * they change once more. Control thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "gw_ctrl.h"
#include "gw_hash.h"
#include "gw_store.h"

#define GW_CERTS_CHECK_MS 2000
#define CERT_FILE_MAX (1024 * 1024)

/* Whether path still holds exactly b's bytes; *sig gets them mixed in
 * (what was found, changed or not). */
static bool
blob_same(const struct gw_mesh_blob *b, uint64_t *sig)
{
	static uint8_t buf[CERT_FILE_MAX + 1];
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd;

	if (b->data == NULL || b->path == NULL)
		return true;
	fd = open(b->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		*sig = gw_hash_siphash24(&(struct gw_hash_key){ *sig, 1 },
				  b->path, strlen(b->path));
		return false;
	}
	while (got < sizeof(buf) &&
	       (n = read(fd, buf + got, sizeof(buf) - got)) > 0)
		got += (size_t)n;
	close(fd);
	*sig = gw_hash_siphash24(&(struct gw_hash_key){ *sig, 2 },
				 buf, got);
	return got == b->len && memcmp(buf, b->data, got) == 0;
}

/* Every file of the mesh's HTTPS servers and TLS clusters unchanged? */
static bool
files_same(const struct gw_mesh *mesh, uint64_t *sig)
{
	bool same = true;
	size_t i;
	uint32_t k, j;

	*sig = 0;
	for (i = 0; mesh != NULL && i < gw_mesh_listener_count(mesh); i++) {
		const struct gw_mesh_listener *l = gw_mesh_listener_at(mesh, i);

		for (k = 0; k < l->n_tls; k++) {
			const struct gw_mesh_tls_server *s = &l->tls[k];

			for (j = 0; j < s->n_certs; j++) {
				same &= blob_same(&s->certs[j].cert, sig);
				same &= blob_same(&s->certs[j].key, sig);
				same &= blob_same(&s->certs[j].ocsp, sig);
			}
			same &= blob_same(&s->ca, sig);
			same &= blob_same(&s->crl, sig);
		}
	}
	for (i = 0; mesh != NULL && i < gw_mesh_cluster_count(mesh); i++) {
		const struct gw_mesh_tls_client *t =
			gw_mesh_cluster_at(mesh, i)->tls;

		if (t == NULL)
			continue;
		same &= blob_same(&t->cert.cert, sig);
		same &= blob_same(&t->cert.key, sig);
		same &= blob_same(&t->ca, sig);
		same &= blob_same(&t->crl, sig);
	}
	return same;
}

void
gw_ctrl_certs_tick(struct gw_ctrl *c)
{
	struct gw_store *cand;
	json_t *body = NULL;
	uint64_t now = gw_ctrl_now_ns(), sig;
	size_t i;
	unsigned code;

	if (now < c->certs_next_ns || c->mesh == NULL || c->store == NULL)
		return;
	c->certs_next_ns = now + GW_CERTS_CHECK_MS * 1000000ull;
	if (files_same(c->mesh, &sig) || sig == c->certs_refused_sig)
		return;
	if (gw_store_clone(c->store, &cand) < 0)
		return;
	for (i = 0; i < cand->n; i++)
		cand->e[i].touched =
			strcmp(cand->e[i].kind, "Gateway") == 0 ||
			strcmp(cand->e[i].kind, "DestinationRule") == 0;
	code = gw_ctrl_apply(c, cand, &body);
	if (code == 200) {
		c->certs_reloads++;
		c->certs_refused_sig = 0;
		GW_CTRL_LOG(NOTICE, "certificate files changed: new handshakes "
			    "use them\n");
	} else {
		const char *msg = json_string_value(json_object_get(body,
							    "message"));

		c->certs_refused++;
		c->certs_refused_sig = sig;
		GW_CTRL_LOG(ERR, "certificate files changed, but the new ones "
			    "are refused (the running ones stay): %s\n",
			    msg != NULL ? msg : "?");
	}
	json_decref(body);
}
