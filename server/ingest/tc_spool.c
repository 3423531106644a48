/*
 * tc_spool.c — ingesting files dropped in a folder (tc_spool.h).
 */
#include "tc_spool.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tc_file.h"

/* "a/b" (or "a/b/c") into out; false when it does not fit. */
static bool join(char *out, size_t len, const char *a, const char *b, const char *c)
{
	int n = c ? snprintf(out, len, "%s/%s/%s", a, b, c) : snprintf(out, len, "%s/%s", a, b);
	return n >= 0 && (size_t)n < len;
}

enum tc_rc tc_spool_prepare(const char *dir, struct tc_diags *d)
{
	char path[4096];
	const char *subs[] = { "", "/done", "/failed" };
	for (int i = 0; i < 3; i++) {
		if (snprintf(path, sizeof(path), "%s%s", dir, subs[i]) >= (int)sizeof(path) ||
		    (mkdir(path, 0750) != 0 && errno != EEXIST)) {
			tc_err(d, "spool.dir", path, "cannot create the spool folder %s: %s", path, strerror(errno));
			return TC_ERR_IO;
		}
	}
	return TC_OK;
}

static bool waiting(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return e->d_name[0] != '.' && !(n > 4 && !strcmp(e->d_name + n - 4, ".tmp"));
}

/* Move dir/name into dir/sub/, not overwriting what is there. */
static int move_to(const char *dir, const char *sub, const char *name, char *moved, size_t len)
{
	char from[4096], numbered[300];
	struct stat st;
	if (!join(from, sizeof(from), dir, name, NULL) || !join(moved, len, dir, sub, name))
		return -1;
	for (int i = 1; stat(moved, &st) == 0 && i < 1000; i++) {
		if (snprintf(numbered, sizeof(numbered), "%s.%d", name, i) >= (int)sizeof(numbered) ||
		    !join(moved, len, dir, sub, numbered))
			return -1;
	}
	return rename(from, moved);
}

static void write_reason(const char *moved, const struct tc_diags *d)
{
	char path[4300];
	int n = snprintf(path, sizeof(path), "%s.reason.txt", moved);
	FILE *f = n > 0 && (size_t)n < sizeof(path) ? fopen(path, "w") : NULL;
	if (!f)
		return;
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *it = tc_diags_get(d, i);
		fprintf(f, "%s %s%s%s: %s\n", tc_severity_name(it->sev), it->code, *it->path ? " at " : "", it->path,
			it->message);
	}
	fclose(f);
}

static void one_file(struct tc_store *s, const struct tc_ingest_options *o, const char *dir, const char *name,
		     int64_t now, struct tc_spool_stats *st, struct tc_diags *log)
{
	char path[4096], moved[4200];
	char *xml = NULL;
	size_t len = 0;
	struct tc_ingest_result res;
	struct tc_diags *d = tc_diags_new();
	enum tc_rc rc;
	if (!join(path, sizeof(path), dir, name, NULL) || tc_file_read(path, o->max_bytes ? o->max_bytes : 16u << 20, &xml, &len) != 0)
		rc = TC_ERR_IO;
	else
		rc = tc_ingest_alert(s, o, "spool", xml, len, now, &res, d);
	if (rc == TC_OK) {
		move_to(dir, "done", name, moved, sizeof(moved));
		st->accepted++;
		tc_diags_add(log, TC_SEV_WARNING, "spool.accepted", name, 0, "spool: %s accepted as alert %s%s", name,
			     res.id, res.duplicate ? " (already had it)" : "");
	} else if (rc == TC_ERR_INVALID) {
		if (move_to(dir, "failed", name, moved, sizeof(moved)) == 0)
			write_reason(moved, d);
		st->refused++;
		tc_diags_add(log, TC_SEV_WARNING, "spool.refused", name, 0, "spool: %s refused, see failed/%s.reason.txt",
			     name, name);
	} else {
		st->retried++; /* left in place: tried again next time */
	}
	free(xml);
	tc_diags_free(d);
}

enum tc_rc tc_spool_scan(struct tc_store *s, const struct tc_ingest_options *o, const char *dir, int64_t now,
			 struct tc_spool_stats *st, struct tc_diags *d)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		tc_err(d, "spool.dir", dir, "cannot read the spool folder %s: %s", dir, strerror(errno));
		return TC_ERR_IO;
	}
	char names[64][256];
	size_t n = 0;
	struct dirent *e;
	/* Gather first (at most 64 a pass), then work: renames would disturb readdir. */
	while ((e = readdir(dp)) && n < 64) {
		char path[4096];
		struct stat sb;
		if (waiting(e) && join(path, sizeof(path), dir, e->d_name, NULL) && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && strlen(e->d_name) < 256)
			snprintf(names[n++], sizeof(names[0]), "%s", e->d_name);
	}
	closedir(dp);
	for (size_t i = 0; i < n; i++)
		one_file(s, o, dir, names[i], now, st, d);
	return TC_OK;
}
