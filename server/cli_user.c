/*
 * cli_user.c — `tocsin user`: staff accounts, on the data directory
 * (docs/security.md, "Users and roles").
 *
 *   tocsin user add NAME --role ROLE [--region CODE]... [--department SENDER]... [--phone E164]
 *                        [--expires-days N] [--label TEXT] --data-dir DIR
 *   tocsin user token NAME [--expires-days N] [--label TEXT] --data-dir DIR
 *   tocsin user revoke NAME [--token ID] --data-dir DIR
 *   tocsin user disable NAME --data-dir DIR
 *   tocsin user enable NAME --data-dir DIR
 *   tocsin user password NAME [--password-file FILE] --data-dir DIR
 *   tocsin user list [--json] --data-dir DIR
 *
 * It works on DIR/tocsin.db while tocsind runs (SQLite in WAL mode). A new
 * token is shown once, as the last line of standard output and alone on it;
 * what was done is said on standard error. A password is read from a file or
 * standard input, never from the command line (where ps would show it).
 * Every change is written to the audit log, naming the user and the token's
 * id, never the token. Exit 0 done, 1 refused (a bad name, role, region,
 * department or phone; an unknown user or token), 2 usage or I/O error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "tc_auth.h"
#include "tc_db.h"
#include "tc_id.h"
#include "tc_store.h"

#define USER_USAGE                                                                                              \
	"usage: tocsin user add NAME --role ROLE [--region CODE]... [--department SENDER]...\n"                  \
	"                       [--phone E164] [--expires-days N] [--label TEXT] --data-dir DIR\n"               \
	"       tocsin user token NAME [--expires-days N] [--label TEXT] --data-dir DIR\n"                       \
	"       tocsin user revoke NAME [--token ID] --data-dir DIR\n"                                           \
	"       tocsin user disable NAME --data-dir DIR\n"                                                       \
	"       tocsin user enable NAME --data-dir DIR\n"                                                        \
	"       tocsin user password NAME [--password-file FILE] --data-dir DIR\n"                               \
	"       tocsin user list [--json] --data-dir DIR\n"                                                      \
	"  --role ROLE          viewer, drafter, approver, registry, admin, gateway or shelter\n"                         \
	"  --region CODE        a GB/T 2260 code or its first 2, 4, 6 or 9 digits; '*' every region\n"          \
	"                       (drafters, approvers and registry staff need one; repeatable)\n"                \
	"  --department SENDER  a CAP sender the user issues as ('*' any); repeatable\n"                         \
	"  --phone E164         for approval reminders\n"                                                        \
	"  --expires-days N     the token's life, 1 to 3650 days (default 90)\n"                                 \
	"  --label TEXT         what the token is for (shown by list)\n"                                         \
	"  --token ID           revoke only this token (the 16 hex digits after tct_)\n"                         \
	"  --password-file F    read the password from the first line of F (else from standard input)\n"       \
	"  --json               list as JSON\n"                                                                  \
	"  --data-dir DIR       tocsind's data directory (DIR/tocsin.db)\n"                                      \
	"  --store URI          instead of --data-dir: tocsind's PostgreSQL store (its store setting)\n"         \
	"A new token is printed once, as the last line of standard output.\n"

#define LIST_TEXT 4096
#define DEFAULT_DAYS 90
#define MAX_DAYS 3650
#define LINE_MAX_PASSWORD 1100

struct opts {
	const char *name, *dir, *store, *role, *phone, *label, *token, *password_file;
	char regions[LIST_TEXT], departments[LIST_TEXT];
	long days;
	bool json;
};

/* Add item to list (separated by spaces); -1 when the list is full. */
static int append(char *list, const char *item)
{
	size_t at = strlen(list);
	int n = snprintf(list + at, LIST_TEXT - at, "%s%s", at ? " " : "", item);
	return n < 0 || (size_t)n >= LIST_TEXT - at ? -1 : 0;
}

