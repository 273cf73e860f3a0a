/* SPDX-License-Identifier: Apache-2.0 */
/*
 * meshgw — entry point. Loads the configuration, builds the EAL arguments
 * from the Dataplane resource, starts the ports and the worker lcores,
 * runs the control thread on the main lcore until SIGINT/SIGTERM, then
 * stops and frees everything, including EAL's runtime folder.
 *
 * Exit status: 0 after a clean stop or a valid --check-config, 2 for an
 * invalid configuration or command line, 1 when the environment fails
 * (EAL, devices, admin port).
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "gw_config.h"
#include "gw_ctrl.h"
#include "gw_mesh.h"
#include "gw_port.h"
#include "gw_proxy.h"
#include "gw_snap.h"
#include "gw_store.h"
#include "gw_version.h"
#include "gw_worker.h"

#define EXIT_CONFIG 2
#define EXIT_RUNTIME 1

RTE_LOG_REGISTER_SUFFIX(gw_main_logtype, main, INFO);
#define GW_MAIN_LOG(level, ...) \
	rte_log(RTE_LOG_##level, gw_main_logtype, "main: " __VA_ARGS__)

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s --config PATH [--watch] [--state-dir DIR] [--log-level LEVEL]\n"
		"       %s --check-config PATH\n"
		"       %s --version | --help\n"
		"\n"
		"  -c, --config PATH        run with the resources in PATH (a YAML file or a folder)\n"
		"      --watch              apply changes to the config file as they are\n"
		"                           saved (always on when PATH is a folder)\n"
		"      --state-dir DIR      keep every accepted API change in DIR; a restart\n"
		"                           comes back with the last one\n"
		"      --check-config PATH  validate PATH, list its resources, exit 0 (valid) or 2\n"
		"      --log-level LEVEL    DPDK log level (e.g. info, debug, gw.*:debug)\n"
		"  -V, --version            print the version\n"
		"  -h, --help               this text\n",
		prog, prog, prog);
}

static int
config_load(const char *path, struct gw_config **cfg)
{
	struct gw_config_err err;
	char msg[GW_CONFIG_ERR_FILE_MAX + GW_CONFIG_ERR_MSG_MAX + 32];

	if (gw_config_load(path, cfg, &err) == 0)
		return 0;
	gw_config_err_format(&err, msg, sizeof(msg));
	fprintf(stderr, "meshgw: invalid configuration: %s\n", msg);
	return -1;
}

/* Compile the Istio resources; -ENOMEM is the only failure. */
static int
mesh_compile(const struct gw_config *cfg, struct gw_mesh **mesh)
{
	int rc = gw_mesh_compile(cfg, mesh);

	if (rc < 0)
		fprintf(stderr, "meshgw: cannot compile the configuration: %s\n",
			strerror(-rc));
	return rc;
}

/* A resource's state: the compiled one where lib/mesh reads the kind. */
static const char *
resource_state(const struct gw_mesh *mesh, const struct gw_config_resource *r)
{
	enum gw_mesh_state st = gw_mesh_resource_state(mesh, r);

	return st == GW_MESH_IGNORED ? gw_config_apply_state_name(r->state) :
				       gw_mesh_state_name(st);
}

/*
 * Validate, compile, list the resources and every finding. Exit 2 when
 * the file does not load or a resource is rejected; warnings (partly
 * applied resources, missing references) still exit 0.
 */
static int
check_config(const char *path)
{
	struct gw_mesh *mesh = NULL;
	struct gw_config *cfg;
	char line[GW_MESH_MSG_MAX + 512];
	size_t i, n, rejected = 0;

	if (config_load(path, &cfg) != 0)
		return EXIT_CONFIG;
	if (mesh_compile(cfg, &mesh) < 0) {
		gw_config_free(cfg);
		return EXIT_RUNTIME;
	}
	n = gw_config_resource_count(cfg);
	for (i = 0; i < n; i++)
		rejected += gw_mesh_resource_state(
			mesh, gw_config_resource_at(cfg, i)) == GW_MESH_REJECTED;
	printf("%s: %s, %zu resource(s)", path,
	       rejected ? "invalid" : "valid", n);
	if (rejected)
		printf(", %zu rejected", rejected);
	printf("\n");
	for (i = 0; i < n; i++) {
		const struct gw_config_resource *r = gw_config_resource_at(cfg, i);

		printf("  %s/%s/%s (%s) at %s:%u: %s\n", r->kind, r->namespace,
		       r->name, r->api_version, r->file, r->line,
		       resource_state(mesh, r));
	}
	for (i = 0; i < gw_mesh_diag_count(mesh); i++) {
		gw_mesh_diag_format(gw_mesh_diag_at(mesh, i), line,
				    sizeof(line));
		printf("%s\n", line);
	}
	gw_mesh_free(mesh);
	gw_config_free(cfg);
	return rejected ? EXIT_CONFIG : 0;
}

