/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/config/load.c and err.c: files, folders (order, hidden files, other
 * extensions, duplicates across files, empty folders), read errors, the
 * size limit, and the "file:line:col: msg" format.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_common.h"

struct tmpdir {
	char path[64];
	char files[8][32];
	unsigned n;
};

static void
tmp_create(struct tmpdir *d)
{
	memset(d, 0, sizeof(*d));
	strcpy(d->path, "/tmp/gw_config_test.XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static void
tmp_write(struct tmpdir *d, const char *name, const char *text)
{
	char path[128];
	FILE *f;

	assert_true(d->n < 8);
	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	snprintf(d->files[d->n++], sizeof(d->files[0]), "%s", name);
}

static void
tmp_remove(struct tmpdir *d)
{
	char path[128];
	unsigned i;

	for (i = 0; i < d->n; i++) {
		snprintf(path, sizeof(path), "%s/%s", d->path, d->files[i]);
		if (unlink(path) < 0)
			assert_int_equal(rmdir(path), 0);
	}
	assert_int_equal(rmdir(d->path), 0);
}

static void
test_folder_order(void **state)
{
	const struct gw_config_resource *r;
	struct gw_config_err err;
	struct gw_config *cfg;
	struct tmpdir d;
	char want[128];

	(void)state;
	tmp_create(&d);
	tmp_write(&d, "20-routes.yaml",
		  "apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
		  "metadata: {name: web}\n---\n"
		  "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n"
		  "metadata: {name: web}\n");
	tmp_write(&d, "10-dataplane.yml",
		  "apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\n"
		  "metadata: {name: gw}\nspec: {workers: 3}\n");
	tmp_write(&d, "30-gateway.yaml",
		  "# gateway\napiVersion: networking.istio.io/v1\nkind: Gateway\n"
		  "metadata: {name: pub}\n");
	tmp_write(&d, "1-health.yaml",
		  "apiVersion: meshgw.io/v1alpha1\nkind: HealthCheck\n"
		  "metadata: {name: web}\n");
	/* Not loaded: hidden, other extension (both invalid on purpose). */
	tmp_write(&d, ".hidden.yaml", "kind: [\n");
	tmp_write(&d, "notes.txt", "kind: [\n");
	tmp_write(&d, "backup.yaml~", "kind: [\n");

	assert_int_equal(gw_config_load(d.path, &cfg, &err), 0);
	assert_int_equal(gw_config_resource_count(cfg), 5);
	/* strcmp order: "1-" < "10" < "20" < "30". */
	assert_string_equal(gw_config_resource_at(cfg, 0)->kind, "HealthCheck");
	assert_string_equal(gw_config_resource_at(cfg, 1)->kind, "Dataplane");
	assert_string_equal(gw_config_resource_at(cfg, 2)->kind,
			    "VirtualService");
	assert_string_equal(gw_config_resource_at(cfg, 3)->kind,
			    "DestinationRule");
	r = gw_config_resource_at(cfg, 4);
	assert_string_equal(r->kind, "Gateway");
	snprintf(want, sizeof(want), "%s/30-gateway.yaml", d.path);
	assert_string_equal(r->file, want);
	assert_int_equal(r->line, 2);
	assert_int_equal(gw_config_dataplane(cfg)->workers, 3);
	gw_config_free(cfg);
	tmp_remove(&d);
}

static void
test_folder_duplicate_across_files(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	struct tmpdir d;
	char want[256];

	(void)state;
	tmp_create(&d);
	tmp_write(&d, "a.yaml",
		  "apiVersion: networking.istio.io/v1\nkind: Gateway\n"
		  "metadata: {name: pub}\n");
	tmp_write(&d, "b.yaml",
		  "\napiVersion: networking.istio.io/v1beta1\nkind: Gateway\n"
		  "metadata:\n  name: pub\n");
	assert_int_equal(gw_config_load(d.path, &cfg, &err), -EINVAL);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s/b.yaml", d.path);
	assert_string_equal(err.file, want);
	assert_int_equal(err.line, 5);
	assert_int_equal(err.col, 9);
	snprintf(want, sizeof(want),
		 "metadata.name: duplicate Gateway default/pub (first at %s/a.yaml:1)",
		 d.path);
	assert_string_equal(err.msg, want);
	tmp_remove(&d);
}

static void
test_folder_second_dataplane(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	struct tmpdir d;

	(void)state;
	tmp_create(&d);
	tmp_write(&d, "a.yaml",
		  "apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\n"
		  "metadata: {name: one}\n");
	tmp_write(&d, "b.yaml",
		  "apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\n"
		  "metadata: {name: two}\n");
	assert_int_equal(gw_config_load(d.path, &cfg, &err), -EINVAL);
	assert_null(cfg);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 1);
	assert_non_null(strstr(err.msg, "a second Dataplane two (the first is one at "));
	tmp_remove(&d);
}

static void
test_folder_syntax_error(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	struct tmpdir d;
	char want[128];

	(void)state;
	tmp_create(&d);
	tmp_write(&d, "ok.yaml",
		  "apiVersion: networking.istio.io/v1\nkind: Gateway\n"
		  "metadata: {name: pub}\n");
	tmp_write(&d, "z.yaml", "a: 1\nb: [\n");
	assert_int_equal(gw_config_load(d.path, &cfg, &err), -EINVAL);
	assert_null(cfg);
	snprintf(want, sizeof(want), "%s/z.yaml", d.path);
	assert_string_equal(err.file, want);
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 1);
	assert_non_null(strstr(err.msg, "YAML syntax error"));
	tmp_remove(&d);
}

