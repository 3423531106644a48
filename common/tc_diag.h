/*
 * tc_diag.h — diagnostics: what was wrong with an input, where, and what to do.
 *
 * Every check in tocsin reports into a struct tc_diags owned by the caller.
 * Each item carries a stable code (for scripts and tests), a location
 * (XPath-like, 0-based indices: "alert/info[1]/area[0]/polygon[0]"), an
 * optional line number and a message written for the duty officer. The
 * message is shown as is by the CLI and the HTTP API.
 *
 * The list is bounded (TC_DIAGS_MAX items); once full, one final item with
 * code "diag.truncated" says how many were left out.
 */
#ifndef TC_DIAG_H
#define TC_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "tc_rc.h"

#define TC_DIAGS_MAX 500

enum tc_severity {
	TC_SEV_ERROR = 0,
	TC_SEV_WARNING,
};

const char *tc_severity_name(enum tc_severity sev);

struct tc_diag {
	enum tc_severity sev;
	char *code;    /* stable identifier, e.g. "rule.polygon.not-closed" */
	char *path;    /* where, e.g. "alert/info[0]/area[0]/polygon[0]"; "" for the whole document */
	char *message; /* human sentence for the duty officer */
	int line;      /* 1-based line in the source document, 0 when unknown */
};

struct tc_diags;

/* A new empty list; NULL when out of memory. Free with tc_diags_free(). */
struct tc_diags *tc_diags_new(void);
void tc_diags_free(struct tc_diags *d);
/* Forget every item, keep the allocation. */
void tc_diags_clear(struct tc_diags *d);

/*
 * Add one item. code and path are copied; the message is formatted from fmt.
 * d may be NULL (the item is dropped). Returns TC_ERR_NOMEM on allocation
 * failure, TC_OK otherwise (also when the list is full and the item dropped).
 */
enum tc_rc tc_diags_add(struct tc_diags *d, enum tc_severity sev, const char *code,
			const char *path, int line, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
enum tc_rc tc_diags_addv(struct tc_diags *d, enum tc_severity sev, const char *code,
			 const char *path, int line, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));

/* Shorthands for tc_diags_add with line 0. */
#define tc_err(d, code, path, ...) tc_diags_add((d), TC_SEV_ERROR, (code), (path), 0, __VA_ARGS__)
#define tc_warn(d, code, path, ...) tc_diags_add((d), TC_SEV_WARNING, (code), (path), 0, __VA_ARGS__)

size_t tc_diags_count(const struct tc_diags *d);
size_t tc_diags_errors(const struct tc_diags *d);
size_t tc_diags_warnings(const struct tc_diags *d);
/* Item i (0-based, i < count); NULL when out of range. Owned by the list. */
const struct tc_diag *tc_diags_get(const struct tc_diags *d, size_t i);
/* The first item with this code, or NULL. */
const struct tc_diag *tc_diags_find(const struct tc_diags *d, const char *code);

#endif
