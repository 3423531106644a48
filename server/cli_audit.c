/*
 * cli_audit.c — `tocsin audit verify|export --data-dir DIR`: walk the audit
 * trail's hash chain and name the first row that does not fit, or write the
 * trail as JSON lines (server/store/tc_store_audit.h, docs/security.md "The
 * audit trail").
 *
 * The store is opened as tocsind opens it (read-write: an old database is
 * migrated and its old rows chained), which is safe while tocsind runs (WAL);
 * a data directory without a database is refused, never created.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "tc_db.h"
#include "tc_store_audit.h"

static const char usage_text[] =
	"usage: tocsin audit verify --data-dir DIR | --store URI\n"
	"       tocsin audit export --data-dir DIR | --store URI [--after ID] [--out FILE]\n"
	"  verify       walk the audit trail's hash chain: exit 0 when it holds (prints the rows and the\n"
	"               head hash, to keep elsewhere), 1 naming the first row that does not fit\n"
	"  export       every row (after row ID) as JSON lines, with its hash and prev_hash\n"
	"  --data-dir DIR  tocsind's data directory (DIR/tocsin.db)\n"
	"  --store URI     instead: tocsind's PostgreSQL store (its store setting)\n"
	"  --after ID      only rows after row ID (default 0: all)\n"
	"  --out FILE      write to FILE (made 0600) instead of stdout\n";

/* Open DIR/tocsin.db, which must exist, or the PostgreSQL store at uri. TC_EXIT_OK or TC_EXIT_USAGE
 * (said on stderr). */
static int open_store(const char *dir, const char *uri, struct tc_store **s)
{
	char path[4096];
	struct stat st;
	struct tc_diags *d = tc_diags_new();
	int status = TC_EXIT_OK;
	if (uri) {
		tc_db_describe(uri, path, sizeof(path));
		if (!tc_db_is_postgresql(uri)) {
			fprintf(stderr, "tocsin audit: --store takes a PostgreSQL URI (postgresql://...), not '%s'\n", uri);
			status = TC_EXIT_USAGE;
		} else if (!d || tc_store_open(uri, s, d) != TC_OK) {
			tc_cli_print_diags(d);
			fprintf(stderr, "tocsin audit: cannot open %s\n", path);
			status = TC_EXIT_USAGE;
		}
	} else if (snprintf(path, sizeof(path), "%s/tocsin.db", dir) >= (int)sizeof(path)) {
		fprintf(stderr, "tocsin audit: the data directory's path is too long\n");
		status = TC_EXIT_USAGE;
	} else if (stat(path, &st) != 0) {
		fprintf(stderr, "tocsin audit: no database at %s: %s (is %s tocsind's --data-dir?)\n", path,
			strerror(errno), dir);
		status = TC_EXIT_USAGE;
	} else if (!d || tc_store_open(path, s, d) != TC_OK) {
		tc_cli_print_diags(d);
		fprintf(stderr, "tocsin audit: cannot open %s\n", path);
		status = TC_EXIT_USAGE;
	}
	tc_diags_free(d);
	return status;
}

static int verify(struct tc_store *s)
{
	struct tc_audit_check c;
	if (tc_store_audit_verify(s, &c) != TC_OK) {
		fprintf(stderr, "tocsin audit: cannot read the audit trail\n");
		return TC_EXIT_USAGE;
	}
	if (c.bad_id) {
		printf("audit chain broken at row %" PRId64 ": %s (%ld rows before it hold, head %s)\n", c.bad_id, c.why,
		       c.rows, c.rows ? c.head : "none");
		return TC_EXIT_REFUSED;
	}
	printf("audit chain holds: %ld rows, head %s\n", c.rows, c.rows ? c.head : "none");
	return TC_EXIT_OK;
}

struct export {
	FILE *out;
	long rows;
	int64_t bad_id; /* a row that could not be written; 0 when none */
};