static int said(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Say fmt on stderr ("tocsin user: ..."), return status. */
static int said(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("tocsin user: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return status;
}

/* Each diagnostic on stderr; TC_EXIT_REFUSED for rc TC_ERR_INVALID or TC_ERR_NOTFOUND, else TC_EXIT_USAGE. */
static int refused(const struct tc_diags *d, enum tc_rc rc)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		said(0, "%s", tc_diags_get(d, i)->message);
	if (!tc_diags_count(d))
		said(0, "the store failed (%s)", tc_rc_name(rc));
	return rc == TC_ERR_INVALID || rc == TC_ERR_NOTFOUND ? TC_EXIT_REFUSED : TC_EXIT_USAGE;
}

/* t as "2026-12-04T14:30:00Z" into out; "never" for 0. */
static const char *when(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!t || !gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "never");
	return out;
}

static int audit(struct tc_store *s, int64_t now, const char *action, const char *detail)
{
	return tc_store_audit(s, now, "cli", action, NULL, detail) == TC_OK ? 0 : -1;
}

/* A new token for name in the open transaction: its text into token, audited. */
static int new_token(struct tc_store *s, const struct opts *o, int64_t now, char token[TC_TOKEN_TEXT],
		     char id[TC_TOKEN_ID])
{
	char detail[160], until[32];
	int64_t expires = now + o->days * 86400;
	enum tc_rc rc = tc_auth_token_new(s, o->name, o->label, now, expires, token, id);
	if (rc == TC_ERR_NOTFOUND)
		return said(TC_EXIT_REFUSED, "there is no user '%s'", o->name);
	if (rc == TC_ERR_INVALID)
		return said(TC_EXIT_REFUSED, "user '%s' is disabled: enable it before giving it a token", o->name);
	if (rc)
		return said(TC_EXIT_USAGE, "cannot store the token (%s)", tc_rc_name(rc));
	snprintf(detail, sizeof(detail), "user=%s token=%s expires=%s", o->name, id, when(expires, until));
	if (audit(s, now, "token-new", detail))
		return said(TC_EXIT_USAGE, "cannot write the audit log");
	return TC_EXIT_OK;
}

/* The token on stdout, alone on the last line. */
static int show_token(const char *token)
{
	printf("%s\n", token);
	if (fflush(stdout) != 0 || ferror(stdout))
		return said(TC_EXIT_USAGE, "cannot write the token to standard output: %s", strerror(errno));
	return TC_EXIT_OK;
}

/* Write the open transaction, or undo it when status says it failed. */
static int finish(struct tc_store *s, int status)
{
	if (status) {
		tc_store_rollback(s);
		return status;
	}
	return tc_store_commit(s) ? said(TC_EXIT_USAGE, "cannot write the database") : TC_EXIT_OK;
}

static int run_add(struct tc_store *s, const struct opts *o, int64_t now)
{
	struct tc_user u = { 0 };
	struct tc_diags *d = tc_diags_new();
	char token[TC_TOKEN_TEXT] = "", id[TC_TOKEN_ID], detail[LIST_TEXT * 2 + 128], until[32];
	enum tc_rc rc = TC_OK;
	int status = TC_EXIT_OK;
	if (!d)
		return said(TC_EXIT_USAGE, "out of memory");
	if (!o->role)
		status = said(TC_EXIT_USAGE, "add needs --role (viewer, drafter, approver, registry, admin, gateway or shelter)");
	else if (tc_role_parse(o->role, &u.role))
		status = said(TC_EXIT_REFUSED, "no role '%s': viewer, drafter, approver, registry, admin, gateway or shelter",
			      o->role);
	else if (strlen(o->phone ? o->phone : "") >= sizeof(u.phone))
		status = said(TC_EXIT_REFUSED, "phone '%s' is not an E.164 number (at most 15 digits)", o->phone);
	if (status)
		goto out;
	snprintf(u.name, sizeof(u.name), "%s", o->name);
	snprintf(u.phone, sizeof(u.phone), "%s", o->phone ? o->phone : "");
	if ((rc = tc_user_set_regions(&u, o->regions, d)) || (rc = tc_user_set_departments(&u, o->departments, d)) ||
	    (rc = tc_store_begin(s)))
		goto out;
	if ((rc = tc_auth_user_add(s, &u, now, d))) {
		tc_store_rollback(s);
		goto out;
	}
	snprintf(detail, sizeof(detail), "user=%s role=%s regions=%s departments=%s", u.name, o->role, o->regions,
		 o->departments);
	if (audit(s, now, "user-add", detail))
		status = said(TC_EXIT_USAGE, "cannot write the audit log");
	if (!status)
		status = new_token(s, o, now, token, id);
	status = finish(s, status);
	if (status)
		goto out;
	said(0, "added %s '%s' (regions: %s; departments: %s)", o->role, u.name, *o->regions ? o->regions : "none",
	     *o->departments ? o->departments : "none");
	said(0, "its token %s expires %s; it is shown once, below", id, when(now + o->days * 86400, until));
	status = show_token(token);
out:
	if (rc)
		status = refused(d, rc);
	sodium_memzero(token, sizeof(token));
	tc_diags_free(d);
	return status;
}

