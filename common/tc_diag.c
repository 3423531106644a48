/*
 * tc_diag.c — the bounded list of diagnostics behind tc_diag.h.
 *
 * Items are kept in one growable array (tc_vec); strings are owned by the
 * item.
 */
#define _GNU_SOURCE
#include "tc_diag.h"
#include "tc_vec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tc_diags {
	struct tc_vec items; /* struct tc_diag */
	size_t errors, warnings;
	size_t dropped;
};

const char *tc_severity_name(enum tc_severity sev)
{
	return sev == TC_SEV_ERROR ? "error" : "warning";
}

struct tc_diags *tc_diags_new(void)
{
	struct tc_diags *d = calloc(1, sizeof(*d));
	if (d)
		tc_vec_init(&d->items, sizeof(struct tc_diag));
	return d;
}

static struct tc_diag *item(const struct tc_diags *d, size_t i)
{
	return tc_vec_at(&d->items, i);
}

static void item_release(struct tc_diag *it)
{
	free(it->code);
	free(it->path);
	free(it->message);
}

void tc_diags_clear(struct tc_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->items.n; i++)
		item_release(item(d, i));
	d->items.n = d->errors = d->warnings = d->dropped = 0;
}

void tc_diags_free(struct tc_diags *d)
{
	if (!d)
		return;
	tc_diags_clear(d);
	tc_vec_free(&d->items);
	free(d);
}

/* Append without the bound check; takes ownership of msg. */
static enum tc_rc append(struct tc_diags *d, enum tc_severity sev, const char *code,
			 const char *path, int line, char *msg)
{
	struct tc_diag it = { .sev = sev, .line = line, .message = msg };
	it.code = strdup(code ? code : "");
	it.path = strdup(path ? path : "");
	struct tc_diag *slot = it.code && it.path ? tc_vec_push(&d->items) : NULL;
	if (!slot) {
		item_release(&it);
		return TC_ERR_NOMEM;
	}
	*slot = it;
	if (sev == TC_SEV_ERROR)
		d->errors++;
	else
		d->warnings++;
	return TC_OK;
}

static void note_truncation(struct tc_diags *d)
{
	char *msg = NULL;
	if (asprintf(&msg, "more problems were found but not listed (limit %d)", TC_DIAGS_MAX) < 0)
		return;
	append(d, TC_SEV_ERROR, "diag.truncated", "", 0, msg);
}

enum tc_rc tc_diags_addv(struct tc_diags *d, enum tc_severity sev, const char *code,
			 const char *path, int line, const char *fmt, va_list ap)
{
	if (!d)
		return TC_OK;
	if (d->items.n >= TC_DIAGS_MAX) {
		/* Keep counting errors so a truncated list still reads as invalid. */
		if (sev == TC_SEV_ERROR)
			d->errors++;
		if (d->dropped++ == 0)
			note_truncation(d);
		return TC_OK;
	}
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		return TC_ERR_NOMEM;
	return append(d, sev, code, path, line, msg);
}

enum tc_rc tc_diags_add(struct tc_diags *d, enum tc_severity sev, const char *code,
			const char *path, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	enum tc_rc rc = tc_diags_addv(d, sev, code, path, line, fmt, ap);
	va_end(ap);
	return rc;
}

size_t tc_diags_count(const struct tc_diags *d)
{
	return d ? d->items.n : 0;
}

size_t tc_diags_errors(const struct tc_diags *d)
{
	return d ? d->errors : 0;
}

size_t tc_diags_warnings(const struct tc_diags *d)
{
	return d ? d->warnings : 0;
}

const struct tc_diag *tc_diags_get(const struct tc_diags *d, size_t i)
{
	return d && i < d->items.n ? item(d, i) : NULL;
}

const struct tc_diag *tc_diags_find(const struct tc_diags *d, const char *code)
{
	for (size_t i = 0; d && i < d->items.n; i++)
		if (strcmp(item(d, i)->code, code) == 0)
			return item(d, i);
	return NULL;
}
