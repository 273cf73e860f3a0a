/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctrl/api private: the server struct, what a handler is given and what
 * it hands back, and the reply helpers the handler files share.
 */
#ifndef API_PRIV_H
#define API_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>
#include <microhttpd.h>

#include "gw_ctrl.h"

/* Largest request body kept (bigger ones get 413, read and dropped). */
#define API_BODY_MAX (1024 * 1024)

struct gw_api {
	struct gw_ctrl *c;
	struct MHD_Daemon *d;
	int fd;
};

/* A request as a handler sees it; body is NUL-terminated ("" if none). */
struct api_req {
	struct MHD_Connection *conn;
	const char *method;
	const char *body;
	size_t len;
};

/* What a handler hands back: a status and a malloc'd body (may be NULL). */
struct api_reply {
	unsigned status;
	const char *content_type;
	char *body;
	size_t len;
};

/* A JSON reply; doc's reference is consumed (NULL: 500). */
void reply_json(struct api_reply *r, unsigned status, json_t *doc);
/* {"error": msg, "status": status} */
void reply_error(struct api_reply *r, unsigned status, const char *msg);
/* -errno -> HTTP status, in one place. */
unsigned status_of_errno(int err);

/* endpoints.c: POST /api/v1/endpoints */
void api_endpoints_post(struct gw_api *api, const struct api_req *q,
			struct api_reply *r);

/* resources.c: /apis/... (the resource API); allow set on a 405 */
void api_resources(struct gw_api *api, const struct api_req *q,
		   const char *url, struct api_reply *r, const char **allow);

#endif /* API_PRIV_H */