static int run_token(struct tc_store *s, const struct opts *o, int64_t now)
{
	char token[TC_TOKEN_TEXT] = "", id[TC_TOKEN_ID], until[32];
	if (tc_store_begin(s))
		return said(TC_EXIT_USAGE, "cannot write the database");
	int status = finish(s, new_token(s, o, now, token, id));
	if (!status) {
		said(0, "a new token %s for '%s' expires %s; it is shown once, below", id, o->name,
		     when(now + o->days * 86400, until));
		status = show_token(token);
	}
	sodium_memzero(token, sizeof(token));
	return status;
}

static int run_revoke(struct tc_store *s, const struct opts *o, int64_t now)
{
	struct tc_user u;
	char detail[160];
	long n = 0;
	if (o->token && (strlen(o->token) != TC_TOKEN_ID - 1 || strspn(o->token, "0123456789abcdef") != TC_TOKEN_ID - 1))
		return said(TC_EXIT_REFUSED, "'%s' is not a token id (the 16 hex digits after tct_, as list shows them)",
			    o->token);
	enum tc_rc rc = tc_auth_user_get(s, o->name, &u);
	if (rc == TC_ERR_NOTFOUND)
		return said(TC_EXIT_REFUSED, "there is no user '%s'", o->name);
	if (rc == TC_OK)
		rc = tc_auth_token_revoke(s, o->name, o->token, now, &n);
	if (rc == TC_ERR_NOTFOUND)
		return said(TC_EXIT_REFUSED, "user '%s' has no token %s", o->name, o->token);
	if (rc)
		return said(TC_EXIT_USAGE, "cannot revoke (%s)", tc_rc_name(rc));
	snprintf(detail, sizeof(detail), "user=%s token=%s revoked=%ld", o->name, o->token ? o->token : "all", n);
	if (n && audit(s, now, "token-revoke", detail))
		return said(TC_EXIT_USAGE, "cannot write the audit log");
	said(0, "revoked %ld token%s of '%s'%s", n, n == 1 ? "" : "s", o->name,
	     o->token && !n ? " (it was revoked already)" : "");
	return TC_EXIT_OK;
}

static int disable_or_enable(struct tc_store *s, const struct opts *o, int64_t now, bool off)
{
	char detail[128];
	enum tc_rc rc = tc_auth_user_disable(s, o->name, off, now);
	if (rc == TC_ERR_NOTFOUND)
		return said(TC_EXIT_REFUSED, "there is no user '%s'", o->name);
	if (rc)
		return said(TC_EXIT_USAGE, "cannot change user '%s' (%s)", o->name, tc_rc_name(rc));
	snprintf(detail, sizeof(detail), "user=%s", o->name);
	if (audit(s, now, off ? "user-disable" : "user-enable", detail))
		return said(TC_EXIT_USAGE, "cannot write the audit log");
	said(0, off ? "disabled '%s': its tokens are revoked and its sessions ended" : "enabled '%s' (give it a new token)",
	     o->name);
	return TC_EXIT_OK;
}

static int run_disable(struct tc_store *s, const struct opts *o, int64_t now)
{
	return disable_or_enable(s, o, now, true);
}

static int run_enable(struct tc_store *s, const struct opts *o, int64_t now)
{
	return disable_or_enable(s, o, now, false);
}