static void
test_empty_folder(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	struct tmpdir d;

	(void)state;
	tmp_create(&d);
	assert_int_equal(gw_config_load(d.path, &cfg, &err), -ENOENT);
	assert_null(cfg);
	assert_string_equal(err.file, d.path);
	assert_int_equal(err.line, 0);
	assert_int_equal(err.col, 0);
	assert_string_equal(err.msg, "no *.yaml or *.yml file in folder");
	/* Files that do not count make no difference. */
	tmp_write(&d, ".x.yaml", "");
	tmp_write(&d, "x.json", "{}");
	assert_int_equal(gw_config_load(d.path, &cfg, &err), -ENOENT);
	assert_null(cfg);
	tmp_remove(&d);
}

static void
test_folder_with_subfolder(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	struct tmpdir d;
	char sub[128];

	(void)state;
	tmp_create(&d);
	snprintf(sub, sizeof(sub), "%s/dir.yaml", d.path);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(d.files[d.n++], sizeof(d.files[0]), "dir.yaml");
	assert_int_equal(gw_config_load(d.path, &cfg, &err), -EINVAL);
	assert_null(cfg);
	assert_string_equal(err.file, sub);
	assert_string_equal(err.msg, "not a regular file");
	tmp_remove(&d);
}

static void
test_read_errors(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	char want[128];
	struct tmpdir d;
	char path[128];
	int fd;

	(void)state;
	assert_int_equal(gw_config_load("/nonexistent/meshgw.yaml", &cfg, &err),
			 -ENOENT);
	assert_null(cfg);
	assert_string_equal(err.file, "/nonexistent/meshgw.yaml");
	assert_int_equal(err.line, 0);
	snprintf(want, sizeof(want), "cannot open: %s", strerror(ENOENT));
	assert_string_equal(err.msg, want);

	assert_int_equal(gw_config_load("/dev/null", &cfg, &err), -EINVAL);
	assert_null(cfg);
	assert_string_equal(err.msg, "not a regular file or a folder");

	/* A sparse file one byte over 16 MiB. */
	tmp_create(&d);
	snprintf(path, sizeof(path), "%s/big.yaml", d.path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	snprintf(d.files[d.n++], sizeof(d.files[0]), "big.yaml");
	assert_int_equal(ftruncate(fd, (16 << 20) + 1), 0);
	close(fd);
	assert_int_equal(gw_config_load(path, &cfg, &err), -EFBIG);
	assert_null(cfg);
	assert_string_equal(err.file, path);
	assert_non_null(strstr(err.msg, "over the limit of 16777216 bytes"));
	tmp_remove(&d);

	assert_int_equal(gw_config_load(NULL, &cfg, &err), -EINVAL);
	assert_int_equal(gw_config_load("x", NULL, &err), -EINVAL);
	assert_int_equal(gw_config_load_buffer("b", "x", (16 << 20) + 1, &cfg,
					       &err),
			 -EFBIG);
	assert_null(cfg);
}

static void
test_single_file(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	struct tmpdir d;
	char path[128];

	(void)state;
	tmp_create(&d);
	tmp_write(&d, "any-name.conf",
		  "apiVersion: meshgw.io/v1alpha1\nkind: Dataplane\n"
		  "metadata: {name: gw}\nspec: {workers: 2}\n");
	snprintf(path, sizeof(path), "%s/any-name.conf", d.path);
	assert_int_equal(gw_config_load(path, &cfg, &err), 0);
	assert_int_equal(gw_config_dataplane(cfg)->workers, 2);
	assert_string_equal(gw_config_resource_at(cfg, 0)->file, path);
	gw_config_free(cfg);
	tmp_remove(&d);
}

static void
test_sample_data(void **state)
{
	const char *dir = getenv("GW_CONFIG_TEST_DATA");
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	int rc;

	(void)state;
	if (dir == NULL)
		skip();
	rc = gw_config_load(dir, &cfg, &err);
	if (rc != 0)
		print_message("%s:%u:%u: %s\n", err.file, err.line, err.col,
			      err.msg);
	assert_int_equal(rc, 0);
	assert_int_equal(gw_config_resource_count(cfg), 7);
	assert_string_equal(gw_config_resource_at(cfg, 0)->kind, "Dataplane");
	assert_int_equal(gw_config_dataplane(cfg)->n_ports, 2);
	assert_string_equal(gw_config_resource_at(cfg, 6)->kind,
			    "PeerAuthentication");
	gw_config_free(cfg);
}

static void
test_buffer_without_name(void **state)
{
	struct gw_config_err err;
	struct gw_config *cfg = NULL;
	char buf[64];

	(void)state;
	assert_int_equal(gw_config_load_buffer(NULL, "a: [", 4, &cfg, &err),
			 -EINVAL);
	assert_null(cfg);
	assert_string_equal(err.file, "");
	gw_config_err_format(&err, buf, sizeof(buf));
	assert_int_equal(strncmp(buf, "2:1: YAML syntax error", 22), 0);
	/* Not NUL-terminated input: only len bytes are read. */
	assert_int_equal(gw_config_load_buffer("b", "apiVersion: v1xxxx", 3,
					       &cfg, &err),
			 -EINVAL);
	assert_int_equal(gw_config_load_buffer("b", NULL, 0, &cfg, &err), 0);
	gw_config_free(cfg);
}

static void
test_err_format(void **state)
{
	struct gw_config_err err = { .file = "a.yaml", .line = 3, .col = 7,
				     .msg = "spec: bad" };
	char buf[64];
	int n;

	(void)state;
	n = gw_config_err_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml:3:7: spec: bad");
	assert_int_equal(n, strlen(buf));
	err.col = 0;
	gw_config_err_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml:3: spec: bad");
	err.line = 0;
	gw_config_err_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "a.yaml: spec: bad");
	err.file[0] = '\0';
	gw_config_err_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "spec: bad");
	err.line = 2;
	err.col = 1;
	gw_config_err_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "2:1: spec: bad");
	/* Truncation: NUL-terminated, returns the full length. */
	n = gw_config_err_format(&err, buf, 4);
	assert_string_equal(buf, "2:1");
	assert_int_equal(n, strlen("2:1: spec: bad"));
	assert_int_equal(gw_config_err_format(&err, NULL, 0), n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_folder_order),
		cmocka_unit_test(test_folder_duplicate_across_files),
		cmocka_unit_test(test_folder_second_dataplane),
		cmocka_unit_test(test_folder_syntax_error),
		cmocka_unit_test(test_empty_folder),
		cmocka_unit_test(test_folder_with_subfolder),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_single_file),
		cmocka_unit_test(test_sample_data),
		cmocka_unit_test(test_buffer_without_name),
		cmocka_unit_test(test_err_format),
	};

	return cmocka_run_group_tests_name("load", tests, NULL, NULL);
}
