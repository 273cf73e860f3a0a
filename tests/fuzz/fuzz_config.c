/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer harness for lib/config: YAML bytes → gw_config_load_buffer()
 * → gw_config_dump_json() → free. Catches crashes, leaks (ASan) and
 * timeouts in the loader, the validators and the JSON conversion.
 * Corpus: corpus/config/, dictionary: config.dict. Ordinary builds replay
 * the corpus through replay_main.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "gw_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gw_config_err err;
	struct gw_config *cfg;
	char msg[GW_CONFIG_ERR_FILE_MAX + GW_CONFIG_ERR_MSG_MAX + 32];
	json_t *j;
	char *s;

	if (gw_config_load_buffer("fuzz.yaml", (const char *)data, size, &cfg,
				  &err) < 0) {
		(void)gw_config_err_format(&err, msg, sizeof(msg));
		if (cfg != NULL)
			abort(); /* *out must stay NULL on error */
		return 0;
	}
	(void)gw_config_dataplane(cfg);
	j = gw_config_dump_json(cfg);
	if (j != NULL) {
		s = json_dumps(j, JSON_COMPACT);
		free(s);
		json_decref(j);
	}
	gw_config_free(cfg);
	return 0;
}