/* One line from f into out (its end of line removed), without echo when f is a terminal. */
static int read_line(FILE *f, const char *name, char *out, size_t len)
{
	struct termios old, quiet;
	bool tty = isatty(fileno(f)) && tcgetattr(fileno(f), &old) == 0;
	if (tty) {
		fprintf(stderr, "password for %s: ", name);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(f), TCSAFLUSH, &quiet);
	}
	char *got = fgets(out, (int)len, f);
	if (tty) {
		tcsetattr(fileno(f), TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return -1;
	size_t n = strlen(out);
	if (n == len - 1 && out[n - 1] != '\n')
		return -2;
	out[strcspn(out, "\r\n")] = '\0';
	return 0;
}

static int run_password(struct tc_store *s, const struct opts *o, int64_t now)
{
	char line[LINE_MAX_PASSWORD], detail[128];
	struct tc_diags *d = tc_diags_new();
	FILE *f = o->password_file ? fopen(o->password_file, "r") : stdin;
	int status = TC_EXIT_OK, r;
	if (!d || !f) {
		tc_diags_free(d);
		return said(TC_EXIT_USAGE, "cannot read %s: %s", o->password_file, d ? strerror(errno) : "out of memory");
	}
	r = read_line(f, o->name, line, sizeof(line));
	if (f != stdin)
		fclose(f);
	if (r == -1)
		status = said(TC_EXIT_USAGE, "no password: give one line on standard input or in --password-file");
	else if (r == -2)
		status = said(TC_EXIT_REFUSED, "the password is longer than 1024 bytes");
	if (!status) {
		enum tc_rc rc = tc_auth_set_password(s, o->name, line, d);
		status = rc ? refused(d, rc) : TC_EXIT_OK;
	}
	snprintf(detail, sizeof(detail), "user=%s", o->name);
	if (!status && audit(s, now, "password-set", detail))
		status = said(TC_EXIT_USAGE, "cannot write the audit log");
	if (!status)
		said(0, "set the password of '%s'; its browser sessions are ended", o->name);
	sodium_memzero(line, sizeof(line));
	tc_diags_free(d);
	return status;
}

/* --- list ------------------------------------------------------------------------------- */

struct listing {
	struct tc_store *s;
	json_t *users, *tokens; /* JSON: every user; the tokens of the one being listed */
	bool failed;
};

static void text_token(const struct tc_token_info *t, void *user)
{
	char a[32], b[32], c[32];
	(void)user;
	printf("  token %s  expires %s%s%s  last used %s%s%s%s\n", t->id, when(t->expires_at, a),
	       t->revoked_at ? "  revoked " : "", t->revoked_at ? when(t->revoked_at, b) : "", when(t->last_used, c),
	       *t->label ? "  label \"" : "", t->label, *t->label ? "\"" : "");
}

static void json_token(const struct tc_token_info *t, void *user)
{
	struct listing *l = user;
	json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b}", "id", t->id, "label", t->label, "created_at",
			      (json_int_t)t->created_at, "expires_at", (json_int_t)t->expires_at, "revoked_at",
			      (json_int_t)t->revoked_at, "last_used", (json_int_t)t->last_used, "revoked",
			      t->revoked_at != 0);
	if (!o || json_array_append_new(l->tokens, o))
		l->failed = true;
}

/* The n items of width bytes at items, as a JSON array of strings. */
static json_t *string_array(const char *items, size_t width, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(items + i * width));
	return a;
}

static void list_user(const struct tc_user *u, void *user)
{
	struct listing *l = user;
	char regions[LIST_TEXT] = "", departments[LIST_TEXT] = "";
	if (!l->users) {
		for (size_t i = 0; i < u->n_regions; i++)
			append(regions, u->regions[i]);
		for (size_t i = 0; i < u->n_departments; i++)
			append(departments, u->departments[i]);
		printf("%s  %s  regions %s  departments %s  phone %s  password %s%s\n", u->name, tc_role_name(u->role),
		       *regions ? regions : "-", *departments ? departments : "-", *u->phone ? u->phone : "-",
		       u->has_password ? "set" : "none", u->disabled ? "  DISABLED" : "");
		if (tc_auth_token_each(l->s, u->name, text_token, l))
			l->failed = true;
		return;
	}
	l->tokens = json_array();
	if (!l->tokens || tc_auth_token_each(l->s, u->name, json_token, l)) {
		json_decref(l->tokens);
		l->failed = true;
		return;
	}
	json_t *o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:b, s:b, s:I, s:o}", "name", u->name, "role",
			      tc_role_name(u->role), "regions", string_array(&u->regions[0][0], sizeof(u->regions[0]),
									     u->n_regions),
			      "departments", string_array(&u->departments[0][0], sizeof(u->departments[0]),
							  u->n_departments),
			      "phone", u->phone, "disabled", u->disabled, "has_password", u->has_password, "created_at",
			      (json_int_t)u->created_at, "tokens", l->tokens);
	l->tokens = NULL;
	if (!o || json_array_append_new(l->users, o))
		l->failed = true;
}

