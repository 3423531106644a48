/*
 * tc_settings.c — settings tables and the INI reader (tc_settings.h).
 */
#include "tc_settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tc_file.h"

static const struct tc_setting *find(const struct tc_settings *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return &t->v[i];
	return NULL;
}

static bool choice_ok(const char *choices, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = choices; *p;) {
		size_t k = strcspn(p, "|");
		if (k == n && !strncmp(p, v, n))
			return true;
		p += k + (p[k] == '|');
	}
	return false;
}

/* One more entry v of list l, given at where. */
static const char *append(struct tc_setting_list *l, const char *v, const char *where)
{
	if (!*v)
		return "is empty";
	if (strlen(v) >= sizeof(l->v[0].text))
		return "is too long";
	if (l->n >= TC_SETTING_LIST_MAX)
		return "is one entry too many (at most 32)";
	snprintf(l->v[l->n].text, sizeof(l->v[0].text), "%s", v);
	snprintf(l->v[l->n].where, sizeof(l->v[0].where), "%s", where ? where : "");
	l->n++;
	return NULL;
}

/* Parse v for st into base (given at where, for a list); NULL when fine, else why not. */
static const char *apply(void *base, const struct tc_setting *st, const char *v, const char *where)
{
	char *dst = (char *)base + st->offset;
	switch (st->type) {
	case TC_SET_LIST:
		return *v || where ? append((struct tc_setting_list *)(void *)dst, v, where) : NULL;
	case TC_SET_TEXT:
		if (strlen(v) >= st->size)
			return "is too long";
		snprintf(dst, st->size, "%s", v);
		return NULL;
	case TC_SET_CHOICE:
		if (!choice_ok(st->choices, v))
			return "is not one of the choices";
		snprintf(dst, st->size, "%s", v);
		return NULL;
	case TC_SET_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "1"))
			*(bool *)dst = true;
		else if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
			*(bool *)dst = false;
		else
			return "must be true or false";
		return NULL;
	case TC_SET_LONG: {
		char *end;
		errno = 0;
		long x = strtol(v, &end, 10);
		if (!*v || *end || errno)
			return "is not a whole number";
		if (x < st->min || x > st->max)
			return "is out of bounds";
		*(long *)dst = x;
		return NULL;
	}
	}
	return "has an unknown type";
}

static void explain(const struct tc_setting *st, char *buf, size_t len)
{
	if (st->type == TC_SET_LONG)
		snprintf(buf, len, " (%ld to %ld)", st->min, st->max);
	else if (st->type == TC_SET_CHOICE)
		snprintf(buf, len, " (%s)", st->choices);
	else if (st->type == TC_SET_BOOL)
		snprintf(buf, len, " (true or false)");
	else if (st->type == TC_SET_LIST)
		snprintf(buf, len, " (repeatable: one entry a line)");
	else
		buf[0] = '\0';
}

void tc_settings_defaults(const struct tc_settings *t, void *base)
{
	memset(base, 0, t->struct_size);
	for (size_t i = 0; i < t->n; i++)
		apply(base, &t->v[i], t->v[i].def, NULL);
}

/* tc_settings_set, for a value given at where (FILE:LINE; NULL for a flag). */
static enum tc_rc set_at(const struct tc_settings *t, void *base, const char *name, const char *value,
			 const char *where, struct tc_diags *d)
{
	char bounds[160];
	const struct tc_setting *st = find(t, name);
	if (!st) {
		tc_err(d, "config.unknown", name, "unknown setting '%s'", name);
		return TC_ERR_INVALID;
	}
	const char *why = apply(base, st, value, where ? where : "");
	if (why) {
		explain(st, bounds, sizeof(bounds));
		/* a secret is never echoed, not even a wrong one: it may be a real password misplaced */
		bool secret = strstr(name, "password") || strstr(name, "secret");
		tc_err(d, "config.value", name, "%s = '%.60s' %s%s", name, secret ? "(hidden)" : value, why, bounds);
		return TC_ERR_INVALID;
	}
	return TC_OK;
}

enum tc_rc tc_settings_set(const struct tc_settings *t, void *base, const char *name, const char *value,
			   struct tc_diags *d)
{
	return set_at(t, base, name, value, NULL, d);
}

char *tc_settings_strip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* One non-empty, non-comment line s into base; false (with a diagnostic) when it is bad. */
static bool load_line(const struct tc_settings *t, void *base, char *s, const char *where, struct tc_diags *d)
{
	if (*s == '[') {
		size_t n = strlen(t->section);
		if (!strncmp(s + 1, t->section, n) && !strcmp(s + 1 + n, "]"))
			return true;
		tc_err(d, "config.section", where, "%s: unknown section %.40s (only [%s])", where, s, t->section);
		return false;
	}
	char *eq = strchr(s, '=');
	if (!eq) {
		tc_err(d, "config.syntax", where, "%s: expected name = value", where);
		return false;
	}
	*eq = '\0';
	struct tc_diags *ld = tc_diags_new();
	bool ok = set_at(t, base, tc_settings_strip(s), tc_settings_strip(eq + 1), where, ld) == TC_OK;
	if (!ok)
		tc_err(d, "config.value", where, "%s: %s", where,
		       tc_diags_count(ld) ? tc_diags_get(ld, 0)->message : "out of memory");
	tc_diags_free(ld);
	return ok;
}

enum tc_rc tc_settings_load(const struct tc_settings *t, void *base, const char *path, struct tc_diags *d)
{
	char *text = NULL, where[1100];
	size_t len = 0;
	int err = tc_file_read(path, 1 << 20, &text, &len);
	if (err) {
		tc_err(d, "config.io", path, "cannot read the configuration %s: %s", path, strerror(err));
		return TC_ERR_IO;
	}
	void *next = malloc(t->struct_size);
	if (!next) {
		free(text);
		return TC_ERR_NOMEM;
	}
	memcpy(next, base, t->struct_size);
	int line = 0, bad = 0;
	for (char *l = text, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		char *s = tc_settings_strip(l);
		if (!*s || *s == '#' || *s == ';')
			continue;
		snprintf(where, sizeof(where), "%s:%d", path, line);
		bad += !load_line(t, next, s, where, d);
	}
	free(text);
	if (!bad)
		memcpy(base, next, t->struct_size);
	free(next);
	return bad ? TC_ERR_INVALID : TC_OK;
}

void tc_settings_print(const struct tc_settings *t, const char *heading, FILE *f)
{
	char bounds[160];
	fprintf(f, "%s[%s]\n", heading, t->section);
	for (size_t i = 0; i < t->n; i++) {
		const struct tc_setting *st = &t->v[i];
		explain(st, bounds, sizeof(bounds));
		if (st->def[0])
			fprintf(f, "\n# %s%s\n%s = %s\n", st->help, bounds, st->name, st->def);
		else
			fprintf(f, "\n# %s%s\n# %s =\n", st->help, bounds, st->name);
	}
}
