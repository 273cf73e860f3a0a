/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eal — turn the Dataplane resource into rte_eal_init() arguments.
 * Control thread, before EAL exists (so no rte_* calls here).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gw_port.h"

struct args_builder {
	struct gw_port_eal_args *a;
	size_t used;
	int overflow;
};

static void __attribute__((format(printf, 2, 3)))
arg_add(struct args_builder *b, const char *fmt, ...)
{
	struct gw_port_eal_args *a = b->a;
	size_t room = sizeof(a->buf) - b->used;
	va_list ap;
	int n;

	if (b->overflow || a->argc >= GW_PORT_EAL_MAX_ARGS - 1) {
		b->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->buf + b->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		b->overflow = 1;
		return;
	}
	a->argv[a->argc++] = a->buf + b->used;
	a->argv[a->argc] = NULL;
	b->used += (size_t)n + 1;
}

/* Free hugepage memory in MB, from /proc/meminfo; -errno on failure. */
static long
hugepages_free_mb(void)
{
	long free_pages = -1, page_kb = -1;
	char line[256];
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (f == NULL)
		return -errno;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
			continue;
		(void)sscanf(line, "Hugepagesize: %ld kB", &page_kb);
	}
	fclose(f);
	if (free_pages < 0 || page_kb <= 0)
		return 0;
	return free_pages * page_kb / 1024;
}

int
gw_port_eal_args_build(const struct gw_config_dataplane *cfg, const char *prog,
		       char *const *extra, int n_extra,
		       struct gw_port_eal_args *out, char *err, size_t errlen)
{
	struct args_builder b = { .a = out };
	char lcores[1024];
	size_t lc_used = 0;
	int cpus[CPU_SETSIZE];
	int n_cpus = 0, i;
	unsigned k;
	bool any_pci = false;
	cpu_set_t set;

	memset(out, 0, sizeof(*out));
	if (sched_getaffinity(0, sizeof(set), &set) != 0) {
		snprintf(err, errlen, "cannot read the CPU affinity: %s",
			 strerror(errno));
		return -errno;
	}
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpus[n_cpus++] = i;
	if (n_cpus == 0) {
		snprintf(err, errlen, "the process may run on no CPU");
		return -EINVAL;
	}
	out->oversubscribed = (int)cfg->workers + 1 > n_cpus;
	/* lcore 0 (main, control thread) on the first CPU, workers after. */
	for (k = 0; k <= cfg->workers; k++) {
		int n = snprintf(lcores + lc_used, sizeof(lcores) - lc_used,
				 "%s%u@%d", k ? "," : "", k,
				 cpus[k % (unsigned)n_cpus]);

		if (n < 0 || (size_t)n >= sizeof(lcores) - lc_used) {
			snprintf(err, errlen, "too many workers for the lcore map");
			return -E2BIG;
		}
		lc_used += (size_t)n;
	}
	snprintf(out->prefix, sizeof(out->prefix), "meshgw-%ld",
		 (long)getpid());

	arg_add(&b, "%s", prog);
	arg_add(&b, "--lcores=%s", lcores);
	arg_add(&b, "--main-lcore=0");
	arg_add(&b, "--file-prefix=%s", out->prefix);
	if (cfg->hugepages) {
		long have = hugepages_free_mb();

		if (have < (long)cfg->memory_mb) {
			snprintf(err, errlen,
				 "hugepages: true, but only %ld MB of hugepages are free and memoryMB is %u; "
				 "reserve them (e.g. echo %u > /proc/sys/vm/nr_hugepages for 2 MB pages) "
				 "or set hugepages: false",
				 have < 0 ? 0 : have, cfg->memory_mb,
				 (cfg->memory_mb + 1) / 2 + 64);
			return -ENOMEM;
		}
		arg_add(&b, "--in-memory");
	} else {
		/* DPDK 22.11 rejects --in-memory together with --no-huge. */
		arg_add(&b, "--no-huge");
		arg_add(&b, "--no-shconf");
	}
	arg_add(&b, "-m");
	arg_add(&b, "%u", cfg->memory_mb);
	for (k = 0; k < cfg->n_ports; k++) {
		if (cfg->ports[k].is_pci) {
			any_pci = true;
			arg_add(&b, "-a");
			arg_add(&b, "%s", cfg->ports[k].device);
		} else {
			arg_add(&b, "--vdev=%s", cfg->ports[k].device);
		}
	}
	if (!any_pci)
		arg_add(&b, "--no-pci");
	for (i = 0; i < n_extra; i++)
		arg_add(&b, "%s", extra[i]);
	if (b.overflow) {
		snprintf(err, errlen, "EAL arguments too long");
		return -E2BIG;
	}
	return 0;
}

void
gw_port_runtime_dir_remove(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (dir[0] == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) <
		    (int)sizeof(path))
			(void)unlink(path); /* best effort: we are exiting */
	}
	closedir(d);
	(void)rmdir(dir);
}