static int run_list(struct tc_store *s, const struct opts *o, int64_t now)
{
	struct listing l = { .s = s, .users = o->json ? json_array() : NULL };
	(void)now;
	if (o->json && !l.users)
		return said(TC_EXIT_USAGE, "out of memory");
	if (tc_auth_user_each(s, list_user, &l) || l.failed) {
		json_decref(l.users);
		return said(TC_EXIT_USAGE, "cannot read the users");
	}
	if (l.users) {
		json_dumpf(l.users, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(l.users);
	}
	return fflush(stdout) == 0 ? TC_EXIT_OK : said(TC_EXIT_USAGE, "cannot write the list: %s", strerror(errno));
}

/* --- the command ------------------------------------------------------------------------ */

static const struct sub {
	const char *name;
	int (*run)(struct tc_store *s, const struct opts *o, int64_t now);
	const char *takes; /* the option letters it takes besides --data-dir */
	bool named;        /* it takes NAME */
	bool makes_store;  /* it may make the database (the first admin comes before tocsind's first start) */
} subs[] = {
	{ "add", run_add, "rgDpel", true, true },   { "token", run_token, "el", true, false },
	{ "revoke", run_revoke, "t", true, false }, { "disable", run_disable, "", true, false },
	{ "enable", run_enable, "", true, false },  { "password", run_password, "f", true, false },
	{ "list", run_list, "j", false, false },
};

static const struct option longopts[] = {
	{ "data-dir", required_argument, NULL, 'd' },     { "role", required_argument, NULL, 'r' },
	{ "region", required_argument, NULL, 'g' },       { "department", required_argument, NULL, 'D' },
	{ "phone", required_argument, NULL, 'p' },        { "expires-days", required_argument, NULL, 'e' },
	{ "label", required_argument, NULL, 'l' },        { "token", required_argument, NULL, 't' },
	{ "password-file", required_argument, NULL, 'f' }, { "json", no_argument, NULL, 'j' },
	{ "store", required_argument, NULL, 'S' },        { NULL, 0, NULL, 0 },
};

/* The long name of option letter c. */
static const char *option_name(int c)
{
	for (const struct option *p = longopts; p->name; p++)
		if (p->val == c)
			return p->name;
	return "?";
}

static int set_option(struct opts *o, int c, const char *arg)
{
	char *end = NULL;
	switch (c) {
	case 'd': o->dir = arg; break;
	case 'S': o->store = arg; break;
	case 'r': o->role = arg; break;
	case 'p': o->phone = arg; break;
	case 'l': o->label = arg; break;
	case 't': o->token = arg; break;
	case 'f': o->password_file = arg; break;
	case 'j': o->json = true; break;
	case 'g':
		if (append(o->regions, arg))
			return said(TC_EXIT_USAGE, "too many --region");
		break;
	case 'D':
		if (append(o->departments, arg))
			return said(TC_EXIT_USAGE, "too many --department");
		break;
	case 'e':
		errno = 0;
		o->days = strtol(arg, &end, 10);
		if (errno || end == arg || *end || o->days < 1 || o->days > MAX_DAYS)
			return said(TC_EXIT_USAGE, "--expires-days takes a whole number of days from 1 to %d, not '%s'",
				    MAX_DAYS, arg);
		break;
	}
	return TC_EXIT_OK;
}

/* The options and NAME of sub from argv (argv[0] is the subcommand). */
static int parse(const struct sub *sub, int argc, char **argv, struct opts *o)
{
	int c, status;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return said(TC_EXIT_USAGE, "%s: %s '%s'\n%s", sub->name,
				    c == '?' ? "unknown option" : "a value is missing after", argv[optind - 1], USER_USAGE);
		if (c != 'd' && c != 'S' && !strchr(sub->takes, c))
			return said(TC_EXIT_USAGE, "%s does not take --%s", sub->name, option_name(c));
		if ((status = set_option(o, c, optarg)))
			return status;
	}
	if (argc - optind != (sub->named ? 1 : 0))
		return said(TC_EXIT_USAGE, sub->named ? "%s takes one user NAME\n%s" : "%s takes no NAME\n%s", sub->name,
			    USER_USAGE);
	if (!o->dir == !o->store)
		return said(TC_EXIT_USAGE, "%s needs --data-dir DIR (tocsind's data directory) or --store URI (its "
			    "PostgreSQL store), one of them", sub->name);
	if (o->store && !tc_db_is_postgresql(o->store))
		return said(TC_EXIT_USAGE, "--store takes a PostgreSQL URI (postgresql://...), not '%s'", o->store);
	o->name = sub->named ? argv[optind] : NULL;
	const char *why = o->name ? tc_id_problem(o->name) : NULL;
	if (why)
		return said(TC_EXIT_REFUSED, "the user name '%s' %s", o->name, why);
	if (o->label && (strlen(o->label) > 63 || strcspn(o->label, "\n\r\t") != strlen(o->label)))
		return said(TC_EXIT_REFUSED, "the label is longer than 63 bytes or holds a line break or tab");
	return TC_EXIT_OK;
}

