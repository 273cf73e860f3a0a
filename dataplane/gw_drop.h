/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drop reasons shared by every dataplane stage (see drop_reasons.def).
 * The names table is immutable and may be read from any thread.
 */
#ifndef GW_DROP_H
#define GW_DROP_H

enum gw_drop_reason {
#define GW_DROP(id, name, help) GW_DROP_##id,
#include "drop_reasons.def"
#undef GW_DROP
	GW_DROP_MAX
};

/** Label of a reason ("ip4_bad_checksum"). */
extern const char *const gw_drop_names[GW_DROP_MAX];
/** One-line explanation of a reason. */
extern const char *const gw_drop_help[GW_DROP_MAX];

#endif /* GW_DROP_H */
