/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meshgwctl — the command-line face of meshgw's admin API.
 *
 *   meshgwctl [--server HOST:PORT] [--token-file F] COMMAND ...
 *     get KIND [NAME] [-n NS | -A] [-o table|json]
 *     apply -f FILE|-          (multi-document YAML or JSON, all or nothing)
 *     delete KIND NAME [-n NS] [--resource-version N]
 *     status
 *     clusters [-o text|json]
 *     drain [--wait SECONDS]
 *     healthcheck fail|ok
 *
 * KIND is a kind, its plural or its short name (vs, gw, dr, se, we, hc, dp).
 * The server defaults to $MESHGW_ADMIN or 127.0.0.1:15000; the bearer
 * token comes from --token-file or $MESHGW_TOKEN_FILE.
 *
 * Exit status: 0 done; 1 the gateway refused (4xx/5xx, message on
 * stderr); 2 usage; 3 the gateway cannot be reached.
 *
 * One HTTP/1.0 request per call over a plain TCP socket: the admin API
 * listens on loopback by default, and the answer ends with the close.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <jansson.h>

#include "gw_config.h"

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define BODY_MAX (64u << 20)	/* largest answer read */
#define FILE_MAX (1u << 20)	/* the admin API's body limit */

struct ctl {
	const char *server;
	char token[4096];
};

struct answer {
	int status;
	char *body;
	size_t len;
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: meshgwctl [--server HOST:PORT] [--token-file F] COMMAND\n"
		"  get KIND [NAME] [-n NS | -A] [-o table|json]\n"
		"  apply -f FILE|-\n"
		"  delete KIND NAME [-n NS] [--resource-version N]\n"
		"  status\n"
		"  clusters [-o text|json]\n"
		"  drain [--wait SECONDS]\n"
		"  healthcheck fail|ok\n"
		"KIND: a kind, its plural or short name (vs, gw, dr, se, we, hc, dp)\n");
}

