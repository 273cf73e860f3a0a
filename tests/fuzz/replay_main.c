/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replays a libFuzzer corpus without libFuzzer, so ordinary builds run
 * every harness over its corpus as a regression test (after systemd's
 * src/fuzz/fuzz-main.c). Arguments are files or folders (not recursive,
 * hidden files skipped); each file is one input. Exits non-zero when an
 * argument cannot be read; a harness that crashes fails the test anyway.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
read_all(const char *path, uint8_t **out, size_t *len)
{
	size_t cap = 4096, n = 0, r;
	uint8_t *buf = NULL, *p;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL)
		return -errno;
	for (;;) {
		if (n == cap || buf == NULL) {
			cap = buf ? cap * 2 : cap;
			p = realloc(buf, cap);
			if (p == NULL) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = p;
		}
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
}

static int
run_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	rc = read_all(path, &buf, &len);
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(-rc));
		return rc;
	}
	printf("%s (%zu bytes)\n", path, len);
	fflush(stdout);
	(void)LLVMFuzzerTestOneInput(buf, len); /* always returns 0 */
	free(buf);
	return 0;
}

static int
run_dir(const char *path)
{
	struct dirent **names;
	char *full;
	int i, n, rc = 0;

	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && rc == 0) {
			if (asprintf(&full, "%s/%s", path, names[i]->d_name) < 0) {
				rc = -ENOMEM;
			} else {
				rc = run_file(full);
				free(full);
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* Harnesses that need one-time setup (EAL) define this, as for libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int
main(int argc, char **argv)
{
	struct stat st;
	unsigned count = 0;
	int i, rc;

	if (LLVMFuzzerInitialize != NULL && LLVMFuzzerInitialize(&argc, &argv) != 0)
		return EXIT_FAILURE;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return EXIT_FAILURE;
		}
		rc = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]);
		if (rc < 0)
			return EXIT_FAILURE;
		count++;
	}
	if (count == 0) {
		fprintf(stderr, "usage: %s FILE|FOLDER...\n", argv[0]);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
