/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api — admin HTTP server: MHD in external-poll epoll mode, a route
 * table, bearer-token check, and the one table that maps -errno to HTTP
 * status. Control thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "gw_api.h"
#include "gw_config.h"
#include "gw_ctrl.h"
#include "gw_metrics.h"
#include "gw_stats.h"
#include "api_priv.h"

#define API_CONN_LIMIT 64     /* concurrent admin connections */
#define API_CONN_TIMEOUT_S 10 /* idle admin connections are closed */

typedef void (*api_handler_fn)(struct gw_api *api, const struct api_req *q,
			       struct api_reply *r);

struct api_route {
	const char *path;
	api_handler_fn fn;
	bool post;		/* POST with a body; else GET and HEAD */
	bool needs_token;
};

/* A request's body as it arrives (MHD's per-request context). */
struct api_upload {
	char *buf;
	size_t len;
	bool too_big;
};

void
reply_json(struct api_reply *r, unsigned status, json_t *doc)
{
	r->status = status;
	r->content_type = "application/json";
	r->body = doc != NULL ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	json_decref(doc);
	if (r->body == NULL) {
		r->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		r->body = strdup("{\"error\":\"out of memory\",\"status\":500}");
	}
	r->len = r->body != NULL ? strlen(r->body) : 0;
}

void
reply_error(struct api_reply *r, unsigned status, const char *msg)
{
	reply_json(r, status,
		   json_pack("{s:s, s:i}", "error", msg, "status", (int)status));
}

/* -errno -> HTTP status, in one place. */
unsigned
status_of_errno(int err)
{
	switch (err) {
	case -ENOENT:
		return MHD_HTTP_NOT_FOUND;
	case -EINVAL:
		return MHD_HTTP_UNPROCESSABLE_CONTENT;
	case -EACCES:
	case -EPERM:
		return MHD_HTTP_UNAUTHORIZED;
	case -EBUSY:
	case -ETIMEDOUT:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static void
reply_text(struct api_reply *r, unsigned status, const char *text)
{
	r->status = status;
	r->content_type = "text/plain; charset=utf-8";
	r->body = strdup(text);
	r->len = r->body != NULL ? strlen(r->body) : 0;
}

static void
handle_ready(struct gw_api *api, const struct api_req *q,
	     struct api_reply *r)
{
	const char *why = NULL;
	bool ok = gw_ctrl_ready(api->c, &why);
	char line[256];

	(void)q;
	snprintf(line, sizeof(line), "%s\n", ok ? "LIVE" : why);
	reply_text(r, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, line);
}

static void
handle_status(struct gw_api *api, const struct api_req *q,
	      struct api_reply *r)
{
	(void)q;
	reply_json(r, MHD_HTTP_OK, gw_stats_status_json(api->c));
}

/* Envoy's /clusters: text, or JSON with ?format=json. */
static void
handle_clusters(struct gw_api *api, const struct api_req *q,
		struct api_reply *r)
{
	const char *fmt = MHD_lookup_connection_value(q->conn,
						      MHD_GET_ARGUMENT_KIND,
						      "format");

	if (fmt != NULL && strcmp(fmt, "json") == 0) {
		reply_json(r, MHD_HTTP_OK, gw_stats_clusters_json(api->c));
		return;
	}
	if (fmt != NULL && strcmp(fmt, "text") != 0) {
		reply_error(r, MHD_HTTP_BAD_REQUEST,
			    "format: expected json or text");
		return;
	}
	r->body = gw_stats_clusters_text(api->c, &r->len);
	if (r->body == NULL) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR,
			    "out of memory");
		return;
	}
	r->status = MHD_HTTP_OK;
	r->content_type = "text/plain; charset=utf-8";
}

static void
handle_prometheus(struct gw_api *api, const struct api_req *q,
		  struct api_reply *r)
{
	struct gw_metrics_buf b;

	(void)q;
	gw_metrics_buf_init(&b);
	gw_stats_prometheus(api->c, &b);
	if (b.err != 0) {
		gw_metrics_buf_fini(&b);
		reply_error(r, status_of_errno(b.err),
			    "cannot render the metrics");
		return;
	}
	r->status = MHD_HTTP_OK;
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	r->body = b.data; /* ownership moves to the reply */
	r->len = b.len;
}

/*
 * The compiled state of each resource (lib/mesh) over the loader's, and
 * its findings as "file:line:col: severity: ..." lines.
 */