/*
 * The resources to start with, into a new store: the boot file's, or,
 * with a state folder that holds them, the last accepted ones (the
 * Dataplane still comes from the boot file: it changes only with a
 * restart, and the restart is how). *cfg is replaced by the store's view.
 */
static int
boot_store(const char *state_dir, struct gw_config **cfg,
	   struct gw_store **out)
{
	struct gw_config_err cerr;
	const struct gw_store_entry *bad;
	struct gw_config *scfg = NULL;
	struct gw_store *st;
	char msg[1024];
	int rc;

	if (gw_store_create(state_dir, &st) < 0) {
		fprintf(stderr, "meshgw: out of memory\n");
		return -ENOMEM;
	}
	*out = st;
	rc = gw_store_load(st, msg, sizeof(msg));
	if (msg[0] != '\0')
		fprintf(stderr, "meshgw: state folder: %s\n", msg);
	if (rc > 0) {
		gw_store_drop_kind(st, "Dataplane");
		rc = gw_store_import(st, *cfg, "Dataplane");
		if (rc == 0)
			rc = gw_store_config(st, &scfg, &cerr, &bad);
		if (rc == 0) {
			fprintf(stderr, "meshgw: restored %zu resource(s) "
				"from %s (resourceVersion %" PRIu64 ")\n",
				st->n, state_dir, st->rv);
			gw_config_free(*cfg);
			*cfg = scfg;
			return 0;
		}
		gw_config_err_format(&cerr, msg, sizeof(msg));
		fprintf(stderr, "meshgw: state folder %s does not load (%s); "
			"starting from the configuration file\n", state_dir,
			msg);
	}
	if (rc < 0 && rc != -EINVAL)
		return rc;
	/* no state (or none usable): the boot file's resources */
	gw_store_free(st);
	if (gw_store_create(state_dir, out) < 0 ||
	    gw_store_import(*out, *cfg, NULL) < 0) {
		fprintf(stderr, "meshgw: out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

static bool
is_folder(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int
run(const char *prog, const char *config_path, const char *state_dir,
    bool watch, const char *log_level)
{
	const struct gw_config_dataplane *dpc;
	struct gw_port_eal_args eal;
	struct gw_ctrl ctrl = { .sig_fd = -1 };
	struct gw_config *cfg = NULL;
	struct gw_mesh *mesh = NULL;
	struct gw_dp *dp = NULL;
	struct gw_snap *snap = NULL;
	struct gw_store *store = NULL;
	char runtime_dir[PATH_MAX] = "";
	char extra_buf[2][160];
	char *extra[2];
	int n_extra = 0, rc, status = EXIT_RUNTIME;
	char err[1024];
	size_t i;

	if (config_load(config_path, &cfg) != 0)
		return EXIT_CONFIG;
	if (boot_store(state_dir, &cfg, &store) < 0 ||
	    mesh_compile(cfg, &mesh) < 0) {
		gw_store_free(store);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		return EXIT_RUNTIME;
	}
	/* start with what is valid; say what was left out and why */
	for (i = 0; i < gw_mesh_diag_count(mesh); i++) {
		gw_mesh_diag_format(gw_mesh_diag_at(mesh, i), err, sizeof(err));
		fprintf(stderr, "meshgw: %s\n", err);
	}
	dpc = gw_config_dataplane(cfg);
	ctrl.cfg = cfg;
	ctrl.mesh = mesh;
	ctrl.config_path = config_path;
	ctrl.store = store;
	if (dpc->admin_token_file[0] != '\0' &&
	    gw_ctrl_token_load(&ctrl, dpc->admin_token_file, err,
			       sizeof(err)) != 0) {
		fprintf(stderr, "meshgw: %s\n", err);
		gw_store_free(store);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		return EXIT_CONFIG;
	}
	snprintf(extra_buf[0], sizeof(extra_buf[0]), "--log-level=lib.eal:%s",
		 log_level != NULL ? log_level : "warning");
	extra[n_extra++] = extra_buf[0];
	if (log_level != NULL) {
		snprintf(extra_buf[1], sizeof(extra_buf[1]), "--log-level=%s",
			 log_level);
		extra[n_extra++] = extra_buf[1];
	}
	rc = gw_port_eal_args_build(dpc, prog, extra, n_extra, &eal, err,
				    sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "meshgw: %s\n", err);
		gw_store_free(store);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		return EXIT_RUNTIME;
	}
	rc = gw_ctrl_signals_block();
	if (rc < 0) {
		fprintf(stderr, "meshgw: cannot block signals: %s\n",
			strerror(-rc));
		gw_store_free(store);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		return EXIT_RUNTIME;
	}
	if (rte_eal_init(eal.argc, eal.argv) < 0) {
		fprintf(stderr, "meshgw: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		gw_store_free(store);
		gw_mesh_free(mesh);
		gw_config_free(cfg);
		return EXIT_RUNTIME;
	}
	snprintf(runtime_dir, sizeof(runtime_dir), "%s",
		 rte_eal_get_runtime_dir());
	if (eal.oversubscribed)
		GW_MAIN_LOG(WARNING,
			    "%u worker(s) and the control thread share fewer CPUs; "
			    "set idleSleepUs so idle workers yield\n",
			    dpc->workers);

	rc = gw_dp_create(dpc, &dp, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "meshgw: %s\n", err);
		goto out;
	}
	rc = gw_proxy_start(dp, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "meshgw: %s\n", err);
		goto out;
	}
	/* the boot configuration: dp->cfg points into it, so it lives until
	 * the end; later ones are owned by their snapshots */
	rc = gw_snap_build(dp, cfg, mesh, true, &snap, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "meshgw: %s\n", err);
		goto out;
	}
	gw_snap_publish(dp, snap);
	ctrl.dp = dp;
	ctrl.start_ns = gw_ctrl_now_ns();
	ctrl.start_wall = time(NULL);
	rc = gw_ctrl_init(&ctrl, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "meshgw: %s\n", err);
		goto out;
	}
	if (watch || is_folder(config_path)) {
		rc = gw_ctrl_watch_start(&ctrl, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "meshgw: %s\n", err);
			goto out;
		}
	}
	rc = gw_dp_launch(dp);
	if (rc < 0) {
		fprintf(stderr, "meshgw: cannot launch the workers: %s\n",
			strerror(-rc));
		goto stop;
	}
	GW_MAIN_LOG(NOTICE, "meshgw %s running: %u worker(s), %u port(s)\n",
		    MESHGW_VERSION, dp->n_workers, dp->n_ports);
	rc = gw_ctrl_run(&ctrl);
	status = rc > 0 ? 0 : EXIT_RUNTIME;
stop:
	gw_dp_stop(dp);
out:
	gw_ctrl_fini(&ctrl);
	gw_dp_free(dp);
	(void)rte_eal_cleanup(); /* nothing left to do if it fails */
	gw_port_runtime_dir_remove(runtime_dir);
	gw_store_free(store);
	gw_mesh_free(mesh);
	gw_config_free(cfg);
	return status;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "watch", no_argument, NULL, 'W' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *check = NULL, *log_level = NULL;
	const char *state_dir = NULL;
	bool watch = false;
	int o;

	while ((o = getopt_long(argc, argv, "c:Vh", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config = optarg;
			break;
		case 'C':
			check = optarg;
			break;
		case 'l':
			log_level = optarg;
			break;
		case 'S':
			state_dir = optarg;
			break;
		case 'W':
			watch = true;
			break;
		case 'V':
			printf("meshgw %s\n", MESHGW_VERSION);
			return 0;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return EXIT_CONFIG;
		}
	}
	if (optind < argc || (config == NULL) == (check == NULL)) {
		usage(stderr, argv[0]);
		return EXIT_CONFIG;
	}
	if (check != NULL)
		return check_config(check);
	return run(argv[0], config, state_dir, watch, log_level);
}
