/*
 * tc_sms_gateways.c — reading sms_gateways_file (tc_sms_gateways.h).
 */
#include "tc_sms_gateways.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "tc_file.h"
#include "tc_settings.h"

#define FILE_MAX (1 << 20)

struct reader {
	const char *path;
	struct tc_sms_gateways *out;
	struct tc_diags *d;
	int line;
	int fallback_line[TC_SMS_MAX_GATEWAYS - 1];
	int section_line[TC_SMS_MAX_GATEWAYS - 1];
	bool has_smpp[TC_SMS_MAX_GATEWAYS - 1], has_password[TC_SMS_MAX_GATEWAYS - 1];
	bool failed;
};

static void bad(struct reader *r, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An error naming the file and line, then what is wrong. */
static void bad(struct reader *r, int line, const char *fmt, ...)
{
	char where[300], what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(where, sizeof(where), "%s:%d", r->path, line);
	tc_err(r->d, "sms.gateways", where, "%s: %s", where, what);
	r->failed = true;
}

static bool is_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n < 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* A whole number in min..max. */
static bool number(const char *v, long min, long max, long *out)
{
	char *end = NULL;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (!*v || *end || errno || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* The secret of password_file: its first line, 8 characters at most; a file open to others is refused. */
static void password_from(struct reader *r, const char *file, char out[9])
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int err = tc_file_read(file, 64, &buf, &len);
	if (err) {
		bad(r, r->line, "cannot read password_file %s: %s", file, strerror(err));
		return;
	}
	len = strcspn(buf, "\r\n");
	if (len > 8)
		bad(r, r->line, "the password in %s is longer than 8 characters (SMPP)", file);
	else if (stat(file, &st) == 0 && (st.st_mode & 077))
		bad(r, r->line, "password_file %s is open to other users (chmod 600 it)", file);
	else {
		memcpy(out, buf, len);
		out[len] = '\0';
	}
	sodium_memzero(buf, len);
	free(buf);
}

/* Has another gateway, or this one before, claimed prefix p? */
static bool claimed(const struct tc_sms_gateways *g, const char *p, const char **by)
{
	for (size_t i = 0; i < g->n; i++)
		for (size_t k = 0; k < g->v[i].n_prefixes; k++)
			if (!strcmp(g->v[i].prefixes[k], p)) {
				*by = g->v[i].name;
				return true;
			}
	return false;
}

static void prefixes(struct reader *r, struct tc_sms_engine_gateway *gw, char *v)
{
	for (char *save = NULL, *p = strtok_r(v, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		const char *by = NULL;
		p = tc_settings_strip(p);
		size_t n = strlen(p);
		if (!n || n > 15 || strspn(p, "0123456789") != n || p[0] == '0')
			bad(r, r->line, "prefix '%.20s' is not the start of an E.164 number without '+' (digits, not 0 first, "
			    "15 at most)", p);
		else if (claimed(r->out, p, &by))
			bad(r, r->line, "prefix %s is claimed twice (also by [%s])", p, by);
		else if (gw->n_prefixes == TC_SMS_GW_MAX_PREFIXES)
			bad(r, r->line, "more than %d prefixes in one gateway", TC_SMS_GW_MAX_PREFIXES);
		else
			snprintf(gw->prefixes[gw->n_prefixes++], sizeof(gw->prefixes[0]), "%s", p);
	}
}

static void setting(struct reader *r, char *key, char *v)
{
	size_t i = r->out->n - 1;
	struct tc_sms_engine_gateway *gw = &r->out->v[i];
	long n = 0;
	if (!strcmp(key, "smpp")) {
		char *colon = strrchr(v, ':');
		if (!colon || colon == v || (size_t)(colon - v) >= sizeof(r->out->text[i].host) ||
		    !number(colon + 1, 1, 65535, &n)) {
			bad(r, r->line, "smpp = '%.60s' is not HOST:PORT, e.g. 127.0.0.1:2775", v);
			return;
		}
		*colon = '\0';
		snprintf(r->out->text[i].host, sizeof(r->out->text[i].host), "%s", v);
		gw->smpp.port = (int)n;
		r->has_smpp[i] = true;
	} else if (!strcmp(key, "system_id") || !strcmp(key, "system_type") || !strcmp(key, "source")) {
		char *to = !strcmp(key, "system_id") ? r->out->text[i].system_id
			 : !strcmp(key, "system_type") ? r->out->text[i].system_type : r->out->text[i].source;
		size_t cap = !strcmp(key, "system_id") ? 16 : !strcmp(key, "system_type") ? 13 : 21;
		if (strlen(v) >= cap)
			bad(r, r->line, "%s is longer than %zu characters", key, cap - 1);
		else
			snprintf(to, cap, "%s", v);
	} else if (!strcmp(key, "password_file")) {
		password_from(r, v, r->out->text[i].password);
		r->has_password[i] = true;
	} else if (!strcmp(key, "tps") || !strcmp(key, "window")) {
		bool tps = !strcmp(key, "tps");
		if (!number(v, 1, tps ? 100000 : 1000, &n))
			bad(r, r->line, "%s = '%.20s' is not a number within bounds", key, v);
		else if (tps)
			gw->smpp.tps = n;
		else
			gw->smpp.window = n;
	} else if (!strcmp(key, "prefixes"))
		prefixes(r, gw, v);
	else if (!strcmp(key, "fallback")) {
		if (!is_name(v))
			bad(r, r->line, "fallback = '%.40s' is not a gateway's name (default, none or a section)", v);
		else
			snprintf(gw->fallback, sizeof(gw->fallback), "%s", v);
		r->fallback_line[i] = r->line;
	} else
		bad(r, r->line, "unknown key '%.40s' (smpp, system_id, password_file, system_type, source, tps, window, "
		    "prefixes, fallback)", key);
}

static void section(struct reader *r, char *s)
{
	char *end = strchr(s, ']');
	char *name = s + 1;
	if (!end || *tc_settings_strip(end + 1)) {
		bad(r, r->line, "expected [NAME]");
		return;
	}
	*end = '\0';
	name = tc_settings_strip(name);
	if (!is_name(name) || !strcmp(name, "default") || !strcmp(name, "none")) {
		bad(r, r->line, "[%.40s] is no gateway name: a-z, 0-9, _ and -, 31 at most, not default or none", name);
		return;
	}
	for (size_t i = 0; i < r->out->n; i++)
		if (!strcmp(r->out->v[i].name, name)) {
			bad(r, r->line, "gateway [%s] is named twice", name);
			return;
		}
	if (r->out->n == TC_SMS_MAX_GATEWAYS - 1) {
		bad(r, r->line, "more than %d further gateways", TC_SMS_MAX_GATEWAYS - 1);
		return;
	}
	size_t i = r->out->n++;
	snprintf(r->out->v[i].name, sizeof(r->out->v[i].name), "%s", name);
	r->section_line[i] = r->line;
}

/* Every gateway complete, every fallback a gateway. */
static void check(struct reader *r)
{
	for (size_t i = 0; i < r->out->n; i++) {
		struct tc_sms_engine_gateway *gw = &r->out->v[i];
		if (!r->has_smpp[i] || !r->out->text[i].system_id[0] || !r->has_password[i])
			bad(r, r->section_line[i], "gateway [%s] needs smpp, system_id and password_file", gw->name);
		const char *fb = gw->fallback;
		bool known = !*fb || !strcmp(fb, "default") || !strcmp(fb, "none");
		for (size_t k = 0; !known && k < r->out->n; k++)
			known = k != i && !strcmp(r->out->v[k].name, fb);
		if (!known)
			bad(r, r->fallback_line[i], "fallback = %s names no other gateway (default, none or a section)", fb);
	}
}

enum tc_rc tc_sms_gateways_load(const char *path, const struct tc_smpp_options *base, struct tc_sms_gateways *out,
				struct tc_diags *d)
{
	char *buf = NULL;
	size_t len = 0;
	struct reader r = { .path = path, .out = out, .d = d };
	memset(out, 0, sizeof(*out));
	int err = tc_file_read(path, FILE_MAX, &buf, &len);
	if (err) {
		tc_err(d, "sms.gateways", path, "cannot read sms_gateways_file %s: %s", path, strerror(err));
		return TC_ERR_IO;
	}
	for (char *line = buf, *next; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r.line++;
		line[strcspn(line, "#;")] = '\0';
		char *s = tc_settings_strip(line);
		if (!*s)
			continue;
		if (*s == '[') {
			section(&r, s);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq)
			bad(&r, r.line, "expected KEY = VALUE or [NAME]");
		else if (!out->n)
			bad(&r, r.line, "'%.40s' before any [gateway] section", s);
		else {
			*eq = '\0';
			setting(&r, tc_settings_strip(s), tc_settings_strip(eq + 1));
		}
	}
	free(buf);
	check(&r);
	for (size_t i = 0; !r.failed && i < out->n; i++) {
		struct tc_sms_engine_gateway *gw = &out->v[i];
		long tps = gw->smpp.tps, window = gw->smpp.window;
		int port = gw->smpp.port;
		gw->kind = TC_SMS_GW_SMPP;
		gw->smpp = *base;
		gw->smpp.host = out->text[i].host;
		gw->smpp.port = port;
		gw->smpp.system_id = out->text[i].system_id;
		gw->smpp.password = out->text[i].password;
		if (out->text[i].system_type[0])
			gw->smpp.system_type = out->text[i].system_type;
		if (out->text[i].source[0])
			gw->smpp.source = out->text[i].source;
		gw->smpp.tps = tps ? tps : 50;
		gw->smpp.window = window ? window : 10;
		gw->smpp.queue_max = gw->smpp.window * 40;
		if (!strcmp(gw->fallback, "none"))
			gw->fallback[0] = '\0';
	}
	if (r.failed) {
		tc_sms_gateways_wipe(out);
		memset(out, 0, sizeof(*out));
		return TC_ERR_INVALID;
	}
	return TC_OK;
}

void tc_sms_gateways_wipe(struct tc_sms_gateways *out)
{
	for (size_t i = 0; i < TC_SMS_MAX_GATEWAYS - 1; i++)
		sodium_memzero(out->text[i].password, sizeof(out->text[i].password));
}