static int
config_dump_mesh(const struct gw_ctrl *c, json_t *doc)
{
	json_t *arr = json_object_get(doc, "resources");
	char line[GW_MESH_MSG_MAX + 512];
	size_t i, k;

	if (c->mesh == NULL || arr == NULL)
		return 0;
	for (i = 0; i < json_array_size(arr); i++) {
		const struct gw_config_resource *res =
			gw_config_resource_at(c->cfg, i);
		json_t *st = json_object_get(json_array_get(arr, i), "status");
		enum gw_mesh_state ms;
		json_t *f;

		if (res == NULL || st == NULL)
			continue;
		ms = gw_mesh_resource_state(c->mesh, res);
		if (ms != GW_MESH_IGNORED &&
		    json_object_set_new(st, "state",
					json_string(gw_mesh_state_name(ms))) < 0)
			return -ENOMEM;
		f = json_array();
		if (f == NULL || json_object_set_new(st, "findings", f) < 0)
			return -ENOMEM;
		for (k = 0; k < gw_mesh_diag_count(c->mesh); k++) {
			const struct gw_mesh_diag *d =
				gw_mesh_diag_at(c->mesh, k);

			if (d->res != res)
				continue;
			gw_mesh_diag_format(d, line, sizeof(line));
			if (json_array_append_new(f, json_string(line)) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static void
handle_config_dump(struct gw_api *api, const struct api_req *q,
		   struct api_reply *r)
{
	json_t *doc = gw_config_dump_json(api->c->cfg);

	(void)q;
	if (doc != NULL)
		json_object_set_new(doc, "configSource",
				    json_string(api->c->config_path));
	if (doc != NULL && config_dump_mesh(api->c, doc) < 0) {
		json_decref(doc);
		doc = NULL;
	}
	reply_json(r, MHD_HTTP_OK, doc);
}

/* Envoy's /healthcheck/fail and /healthcheck/ok: /ready answers 503
 * while failed, so a load balancer in front stops sending. */
static void
handle_hc_fail(struct gw_api *api, const struct api_req *q,
	       struct api_reply *r)
{
	(void)q;
	api->c->hc_failed = true;
	reply_text(r, MHD_HTTP_OK, "OK\n");
}

static void
handle_hc_ok(struct gw_api *api, const struct api_req *q,
	     struct api_reply *r)
{
	(void)q;
	api->c->hc_failed = false;
	reply_text(r, MHD_HTTP_OK, "OK\n");
}

static void
handle_drain(struct gw_api *api, const struct api_req *q,
	     struct api_reply *r)
{
	(void)q;
	gw_ctrl_drain(api->c);
	reply_text(r, MHD_HTTP_OK, "OK\n");
}

static void
handle_quit(struct gw_api *api, const struct api_req *q,
	    struct api_reply *r)
{
	(void)q;
	api->c->quit = true;
	reply_text(r, MHD_HTTP_OK, "OK\n");
}

/* The stats page (ui.html, compiled in): it holds no data, so it needs
 * no token; its script sends the token given as /ui#token=... */
extern const char gw_ui_html[];
extern const size_t gw_ui_html_len;

static void
handle_ui(struct gw_api *api, const struct api_req *q, struct api_reply *r)
{
	(void)api;
	(void)q;
	r->status = MHD_HTTP_OK;
	r->content_type = "text/html; charset=utf-8";
	r->body = malloc(gw_ui_html_len + 1);
	if (r->body == NULL) {
		reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	memcpy(r->body, gw_ui_html, gw_ui_html_len + 1);
	r->len = gw_ui_html_len;
}

static void
handle_ui_data(struct gw_api *api, const struct api_req *q,
	       struct api_reply *r)
{
	(void)q;
	reply_json(r, MHD_HTTP_OK, gw_stats_ui_json(api->c));
}

static const struct api_route routes[] = {
	{ "/ready", handle_ready, false, false },
	{ "/api/v1/status", handle_status, false, true },
	{ "/stats/prometheus", handle_prometheus, false, true },
	{ "/config_dump", handle_config_dump, false, true },
	{ "/clusters", handle_clusters, false, true },
	{ "/ui", handle_ui, false, false },
	{ "/ui/data", handle_ui_data, false, true },
	{ "/api/v1/endpoints", api_endpoints_post, true, true },
	{ "/healthcheck/fail", handle_hc_fail, true, true },
	{ "/healthcheck/ok", handle_hc_ok, true, true },
	{ "/drain_listeners", handle_drain, true, true },
	{ "/quitquitquit", handle_quit, true, true },
};

/* Constant-time check of "Authorization: Bearer <token>". */
static bool
token_ok(const struct gw_ctrl *c, struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	size_t want = strlen(c->token);

	if (want == 0)
		return true;
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	return strlen(h) == want && CRYPTO_memcmp(h, c->token, want) == 0;
}

static void
api_route(struct gw_api *api, const struct api_req *q, const char *url,
	  struct api_reply *r, const char **allow)
{
	size_t i;

	if (strncmp(url, "/apis/", 6) == 0) {
		if (!token_ok(api->c, q->conn)) {
			reply_error(r, MHD_HTTP_UNAUTHORIZED,
				    "missing or wrong bearer token");
			return;
		}
		api_resources(api, q, url, r, allow);
		return;
	}
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct api_route *rt = &routes[i];
		bool get = strcmp(q->method, MHD_HTTP_METHOD_GET) == 0 ||
			   strcmp(q->method, MHD_HTTP_METHOD_HEAD) == 0;

		if (strcmp(url, rt->path) != 0)
			continue;
		if (rt->post ? strcmp(q->method, MHD_HTTP_METHOD_POST) != 0 :
			       !get) {
			*allow = rt->post ? "POST" : "GET, HEAD";
			reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED,
				    rt->post ? "method not allowed; use POST" :
					       "method not allowed; use GET");
			return;
		}
		if (rt->needs_token && !token_ok(api->c, q->conn)) {
			reply_error(r, MHD_HTTP_UNAUTHORIZED,
				    "missing or wrong bearer token");
			return;
		}
		rt->fn(api, q, r);
		return;
	}
	reply_error(r, MHD_HTTP_NOT_FOUND, "no such endpoint");
}

/* MHD is done with a request: its body goes. */
static void
api_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
	      enum MHD_RequestTerminationCode toe)
{
	struct api_upload *up = *req_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (up != NULL) {
		free(up->buf);
		free(up);
	}
	*req_cls = NULL;
}

static enum MHD_Result
api_access(void *cls, struct MHD_Connection *conn, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **req_cls)
{
	struct gw_api *api = cls;
	struct api_upload *up = *req_cls;
	struct api_reply r = { 0 };
	struct api_req q = { conn, method, "", 0 };
	struct MHD_Response *resp;
	const char *allow = NULL;
	enum MHD_Result ret;

	(void)version;
	if (up == NULL) { /* headers only so far */
		up = calloc(1, sizeof(*up));
		if (up == NULL)
			return MHD_NO;
		*req_cls = up;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		/* kept up to the limit; the rest is read and dropped */
		size_t n = *upload_data_size;

		if (!up->too_big && up->len + n > API_BODY_MAX) {
			up->too_big = true;
			free(up->buf);
			up->buf = NULL;
			up->len = 0;
		}
		if (!up->too_big) {
			char *b = realloc(up->buf, up->len + n + 1);

			if (b == NULL)
				return MHD_NO;
			memcpy(b + up->len, upload_data, n);
			up->buf = b;
			up->len += n;
			b[up->len] = '\0';
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (up->too_big) {
		reply_error(&r, MHD_HTTP_CONTENT_TOO_LARGE,
			    "request body over the admin API's limit");
	} else {
		q.body = up->buf != NULL ? up->buf : "";
		q.len = up->len;
		api_route(api, &q, url, &r, &allow);
	}
	resp = MHD_create_response_from_buffer(r.len, r.body,
					       MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(r.body);
		return MHD_NO;
	}
	if (r.content_type != NULL)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					      r.content_type);
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				      "no-cache");
	if (allow != NULL)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					      allow);
	if (r.status == MHD_HTTP_UNAUTHORIZED)
		(void)MHD_add_response_header(resp,
					      MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					      "Bearer realm=\"meshgw\"");
	ret = MHD_queue_response(conn, r.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int
gw_api_create(struct gw_ctrl *c, struct gw_api **out, char *err, size_t errlen)
{
	const struct gw_config_dataplane *cfg = gw_config_dataplane(c->cfg);
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(cfg->admin_port),
		.sin_addr.s_addr = htonl(cfg->admin_addr),
	};
	char addr[INET_ADDRSTRLEN];
	struct gw_api *api;

	*out = NULL;
	inet_ntop(AF_INET, &sin.sin_addr, addr, sizeof(addr));
	api = calloc(1, sizeof(*api));
	if (api == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	api->c = c;
	errno = 0;
	api->d = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG, cfg->admin_port, NULL, NULL,
		api_access, api, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)API_CONN_LIMIT,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)API_CONN_TIMEOUT_S,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_NOTIFY_COMPLETED, api_completed, NULL,
		MHD_OPTION_END);
	if (api->d == NULL) {
		int e = errno != 0 ? errno : EADDRINUSE;

		snprintf(err, errlen,
			 "admin API: cannot listen on %s:%u (%s; see the line above)",
			 addr, cfg->admin_port, strerror(e));
		free(api);
		return -e;
	}
	info = MHD_get_daemon_info(api->d, MHD_DAEMON_INFO_EPOLL_FD);
	api->fd = info != NULL ? info->epoll_fd : -1;
	if (api->fd < 0) {
		snprintf(err, errlen, "admin API: no epoll fd");
		gw_api_free(api);
		return -EINVAL;
	}
	*out = api;
	return 0;
}

void
gw_api_free(struct gw_api *api)
{
	if (api == NULL)
		return;
	if (api->d != NULL)
		MHD_stop_daemon(api->d);
	free(api);
}

int
gw_api_fd(const struct gw_api *api)
{
	return api->fd;
}

int
gw_api_timeout_ms(const struct gw_api *api, int max_ms)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(api->d, &t) == MHD_YES && t < (unsigned)max_ms)
		return (int)t;
	return max_ms;
}

void
gw_api_run(struct gw_api *api)
{
	(void)MHD_run(api->d); /* errors are per connection, logged by MHD */
}
