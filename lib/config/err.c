/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Error reporting of lib/config: fills struct gw_config_err (the module
 * never logs) and formats it as "file:line:col: msg".
 * Control thread only.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gw_config.h"
#include "config_priv.h"

int
gw_config_err_format(const struct gw_config_err *err, char *buf, size_t len)
{
	const char *file;

	if (buf == NULL)
		len = 0;
	if (err == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	file = err->file;
	if (file[0] != '\0') {
		if (err->line != 0 && err->col != 0)
			return snprintf(buf, len, "%s:%u:%u: %s", file,
					err->line, err->col, err->msg);
		if (err->line != 0)
			return snprintf(buf, len, "%s:%u: %s", file, err->line,
					err->msg);
		return snprintf(buf, len, "%s: %s", file, err->msg);
	}
	if (err->line != 0 && err->col != 0)
		return snprintf(buf, len, "%u:%u: %s", err->line, err->col,
				err->msg);
	if (err->line != 0)
		return snprintf(buf, len, "%u: %s", err->line, err->msg);
	return snprintf(buf, len, "%s", err->msg);
}

int
cfg_verr(struct gw_config_err *err, int rc, const char *file, unsigned line,
	 unsigned col, const char *fmt, va_list ap)
{
	size_t n;

	if (err == NULL)
		return rc;
	memset(err, 0, sizeof(*err));
	if (file != NULL) {
		/* Keep the end of a long path: it names the file. */
		n = strlen(file);
		if (n >= sizeof(err->file))
			file += n - (sizeof(err->file) - 1);
		memcpy(err->file, file, strlen(file) + 1);
	}
	err->line = line;
	err->col = col;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return rc;
}

int
cfg_err(struct gw_config_err *err, int rc, const char *file, unsigned line,
	unsigned col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rc = cfg_verr(err, rc, file, line, col, fmt, ap);
	va_end(ap);
	return rc;
}

int
cfg_err_node(struct gw_config_err *err, const struct gw_config_node *n,
	     const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_verr(err, -EINVAL, n->file, n->line, n->col, fmt, ap);
	va_end(ap);
	return rc;
}

int
cfg_err_key(struct gw_config_err *err, const char *file,
	    const struct gw_config_pair *p, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = cfg_verr(err, -EINVAL, file, p->line, p->col, fmt, ap);
	va_end(ap);
	return rc;
}
