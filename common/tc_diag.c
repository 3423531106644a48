/*
 * tc_diag.c — the bounded list of diagnostics behind tc_diag.h.
 *
 * Items are kept in one growable array; strings are owned by the item.
 */
#define _GNU_SOURCE
#include "tc_diag.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tc_diags {
	struct tc_diag *items;
	size_t n, cap;
	size_t errors, warnings;
	size_t dropped;
};

const char *tc_severity_name(enum tc_severity sev)
{
	return sev == TC_SEV_ERROR ? "error" : "warning";
}

struct tc_diags *tc_diags_new(void)
{
	return calloc(1, sizeof(struct tc_diags));
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
	for (size_t i = 0; i < d->n; i++)
		item_release(&d->items[i]);
	d->n = d->errors = d->warnings = d->dropped = 0;
}

void tc_diags_free(struct tc_diags *d)
{
	if (!d)
		return;
	tc_diags_clear(d);
	free(d->items);
	free(d);
}

static enum tc_rc grow(struct tc_diags *d)
{
	if (d->n < d->cap)
		return TC_OK;
	size_t cap = d->cap ? d->cap * 2 : 8;
	struct tc_diag *p = realloc(d->items, cap * sizeof(*p));
	if (!p)
		return TC_ERR_NOMEM;
	d->items = p;
	d->cap = cap;
	return TC_OK;
}

/* Append without the bound check; takes ownership of msg. */
static enum tc_rc append(struct tc_diags *d, enum tc_severity sev, const char *code,
			 const char *path, int line, char *msg)
{
	struct tc_diag it = { .sev = sev, .line = line, .message = msg };
	it.code = strdup(code ? code : "");
	it.path = strdup(path ? path : "");
	if (!it.code || !it.path || grow(d) != TC_OK) {
		item_release(&it);
		return TC_ERR_NOMEM;
	}
	d->items[d->n++] = it;
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
	if (d->n >= TC_DIAGS_MAX) {
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
	return d ? d->n : 0;
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
	return d && i < d->n ? &d->items[i] : NULL;
}

const struct tc_diag *tc_diags_find(const struct tc_diags *d, const char *code)
{
	for (size_t i = 0; d && i < d->n; i++)
		if (strcmp(d->items[i].code, code) == 0)
			return &d->items[i];
	return NULL;
}