/* Open DIR/tocsin.db, or the PostgreSQL store at uri; only a subcommand that may make it makes it. */
static int open_store(const struct sub *sub, const char *dir, const char *uri, struct tc_store **s)
{
	char path[4096];
	struct tc_diags *d = tc_diags_new();
	int status = TC_EXIT_OK;
	if (uri) {
		char shown[512];
		tc_db_describe(uri, shown, sizeof(shown));
		if (tc_store_open(uri, s, d) != TC_OK)
			status = said(TC_EXIT_USAGE, "cannot open %s: %s", shown,
				      tc_diags_count(d) ? tc_diags_get(d, 0)->message : "out of memory");
	} else if (snprintf(path, sizeof(path), "%s/tocsin.db", dir) >= (int)sizeof(path))
		status = said(TC_EXIT_USAGE, "the data directory's path is too long");
	else if (access(dir, F_OK) != 0)
		status = said(TC_EXIT_USAGE, "there is no data directory %s", dir);
	else if (!sub->makes_store && access(path, F_OK) != 0)
		status = said(TC_EXIT_USAGE, "there is no database %s (tocsind makes it when it first starts)", path);
	else if (tc_store_open(path, s, d) != TC_OK)
		status = said(TC_EXIT_USAGE, "cannot open %s: %s", path,
			      tc_diags_count(d) ? tc_diags_get(d, 0)->message : "out of memory");
	tc_diags_free(d);
	return status;
}

int tc_cli_user(int argc, char **argv)
{
	struct opts o = { .days = DEFAULT_DAYS };
	struct tc_store *s = NULL;
	const struct sub *sub = NULL;
	int status;
	if (tc_cli_wants_help(argc, argv)) {
		fputs(USER_USAGE, stdout);
		return TC_EXIT_OK;
	}
	for (size_t i = 0; argc > 1 && i < sizeof(subs) / sizeof(subs[0]); i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			sub = &subs[i];
	if (!sub)
		return said(TC_EXIT_USAGE, "%s%s%s\n%s", argc > 1 ? "no subcommand '" : "which subcommand?",
			    argc > 1 ? argv[1] : "", argc > 1 ? "'" : "", USER_USAGE);
	status = parse(sub, argc - 1, argv + 1, &o);
	if (!status && sodium_init() < 0)
		status = said(TC_EXIT_USAGE, "cannot start libsodium");
	if (!status)
		status = open_store(sub, o.dir, o.store, &s);
	if (!status)
		status = sub->run(s, &o, (int64_t)time(NULL));
	tc_store_close(s);
	return status;
}
