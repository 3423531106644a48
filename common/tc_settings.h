/*
 * tc_settings.h — a settings table (name, type, default, bounds, help) over
 * a program's own settings struct, read from an INI file and from flags.
 * tocsind (server/config) and the receivers (receivers/rx_config) each
 * keep only their table; reading, checking and the documented example file
 * are here, so every program's settings behave alike:
 *
 *  - defaults first, then the file ("name = value" lines, optionally under
 *    the program's one [section]; '#' and ';' start comments), then flags;
 *  - an unknown name, another section or a bad value is an error naming the
 *    file and line, and nothing of a bad file applies;
 *  - the example file printed from the table is the documentation;
 *  - a list setting may be given on many lines, each adding one entry that
 *    remembers where it came from (file and line), so that whoever reads the
 *    entries later can name the line of a bad one.
 */
#ifndef TC_SETTINGS_H
#define TC_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "tc_diag.h"

enum tc_setting_type {
	TC_SET_TEXT = 0,
	TC_SET_BOOL,   /* true/yes/1, false/no/0 */
	TC_SET_LONG,   /* within min..max */
	TC_SET_CHOICE, /* one of choices, '|' separated */
	TC_SET_LIST,   /* repeatable: each line adds an entry to a struct tc_setting_list */
};

#define TC_SETTING_LIST_MAX 32   /* entries a list setting holds */
#define TC_SETTING_ITEM_MAX 160  /* bytes of one entry, with its NUL */

/* The entries of a list setting, in the order given. */
struct tc_setting_list {
	size_t n;
	struct {
		char text[TC_SETTING_ITEM_MAX];
		char where[128]; /* "FILE:LINE", or "" when set by a flag */
	} v[TC_SETTING_LIST_MAX];
};

struct tc_setting {
	const char *name;
	enum tc_setting_type type;
	size_t offset, size; /* of the field in the settings struct */
	const char *def;
	long min, max;
	const char *choices;
	const char *help;
};

/* offset and size of field f of struct type T, for a table entry */
#define TC_SETTING_FIELD(T, f) offsetof(T, f), sizeof(((T *)0)->f)

struct tc_settings {
	const struct tc_setting *v;
	size_t n;
	const char *section;  /* the file's one section name, without brackets */
	size_t struct_size;   /* sizeof the settings struct */
};

/* Every setting of t at its default in the struct at base. */
void tc_settings_defaults(const struct tc_settings *t, void *base);
/* One setting by name from text (a list setting gains an entry); errors name the setting and its bounds. */
enum tc_rc tc_settings_set(const struct tc_settings *t, void *base, const char *name, const char *value,
			   struct tc_diags *d);
/* Read an INI file into base: all its lines, or (on any error) none. */
enum tc_rc tc_settings_load(const struct tc_settings *t, void *base, const char *path, struct tc_diags *d);
/* s without the white space at its start and end (in place: the end is cut). */
char *tc_settings_strip(char *s);
/* The example file: heading (comment lines), the section, every setting with its help and default. */
void tc_settings_print(const struct tc_settings *t, const char *heading, FILE *f);

#endif
