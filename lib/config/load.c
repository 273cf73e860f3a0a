/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry points of lib/config: load a file, a folder of files or a buffer
 * into a new set, and free a set. A folder is read in the byte order of
 * its *.yaml / *.yml names (hidden ones skipped, not recursive), all files
 * into one set, so duplicates are found across files.
 * Control thread only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gw_config.h"
#include "config_priv.h"

static struct gw_config *
cfg_new(void)
{
	struct gw_config *cfg;

	cfg = calloc(1, sizeof(*cfg));
	if (cfg != NULL)
		cfg_dataplane_defaults(&cfg->dp);
	return cfg;
}

void
gw_config_free(struct gw_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->n_res; i++) {
		cfg_node_free(cfg->res[i]->root);
		free(cfg->res[i]);
	}
	free(cfg->res);
	cfg_htab_fini(&cfg->res_index);
	for (i = 0; i < cfg->n_files; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg);
}

/* Keep a copy of a source name for the nodes and resources to borrow. */
static const char *
cfg_add_file(struct gw_config *cfg, const char *name)
{
	char **files, *copy;

	copy = strdup(name);
	if (copy == NULL)
		return NULL;
	files = realloc(cfg->files, (cfg->n_files + 1) * sizeof(*files));
	if (files == NULL) {
		free(copy);
		return NULL;
	}
	cfg->files = files;
	cfg->files[cfg->n_files++] = copy;
	return copy;
}

static int
load_mem(struct gw_config *cfg, const char *name, const char *buf,
	 size_t len, struct gw_config_err *err)
{
	const char *file;

	if (len > CFG_MAX_FILE)
		return cfg_err(err, -EFBIG, name, 0, 0,
			       "%zu bytes is over the limit of %u bytes", len,
			       (unsigned)CFG_MAX_FILE);
	file = cfg_add_file(cfg, name);
	if (file == NULL)
		return cfg_err(err, -ENOMEM, name, 0, 0, "out of memory");
	return cfg_yaml_load(cfg, file, buf, len, err);
}

/* Read all of an open regular file, at most CFG_MAX_FILE bytes. */
static int
read_fd(int fd, const char *path, off_t size_hint, char **out, size_t *len,
	struct gw_config_err *err)
{
	size_t cap = (size_t)size_hint + 1, n = 0;
	char *buf, *p;
	ssize_t r;
	int rc;