static int
token_read(struct ctl *c, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		fprintf(stderr, "meshgwctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	n = fread(c->token, 1, sizeof(c->token) - 1, f);
	fclose(f);
	c->token[n] = '\0';
	while (n > 0 && strchr(" \t\r\n", c->token[n - 1]) != NULL)
		c->token[--n] = '\0';
	return 0;
}

static int
dial(const char *server)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
	struct timeval tv = { .tv_sec = 30 };
	int fd = -1;

	snprintf(host, sizeof(host), "%s", server);
	colon = strrchr(host, ':');
	if (colon == NULL) {
		fprintf(stderr, "meshgwctl: --server %s: expected HOST:PORT\n",
			server);
		return -1;
	}
	*colon = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
		fprintf(stderr, "meshgwctl: cannot resolve %s\n", host);
		return -1;
	}
	for (p = ai; p != NULL; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC,
			    p->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		fprintf(stderr, "meshgwctl: cannot reach meshgw at %s: %s\n",
			server, strerror(errno));
	return fd;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One request; @return 0 with the answer, or EXIT_UNREACHABLE. */
static int
request(const struct ctl *c, const char *method, const char *path,
	const char *ctype, const char *body, size_t blen, struct answer *a)
{
	char head[8192], *buf = NULL, *p, *end;
	size_t len = 0, cap = 0;
	int fd, n;

	memset(a, 0, sizeof(*a));
	fd = dial(c->server);
	if (fd < 0)
		return EXIT_UNREACHABLE;
	n = snprintf(head, sizeof(head),
		     "%s %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: meshgwctl\r\n"
		     "Accept: application/json\r\n%s%s%s"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
		     method, path, c->server,
		     c->token[0] ? "Authorization: Bearer " : "", c->token,
		     c->token[0] ? "\r\n" : "", ctype ? ctype : "text/plain",
		     blen);
	if (n < 0 || (size_t)n >= sizeof(head) ||
	    write_all(fd, head, (size_t)n) < 0 ||
	    (blen > 0 && write_all(fd, body, blen) < 0)) {
		fprintf(stderr, "meshgwctl: cannot send to %s\n", c->server);
		close(fd);
		return EXIT_UNREACHABLE;
	}
	for (;;) {
		ssize_t r;

		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > BODY_MAX || (p = realloc(buf, cap)) == NULL)
				break;
			buf = p;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (buf == NULL || len < 12 || strncmp(buf, "HTTP/1.", 7) != 0) {
		free(buf);
		fprintf(stderr, "meshgwctl: no HTTP answer from %s\n",
			c->server);
		return EXIT_UNREACHABLE;
	}
	buf[len] = '\0';
	a->status = atoi(buf + 9);
	end = strstr(buf, "\r\n\r\n");
	p = end != NULL ? end + 4 : buf + len;
	a->len = len - (size_t)(p - buf);
	a->body = malloc(a->len + 1);
	if (a->body != NULL) {
		memcpy(a->body, p, a->len);
		a->body[a->len] = '\0';
	}
	free(buf);
	return a->body != NULL ? 0 : EXIT_UNREACHABLE;
}

/* A refusal: the Status message and its causes, on stderr. */
static int
refused(const struct answer *a)
{
	json_t *doc = json_loadb(a->body, a->len, 0, NULL), *cs, *c;
	const char *msg = json_string_value(json_object_get(doc, "message"));
	size_t i;

	if (msg == NULL)
		msg = json_string_value(json_object_get(doc, "error"));
	fprintf(stderr, "Error (%d): %s\n", a->status,
		msg != NULL ? msg : a->body);
	cs = json_object_get(json_object_get(doc, "details"), "causes");
	json_array_foreach(cs, i, c) {
		fprintf(stderr, "  %s %s: %s\n",
			json_string_value(json_object_get(c, "resource")) ?: "",
			json_string_value(json_object_get(c, "field")) ?: "",
			json_string_value(json_object_get(c, "message")) ?: "");
	}
	json_decref(doc);
	return EXIT_REFUSED;
}

static int
call(const struct ctl *c, const char *method, const char *path,
     const char *ctype, const char *body, size_t blen, json_t **doc,
     struct answer *a)
{
	int rc = request(c, method, path, ctype, body, blen, a);

	if (rc != 0)
		return rc;
	if (a->status >= 400)
		return refused(a);
	if (doc != NULL) {
		json_error_t e;

		*doc = json_loadb(a->body, a->len, 0, &e);
		if (*doc == NULL) {
			fprintf(stderr, "meshgwctl: the answer is not JSON: "
				"%s\n", e.text);
			return EXIT_REFUSED;
		}
	}
	return 0;
}

static void
print_json(json_t *doc)
{
	char *s = json_dumps(doc, JSON_INDENT(2));

	if (s != NULL)
		printf("%s\n", s);
	free(s);
}

static const char *
item_str(json_t *item, const char *a, const char *b)
{
	const char *s = json_string_value(json_object_get(
		json_object_get(item, a), b));

	return s != NULL ? s : "";
}

/* KIND on the command line: the kind, and its API version and plural. */
static const char *
kind_arg(const char *word, const char **av, const char **plural)
{
	const char *group, *kind;

	kind = gw_config_kind_lookup(word, &group, av, plural);
	if (kind == NULL)
		fprintf(stderr, "meshgwctl: unknown kind %s\n", word);
	return kind;
}

static int
cmd_get(const struct ctl *c, int argc, char **argv)
{
	const char *ns = "default", *out = "table", *av, *plural, *kind;
	bool all = false;
	char path[1024];
	struct answer a;
	json_t *doc = NULL, *items, *it;
	size_t i;
	int o, rc;

	optind = 0;	/* GNU: a full restart, argv[0] skipped */
	while ((o = getopt(argc, argv, "n:Ao:")) != -1) {
		switch (o) {
		case 'n':
			ns = optarg;
			break;
		case 'A':
			all = true;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 2 ||
	    (strcmp(out, "table") != 0 && strcmp(out, "json") != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	kind = kind_arg(argv[optind], &av, &plural);
	if (kind == NULL)
		return EXIT_USAGE;
	if (all && argc - optind == 1)
		snprintf(path, sizeof(path), "/apis/%s/%s", av, plural);
	else
		snprintf(path, sizeof(path), "/apis/%s/namespaces/%s/%s%s%s",
			 av, ns, plural, argc - optind == 2 ? "/" : "",
			 argc - optind == 2 ? argv[optind + 1] : "");
	rc = call(c, "GET", path, NULL, NULL, 0, &doc, &a);
	free(a.body);
	if (rc != 0)
		return rc;
	if (strcmp(out, "json") == 0) {
		print_json(doc);
		json_decref(doc);
		return 0;
	}
	items = json_object_get(doc, "items");
	if (items == NULL) {
		items = json_array();
		json_array_append(items, doc);
	} else {
		json_incref(items);
	}
	if (json_array_size(items) == 0)
		printf("No %s found.\n", plural);
	else
		printf("%-16s %-32s %-10s %s\n", "NAMESPACE", "NAME",
		       "VERSION", "STATE");
	json_array_foreach(items, i, it) {
		printf("%-16s %-32s %-10s %s\n",
		       item_str(it, "metadata", "namespace"),
		       item_str(it, "metadata", "name"),
		       item_str(it, "metadata", "resourceVersion"),
		       item_str(it, "status", "state"));
	}
	json_decref(items);
	json_decref(doc);
	return 0;
}

static char *
read_input(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL) {
		fprintf(stderr, "meshgwctl: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(FILE_MAX + 1);
	*len = buf != NULL ? fread(buf, 1, FILE_MAX + 1, f) : 0;
	if (f != stdin)
		fclose(f);
	if (buf != NULL && *len > FILE_MAX) {
		fprintf(stderr, "meshgwctl: %s: over %u bytes\n", path,
			FILE_MAX);
		free(buf);
		return NULL;
	}
	return buf;
}

static int
cmd_apply(const struct ctl *c, int argc, char **argv)
{
	const char *file = NULL, *p;
	struct answer a;
	json_t *doc = NULL, *v;
	size_t len, i;
	char *buf;
	int o, rc;

	optind = 0;	/* GNU: a full restart, argv[0] skipped */
	while ((o = getopt(argc, argv, "f:")) != -1) {
		if (o != 'f')
			return EXIT_USAGE;
		file = optarg;
	}
	if (file == NULL || optind != argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	buf = read_input(file, &len);
	if (buf == NULL)
		return EXIT_USAGE;
	for (p = buf; p < buf + len && strchr(" \t\r\n", *p); p++)
		;
	rc = call(c, "POST", "/apis/apply",
		  p < buf + len && (*p == '{' || *p == '[') ?
			  "application/json" : "application/yaml",
		  buf, len, &doc, &a);
	free(buf);
	free(a.body);
	if (rc != 0)
		return rc;
	json_array_foreach(json_object_get(doc, "changed"), i, v) {
		const char *id = json_string_value(json_object_get(v,
								   "resource"));

		printf("%s configured (resourceVersion %s)\n", id ? id : "?",
		       json_string_value(json_object_get(v, "resourceVersion"))
			       ?: "?");
	}
	json_array_foreach(json_object_get(doc, "warnings"), i, v)
		fprintf(stderr, "Warning: %s %s: %s\n",
			json_string_value(json_object_get(v, "resource")) ?: "",
			json_string_value(json_object_get(v, "field")) ?: "",
			json_string_value(json_object_get(v, "message")) ?: "");
	printf("configuration %lld: compiled in %.2f ms, published in %.2f "
	       "ms\n",
	       (long long)json_integer_value(json_object_get(doc,
							     "configVersion")),
	       json_real_value(json_object_get(doc, "compileMs")),
	       json_real_value(json_object_get(doc, "publishMs")));
	json_decref(doc);
	return 0;
}

static int
cmd_delete(const struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resource-version", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ns = "default", *rv = NULL, *av, *plural, *kind;
	char path[1024];
	struct answer a;
	int o, rc;

	optind = 0;	/* GNU: a full restart, argv[0] skipped */
	while ((o = getopt_long(argc, argv, "n:", opts, NULL)) != -1) {
		if (o == 'n')
			ns = optarg;
		else if (o == 'r')
			rv = optarg;
		else
			return EXIT_USAGE;
	}
	if (argc - optind != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	kind = kind_arg(argv[optind], &av, &plural);
	if (kind == NULL)
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "/apis/%s/namespaces/%s/%s/%s%s%s", av,
		 ns, plural, argv[optind + 1], rv ? "?resourceVersion=" : "",
		 rv ? rv : "");
	rc = call(c, "DELETE", path, NULL, NULL, 0, NULL, &a);
	free(a.body);
	if (rc == 0)
		printf("%s/%s/%s deleted\n", kind, ns, argv[optind + 1]);
	return rc;
}

static int
cmd_status(const struct ctl *c)
{
	struct answer a;
	json_t *doc = NULL, *cfg, *w;
	size_t i;
	int rc = call(c, "GET", "/api/v1/status", NULL, NULL, 0, &doc, &a);

	free(a.body);
	if (rc != 0)
		return rc;
	cfg = json_object_get(doc, "config");
	printf("meshgw %s, up %.0f s, %s%s\n",
	       json_string_value(json_object_get(doc, "version")) ?: "?",
	       json_real_value(json_object_get(doc, "uptime_s")),
	       json_is_true(json_object_get(doc, "ready")) ? "ready" :
							      "NOT ready: ",
	       json_string_value(json_object_get(doc, "not_ready_reason")) ?:
							      "");
	printf("configuration %lld (resourceVersion %lld, %lld resources, "
	       "%lld applies, last compile %.2f ms, publish %.2f ms)\n",
	       (long long)json_integer_value(json_object_get(cfg, "version")),
	       (long long)json_integer_value(json_object_get(cfg,
							     "resourceVersion")),
	       (long long)json_integer_value(json_object_get(cfg, "resources")),
	       (long long)json_integer_value(json_object_get(cfg, "applies")),
	       json_real_value(json_object_get(cfg, "last_compile_ms")),
	       json_real_value(json_object_get(cfg, "last_publish_ms")));
	json_array_foreach(json_object_get(doc, "workers"), i, w)
		printf("worker %lld: %.1f %% busy\n",
		       (long long)json_integer_value(json_object_get(w, "id")),
		       json_real_value(json_object_get(w, "busy_pct")));
	printf("sessions: %lld active%s\n",
	       (long long)json_integer_value(json_object_get(
		       json_object_get(doc, "proxy"), "active_sessions")),
	       json_is_true(json_object_get(doc, "draining")) ?
		       " (draining)" : "");
	json_decref(doc);
	return 0;
}

static int
cmd_clusters(const struct ctl *c, int argc, char **argv)
{
	bool json = argc == 3 && strcmp(argv[1], "-o") == 0 &&
		    strcmp(argv[2], "json") == 0;
	struct answer a;
	int rc;

	if (argc != 1 && !json && !(argc == 3 && strcmp(argv[1], "-o") == 0 &&
				    strcmp(argv[2], "text") == 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = call(c, "GET", json ? "/clusters?format=json" : "/clusters", NULL,
		  NULL, 0, NULL, &a);
	if (rc == 0)
		fwrite(a.body, 1, a.len, stdout);
	free(a.body);
	return rc;
}

static long long
active_sessions(const struct ctl *c, int *rc)
{
	struct answer a;
	json_t *doc = NULL;
	long long n;

	*rc = call(c, "GET", "/api/v1/status", NULL, NULL, 0, &doc, &a);
	free(a.body);
	if (*rc != 0)
		return -1;
	n = json_integer_value(json_object_get(json_object_get(doc, "proxy"),
					       "active_sessions"));
	json_decref(doc);
	return n;
}

static int
cmd_drain(const struct ctl *c, int argc, char **argv)
{
	double wait_s = 0;
	struct answer a;
	long long n = 0;
	int rc, i;

	if (argc == 3 && strcmp(argv[1], "--wait") == 0)
		wait_s = atof(argv[2]);
	else if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = call(c, "POST", "/drain_listeners", NULL, NULL, 0, NULL, &a);
	free(a.body);
	if (rc != 0)
		return rc;
	printf("listeners closed; in-flight requests finish\n");
	for (i = 0; i < (int)(wait_s * 10); i++) {
		n = active_sessions(c, &rc);
		if (rc != 0)
			return rc;
		if (n == 0)
			break;
		usleep(100000);
	}
	if (wait_s > 0) {
		printf("%lld session(s) left\n", n);
		return n == 0 ? 0 : EXIT_REFUSED;
	}
	return 0;
}

static int
cmd_healthcheck(const struct ctl *c, int argc, char **argv)
{
	struct answer a;
	int rc;

	if (argc != 2 || (strcmp(argv[1], "fail") != 0 &&
			  strcmp(argv[1], "ok") != 0)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = call(c, "POST", strcmp(argv[1], "fail") == 0 ?
		  "/healthcheck/fail" : "/healthcheck/ok", NULL, NULL, 0,
		  NULL, &a);
	free(a.body);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl c = { .server = getenv("MESHGW_ADMIN") };
	const char *token_file = getenv("MESHGW_TOKEN_FILE"), *cmd;
	int o;

	if (c.server == NULL)
		c.server = "127.0.0.1:15000";
	/* options before the command only: the command has its own */
	while ((o = getopt_long(argc, argv, "+s:t:h", opts, NULL)) != -1) {
		switch (o) {
		case 's':
			c.server = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (token_file != NULL && token_read(&c, token_file) < 0)
		return EXIT_USAGE;
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "get") == 0)
		return cmd_get(&c, argc, argv);
	if (strcmp(cmd, "apply") == 0)
		return cmd_apply(&c, argc, argv);
	if (strcmp(cmd, "delete") == 0)
		return cmd_delete(&c, argc, argv);
	if (strcmp(cmd, "status") == 0 && argc == 1)
		return cmd_status(&c);
	if (strcmp(cmd, "clusters") == 0)
		return cmd_clusters(&c, argc, argv);
	if (strcmp(cmd, "drain") == 0)
		return cmd_drain(&c, argc, argv);
	if (strcmp(cmd, "healthcheck") == 0)
		return cmd_healthcheck(&c, argc, argv);
	usage(stderr);
	return EXIT_USAGE;
}