static void export_row(const struct tc_audit_row *r, void *user)
{
	struct export *x = user;
	json_t *o = x->bad_id ? NULL : tc_store_audit_json(r);
	if (x->bad_id)
		return;
	if (!o || json_dumpf(o, x->out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 || fputc('\n', x->out) == EOF)
		x->bad_id = r->id;
	else
		x->rows++;
	json_decref(o);
}

/* Open FILE for the export, made 0600 (the trail names staff and their addresses); NULL: stdout. */
static FILE *open_out(const char *file)
{
	if (!file)
		return stdout;
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f && fd >= 0)
		close(fd);
	return f;
}

static int export(struct tc_store *s, int64_t after, const char *file)
{
	struct export x = { .out = open_out(file) };
	if (!x.out) {
		fprintf(stderr, "tocsin audit: cannot write %s: %s\n", file, strerror(errno));
		return TC_EXIT_USAGE;
	}
	enum tc_rc rc = tc_store_audit_each(s, after, 0, export_row, &x);
	int closed = x.out == stdout ? fflush(stdout) : fclose(x.out);
	if (rc != TC_OK)
		fprintf(stderr, "tocsin audit: cannot read the audit trail\n");
	else if (x.bad_id)
		fprintf(stderr, "tocsin audit: row %" PRId64 " cannot be written as JSON (a field is not UTF-8, or %s is full)\n",
			x.bad_id, file ? file : "the output");
	else if (closed != 0)
		fprintf(stderr, "tocsin audit: cannot write %s: %s\n", file ? file : "the output", strerror(errno));
	else {
		fprintf(stderr, "tocsin audit: %ld rows exported\n", x.rows);
		return TC_EXIT_OK;
	}
	return TC_EXIT_USAGE;
}

/* A row id: decimal digits only, at most 18 of them. */
static int parse_id(const char *text, int64_t *id)
{
	size_t n = strlen(text);
	if (n == 0 || n > 18 || strspn(text, "0123456789") != n)
		return -1;
	*id = (int64_t)strtoll(text, NULL, 10);
	return 0;
}

int tc_cli_audit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data-dir", required_argument, NULL, 'd' }, { "after", required_argument, NULL, 'a' },
		{ "out", required_argument, NULL, 'o' },      { "help", no_argument, NULL, 'h' },
		{ "store", required_argument, NULL, 'S' },    { NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *out = NULL, *uri = NULL;
	int64_t after = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "d:a:o:h", longopts, NULL)) != -1) {
		if (c == 'd') {
			dir = optarg;
		} else if (c == 'S') {
			uri = optarg;
		} else if (c == 'o') {
			out = optarg;
		} else if (c == 'a' && parse_id(optarg, &after) != 0) {
			fprintf(stderr, "tocsin audit: --after '%s' is not a row id (a whole number, 0 or more)\n", optarg);
			return TC_EXIT_USAGE;
		} else if (c == 'h') {
			fputs(usage_text, stdout);
			return TC_EXIT_OK;
		} else if (c != 'a') {
			fputs(usage_text, stderr);
			return TC_EXIT_USAGE;
		}
	}
	const char *what = optind == argc - 1 ? argv[optind] : NULL;
	if (!dir == !uri || !what) {
		fprintf(stderr, "tocsin audit: %s\n%s",
			!dir == !uri ? "one of --data-dir DIR or --store URI is required" : "name one action: verify or export",
			usage_text);
		return TC_EXIT_USAGE;
	}
	if (strcmp(what, "verify") != 0 && strcmp(what, "export") != 0) {
		fprintf(stderr, "tocsin audit: unknown action '%s'\n%s", what, usage_text);
		return TC_EXIT_USAGE;
	}
	if (!strcmp(what, "verify") && (out || after)) {
		fprintf(stderr, "tocsin audit: --after and --out are for export; verify walks the whole chain\n");
		return TC_EXIT_USAGE;
	}
	struct tc_store *s = NULL;
	int status = open_store(dir, uri, &s);
	if (status == TC_EXIT_OK)
		status = !strcmp(what, "verify") ? verify(s) : export(s, after, out);
	tc_store_close(s);
	return status;
}