	buf = malloc(cap);
	if (buf == NULL)
		return cfg_err(err, -ENOMEM, path, 0, 0, "out of memory");
	for (;;) {
		if (n == cap) {
			/* The file grew since fstat(). */
			if (cap > CFG_MAX_FILE) {
				free(buf);
				return cfg_err(err, -EFBIG, path, 0, 0,
					       "file is over the limit of %u bytes",
					       (unsigned)CFG_MAX_FILE);
			}
			cap = cap * 2 > CFG_MAX_FILE + 1 ? CFG_MAX_FILE + 1 :
							   cap * 2;
			p = realloc(buf, cap);
			if (p == NULL) {
				free(buf);
				return cfg_err(err, -ENOMEM, path, 0, 0,
					       "out of memory");
			}
			buf = p;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			free(buf);
			return cfg_err(err, rc, path, 0, 0, "cannot read: %s",
				       strerror(-rc));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int
load_fd(struct gw_config *cfg, int fd, const char *path, const struct stat *st,
	struct gw_config_err *err)
{
	size_t len = 0;
	char *buf = NULL;
	int rc;

	if (st->st_size > (off_t)CFG_MAX_FILE)
		return cfg_err(err, -EFBIG, path, 0, 0,
			       "file of %lld bytes is over the limit of %u bytes",
			       (long long)st->st_size, (unsigned)CFG_MAX_FILE);
	rc = read_fd(fd, path, st->st_size, &buf, &len, err);
	if (rc < 0)
		return rc;
	rc = load_mem(cfg, path, buf, len, err);
	free(buf);
	return rc;
}

static int
open_path(const char *path, int *fd, struct stat *st,
	  struct gw_config_err *err)
{
	int rc;

	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		rc = -errno;
		return cfg_err(err, rc, path, 0, 0, "cannot open: %s",
			       strerror(-rc));
	}
	if (fstat(*fd, st) < 0) {
		rc = -errno;
		close(*fd);
		*fd = -1;
		return cfg_err(err, rc, path, 0, 0, "cannot stat: %s",
			       strerror(-rc));
	}
	return 0;
}

static int
load_file(struct gw_config *cfg, const char *path, struct gw_config_err *err)
{
	struct stat st;
	int fd, rc;

	rc = open_path(path, &fd, &st, err);
	if (rc < 0)
		return rc;
	if (S_ISREG(st.st_mode))
		rc = load_fd(cfg, fd, path, &st, err);
	else
		rc = cfg_err(err, -EINVAL, path, 0, 0, "not a regular file");
	close(fd);
	return rc;
}

static bool
is_yaml_name(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	return (len > 5 && strcmp(name + len - 5, ".yaml") == 0) ||
	       (len > 4 && strcmp(name + len - 4, ".yml") == 0);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}

/* The YAML file names of a folder, sorted. Consumes fd. */
static int
list_folder(int fd, const char *path, char ***out, size_t *count,
	    struct gw_config_err *err)
{
	char **names = NULL, **p;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int rc;

	dir = fdopendir(fd);
	if (dir == NULL) {
		rc = -errno;
		close(fd);
		return cfg_err(err, rc, path, 0, 0, "cannot read folder: %s",
			       strerror(-rc));
	}
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (de == NULL) {
			rc = -errno;
			break;
		}
		if (!is_yaml_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			p = realloc(names, cap * sizeof(*names));
			if (p == NULL) {
				rc = -ENOMEM;
				break;
			}
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (names[n] == NULL) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dir);
	if (rc < 0) {
		free_names(names, n);
		return cfg_err(err, rc, path, 0, 0, "cannot read folder: %s",
			       strerror(-rc));
	}
	if (n == 0) {
		free(names);
		return cfg_err(err, -ENOENT, path, 0, 0,
			       "no *.yaml or *.yml file in folder");
	}
	qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*count = n;
	return 0;
}

static int
load_folder(struct gw_config *cfg, int fd, const char *path,
	    struct gw_config_err *err)
{
	size_t i, n = 0, plen = strlen(path);
	char **names = NULL, *full;
	const char *sep;
	int rc;

	rc = list_folder(fd, path, &names, &n, err);
	if (rc < 0)
		return rc;
	sep = plen > 0 && path[plen - 1] == '/' ? "" : "/";
	for (i = 0; rc == 0 && i < n; i++) {
		if (asprintf(&full, "%s%s%s", path, sep, names[i]) < 0) {
			rc = cfg_err(err, -ENOMEM, path, 0, 0, "out of memory");
			break;
		}
		rc = load_file(cfg, full, err);
		free(full);
	}
	free_names(names, n);
	return rc;
}

int
gw_config_load(const char *path, struct gw_config **out,
	       struct gw_config_err *err)
{
	struct gw_config *cfg;
	struct stat st;
	int fd, rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (out == NULL || path == NULL)
		return cfg_err(err, -EINVAL, NULL, 0, 0, "no path or output");
	*out = NULL;
	cfg = cfg_new();
	if (cfg == NULL)
		return cfg_err(err, -ENOMEM, path, 0, 0, "out of memory");
	rc = open_path(path, &fd, &st, err);
	if (rc == 0) {
		if (S_ISDIR(st.st_mode)) {
			rc = load_folder(cfg, fd, path, err); /* consumes fd */
		} else {
			if (S_ISREG(st.st_mode))
				rc = load_fd(cfg, fd, path, &st, err);
			else
				rc = cfg_err(err, -EINVAL, path, 0, 0,
					     "not a regular file or a folder");
			close(fd);
		}
	}
	if (rc < 0) {
		gw_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

int
gw_config_load_buffer(const char *name, const char *buf, size_t len,
		      struct gw_config **out, struct gw_config_err *err)
{
	struct gw_config *cfg;
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (name == NULL)
		name = "";
	if (out == NULL || (buf == NULL && len > 0))
		return cfg_err(err, -EINVAL, name, 0, 0, "no buffer or output");
	*out = NULL;
	cfg = cfg_new();
	if (cfg == NULL)
		return cfg_err(err, -ENOMEM, name, 0, 0, "out of memory");
	rc = load_mem(cfg, name, buf ? buf : "", len, err);
	if (rc < 0) {
		gw_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

int
gw_config_load_buffers(const struct gw_config_buf *bufs, size_t n,
		       struct gw_config **out, struct gw_config_err *err)
{
	struct gw_config *cfg;
	size_t i;
	int rc = 0;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (out == NULL || (bufs == NULL && n > 0))
		return cfg_err(err, -EINVAL, NULL, 0, 0, "no buffers or output");
	*out = NULL;
	cfg = cfg_new();
	if (cfg == NULL)
		return cfg_err(err, -ENOMEM, NULL, 0, 0, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		const struct gw_config_buf *b = &bufs[i];

		if (b->data == NULL && b->len > 0)
			rc = cfg_err(err, -EINVAL, b->name, 0, 0, "no buffer");
		else
			rc = load_mem(cfg, b->name != NULL ? b->name : "",
				      b->data != NULL ? b->data : "", b->len,
				      err);
	}
	if (rc < 0) {
		gw_config_free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}
