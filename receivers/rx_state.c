/*
 * rx_state.c — the receiver's seen-list, command nonces and acknowledgment
 * queue on disk (rx_state.h).
 */
#include "rx_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_file.h"
#include "tc_proto.h"
#include "tc_vec.h"

struct rx_state {
	char *dir; /* NULL: in memory only */
	int64_t keep_s;
	struct rx_seen *seen;
	size_t n_seen, cap_seen;
	char (*nonces)[17];
	size_t n_nonces, cap_nonces; /* grows up to RX_STATE_MAX_NONCES, then a ring */
	size_t next_nonce;
	char **acks;
	size_t n_acks, cap_acks;
	bool seen_dirty, acks_dirty;
};

const char *rx_phase_name(enum rx_phase p)
{
	static const char *const names[] = { "pending", "active", "done" };
	return (unsigned)p < 3 ? names[p] : "unknown";
}

static bool grow(void *arr, size_t *cap, size_t n, size_t elem)
{
	return n < *cap || tc_vec_grow(arr, cap, n + 1, elem) == TC_OK;
}

/* Write len bytes to dir/name through dir/name.tmp, fsync and rename. Returns 0 or an errno value. */
static int write_atomic(const char *dir, const char *name, const void *data, size_t len)
{
	char path[1200], tmp[1210];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	const char *p = data;
	int err = 0;
	for (size_t done = 0; done < len && !err;) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0 && errno != EINTR)
			err = errno;
		else if (w > 0)
			done += (size_t)w;
	}
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		unlink(tmp);
	return err;
}

/* --- reading ----------------------------------------------------------------------- */

static bool parse_seen(char *line, struct rx_seen *e)
{
	char id[32] = "", reason[RX_REASON_MAX] = "";
	int phase, final, prio, used = 0;
	long long exp, upd;
	memset(e, 0, sizeof(*e));
	if (sscanf(line, "A %31s %d %d %lld %lld %d%n", id, &phase, &final, &exp, &upd, &prio, &used) != 6)
		return false;
	if (strlen(id) != 16 || phase < 0 || phase > RX_PHASE_DONE || final < 0 || final >= TC_ACK_N_KINDS)
		return false;
	if (line[used] == ' ')
		snprintf(reason, sizeof(reason), "%s", line + used + 1);
	memcpy(e->id, id, sizeof(e->id)); /* 16 digits and the NUL, checked above */
	e->phase = (enum rx_phase)phase;
	e->final = final;
	e->expires_at = exp;
	e->updated = upd;
	e->priority = prio;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	return true;
}

/* Remember nonce in place of the oldest once there are RX_STATE_MAX_NONCES; false when out of memory. */
static bool add_nonce(struct rx_state *s, const char *nonce)
{
	if (s->n_nonces < RX_STATE_MAX_NONCES && !grow(&s->nonces, &s->cap_nonces, s->n_nonces, sizeof(*s->nonces)))
		return false;
	snprintf(s->nonces[s->next_nonce], sizeof(s->nonces[0]), "%s", nonce);
	s->next_nonce = (s->next_nonce + 1) % RX_STATE_MAX_NONCES;
	if (s->n_nonces < RX_STATE_MAX_NONCES)
		s->n_nonces++;
	return true;
}

/* A state file whole, *text NULL (and TC_OK) when there is none yet. */
static enum tc_rc read_state_file(const char *path, char **text, struct tc_diags *d)
{
	size_t len = 0;
	int err = tc_file_read(path, 64u << 20, text, &len);
	if (err && err != ENOENT) {
		tc_err(d, "state.io", path, "cannot read %s: %s", path, strerror(err));
		return TC_ERR_IO;
	}
	return TC_OK;
}

/* One line of seen.tsv: a nonce (N) or an entry (A); false when it cannot be taken. */
static bool read_line(struct rx_state *s, char *l)
{
	struct rx_seen e;
	if (l[0] == 'N' && l[1] == ' ')
		return strlen(l + 2) < 17 && add_nonce(s, l + 2);
	if (!parse_seen(l, &e) || rx_state_find(s, e.id) || !grow(&s->seen, &s->cap_seen, s->n_seen, sizeof(*s->seen)))
		return false;
	s->seen[s->n_seen++] = e;
	return true;
}

static enum tc_rc read_seen(struct rx_state *s, const char *path, struct tc_diags *d)
{
	char *text = NULL;
	enum tc_rc rc = read_state_file(path, &text, d);
	if (!text)
		return rc;
	int line = 0;
	for (char *l = text, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		if (*l != '#' && !read_line(s, l))
			tc_warn(d, "state.line", path, "%s:%d: unreadable line skipped", path, line);
	}
	free(text);
	return TC_OK;
}

static enum tc_rc read_acks(struct rx_state *s, const char *path, struct tc_diags *d)
{
	char *text = NULL;
	enum tc_rc rc = read_state_file(path, &text, d);
	if (!text)
		return rc;
	for (char *l = text, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		if (*l == '{')
			rx_state_ack_push(s, l);
	}
	s->acks_dirty = false;
	free(text);
	return TC_OK;
}

struct rx_state *rx_state_new(int64_t keep_s)
{
	struct rx_state *s = calloc(1, sizeof(*s));
	if (s)
		s->keep_s = keep_s;
	return s;
}

enum tc_rc rx_state_open(const char *dir, int64_t keep_s, struct rx_state **out, struct tc_diags *d)
{
	char path[1200];
	enum tc_rc rc = TC_OK;
	*out = NULL;
	struct rx_state *s = rx_state_new(keep_s);
	if (!s || !(s->dir = strdup(dir))) {
		rx_state_free(s);
		return TC_ERR_NOMEM;
	}
	snprintf(path, sizeof(path), "%s/alerts", dir);
	if ((mkdir(dir, 0700) && errno != EEXIST) || (mkdir(path, 0700) && errno != EEXIST)) {
		tc_err(d, "state.io", dir, "cannot make the state folder %s: %s", path, strerror(errno));
		rc = TC_ERR_IO;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/seen.tsv", dir);
	if ((rc = read_seen(s, path, d)) != TC_OK)
		goto out;
	snprintf(path, sizeof(path), "%s/acks.queue", dir);
	rc = read_acks(s, path, d);
out:
	if (rc)
		rx_state_free(s);
	else
		*out = s;
	return rc;
}

void rx_state_free(struct rx_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_acks; i++)
		free(s->acks[i]);
	free(s->acks);
	free(s->seen);
	free(s->nonces);
	free(s->dir);
	free(s);
}

/* --- the seen-list ----------------------------------------------------------------- */

const struct rx_seen *rx_state_find(const struct rx_state *s, const char *id)
{
	for (size_t i = s->n_seen; i-- > 0;)
		if (!strcmp(s->seen[i].id, id))
			return &s->seen[i];
	return NULL;
}

enum tc_rc rx_state_put(struct rx_state *s, const struct rx_seen *e, int64_t now)
{
	struct rx_seen *dst = (struct rx_seen *)rx_state_find(s, e->id);
	if (!dst) {
		if (!grow(&s->seen, &s->cap_seen, s->n_seen, sizeof(*s->seen)))
			return TC_ERR_NOMEM;
		dst = &s->seen[s->n_seen++];
	}
	*dst = *e;
	dst->updated = now;
	/* the reason is written on one line: keep it to one word */
	for (char *p = dst->reason; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	s->seen_dirty = true;
	return TC_OK;
}

static enum rx_phase phase_of(enum tc_ack_kind k)
{
	static const enum rx_phase phases[TC_ACK_N_KINDS] = {
		[TC_ACK_RECEIVED] = RX_PHASE_PENDING, [TC_ACK_PLAYING] = RX_PHASE_PENDING,
		[TC_ACK_PLAYED] = RX_PHASE_ACTIVE,    [TC_ACK_DISPLAYED] = RX_PHASE_ACTIVE,
		[TC_ACK_CLEARED] = RX_PHASE_DONE,     [TC_ACK_REJECTED] = RX_PHASE_DONE,
		[TC_ACK_FAILED] = RX_PHASE_DONE,      [TC_ACK_CHECKED] = RX_PHASE_DONE, /* a Test is over once checked */
	};
	return (unsigned)k < TC_ACK_N_KINDS ? phases[k] : RX_PHASE_DONE;
}

static void drop_file(struct rx_state *s, const char *id, const char *ext);

enum tc_rc rx_state_record(struct rx_state *s, const char *id, enum tc_ack_kind kind, const char *reason,
			   int64_t now)
{
	const struct rx_seen *old = rx_state_find(s, id);
	struct rx_seen e = { 0 };
	if (old)
		e = *old;
	snprintf(e.id, sizeof(e.id), "%s", id);
	e.phase = phase_of(kind);
	e.final = (int)kind;
	snprintf(e.reason, sizeof(e.reason), "%s", reason ? reason : "");
	if (e.phase == RX_PHASE_DONE && old)
		rx_state_drop_msg(s, id);
	else if (e.phase == RX_PHASE_ACTIVE)
		drop_file(s, id, "guidance"); /* played: its way to shelter is said */
	return rx_state_put(s, &e, now);
}

bool rx_state_in_force(const struct rx_state *s, const char *id)
{
	const struct rx_seen *e = rx_state_find(s, id);
	return e && e->phase != RX_PHASE_DONE;
}

void rx_state_forget(struct rx_state *s, const char *id)
{
	const struct rx_seen *e = rx_state_find(s, id);
	if (!e)
		return;
	size_t i = (size_t)(e - s->seen);
	memmove(&s->seen[i], &s->seen[i + 1], (s->n_seen - i - 1) * sizeof(*s->seen));
	s->n_seen--;
	s->seen_dirty = true;
}

size_t rx_state_count(const struct rx_state *s)
{
	return s->n_seen;
}

const struct rx_seen *rx_state_at(const struct rx_state *s, size_t i)
{
	return i < s->n_seen ? &s->seen[i] : NULL;
}

bool rx_state_nonce(struct rx_state *s, const char *nonce)
{
	for (size_t i = 0; i < s->n_nonces; i++)
		if (!strcmp(s->nonces[i], nonce))
			return false;
	s->seen_dirty = add_nonce(s, nonce) || s->seen_dirty; /* out of memory: obeyed, not remembered */
	return true;
}

void rx_state_prune(struct rx_state *s, int64_t now)
{
	size_t ended = 0, j = 0;
	for (size_t i = 0; i < s->n_seen; i++)
		ended += s->seen[i].phase == RX_PHASE_DONE;
	for (size_t i = 0; i < s->n_seen; i++) {
		const struct rx_seen *e = &s->seen[i];
		bool old = e->phase == RX_PHASE_DONE &&
			   (e->updated + s->keep_s < now || (ended > RX_STATE_MAX_SEEN && s->n_seen - j > RX_STATE_MAX_SEEN));
		if (old) {
			ended--;
			s->seen_dirty = true;
			continue;
		}
		s->seen[j++] = *e;
	}
	s->n_seen = j;
}

/* --- kept messages ----------------------------------------------------------------- */

/* Write alerts/<id>.<ext> atomically; without a folder nothing. */
static enum tc_rc keep_file(struct rx_state *s, const char *id, const char *ext, const void *msg, size_t len)
{
	char name[64];
	if (!s->dir)
		return TC_OK;
	snprintf(name, sizeof(name), "alerts/%.16s.%s", id, ext);
	return write_atomic(s->dir, name, msg, len) ? TC_ERR_IO : TC_OK;
}

static enum tc_rc load_file(const struct rx_state *s, const char *id, const char *ext, uint8_t **msg, size_t *len)
{
	char path[1200], *buf = NULL;
	*msg = NULL;
	*len = 0;
	if (!s->dir)
		return TC_ERR_NOTFOUND;
	snprintf(path, sizeof(path), "%s/alerts/%.16s.%s", s->dir, id, ext);
	int err = tc_file_read(path, 16u << 20, &buf, len);
	*msg = (uint8_t *)buf;
	return err == ENOENT ? TC_ERR_NOTFOUND : err ? TC_ERR_IO : TC_OK;
}

enum tc_rc rx_state_keep_msg(struct rx_state *s, const char *id, const void *msg, size_t len)
{
	return keep_file(s, id, "msg", msg, len);
}

enum tc_rc rx_state_load_msg(const struct rx_state *s, const char *id, uint8_t **msg, size_t *len)
{
	return load_file(s, id, "msg", msg, len);
}

enum tc_rc rx_state_keep_guidance(struct rx_state *s, const char *id, const void *msg, size_t len)
{
	return keep_file(s, id, "guidance", msg, len);
}

enum tc_rc rx_state_load_guidance(const struct rx_state *s, const char *id, uint8_t **msg, size_t *len)
{
	return load_file(s, id, "guidance", msg, len);
}

size_t rx_state_guidance_ids(const struct rx_state *s, char (*ids)[17], size_t max)
{
	char path[1200];
	size_t n = 0;
	if (!s->dir)
		return 0;
	snprintf(path, sizeof(path), "%s/alerts", s->dir);
	DIR *d = opendir(path);
	for (struct dirent *e; d && n < max && (e = readdir(d));) {
		const char *dot = strchr(e->d_name, '.');
		if (dot && dot - e->d_name == 16 && !strcmp(dot, ".guidance"))
			snprintf(ids[n++], 17, "%.16s", e->d_name);
	}
	if (d)
		closedir(d);
	return n;
}

static void drop_file(struct rx_state *s, const char *id, const char *ext)
{
	char path[1200];
	if (!s->dir)
		return;
	snprintf(path, sizeof(path), "%s/alerts/%.16s.%s", s->dir, id, ext);
	unlink(path);
}

void rx_state_drop_guidance(struct rx_state *s, const char *id)
{
	drop_file(s, id, "guidance");
}

void rx_state_drop_msg(struct rx_state *s, const char *id)
{
	drop_file(s, id, "msg");
	drop_file(s, id, "guidance");
}

/* --- the acknowledgment queue ------------------------------------------------------ */

enum tc_rc rx_state_ack_push(struct rx_state *s, const char *line)
{
	if (s->n_acks >= RX_STATE_MAX_ACKS) /* offline for very long: the oldest go first */
		rx_state_ack_shift(s, 1);
	char *copy = strdup(line);
	if (!copy || !grow(&s->acks, &s->cap_acks, s->n_acks, sizeof(*s->acks))) {
		free(copy);
		return TC_ERR_NOMEM;
	}
	s->acks[s->n_acks++] = copy;
	s->acks_dirty = true;
	return TC_OK;
}

size_t rx_state_ack_count(const struct rx_state *s)
{
	return s->n_acks;
}

const char *rx_state_ack_at(const struct rx_state *s, size_t i)
{
	return i < s->n_acks ? s->acks[i] : NULL;
}

void rx_state_ack_shift(struct rx_state *s, size_t n)
{
	if (n > s->n_acks)
		n = s->n_acks;
	for (size_t i = 0; i < n; i++)
		free(s->acks[i]);
	memmove(s->acks, s->acks + n, (s->n_acks - n) * sizeof(*s->acks));
	s->n_acks -= n;
	s->acks_dirty = s->acks_dirty || n;
}

/* --- writing ----------------------------------------------------------------------- */

struct buf {
	char *p;
	size_t n, cap;
	bool bad;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	for (int tries = 0; tries < 2 && !b->bad; tries++) {
		va_start(ap, fmt);
		int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->bad = true;
			return;
		}
		if (b->p && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		void *g = b->p;
		if (tc_vec_grow(&g, &b->cap, b->n + (size_t)k + 1, 1) != TC_OK)
			b->bad = true;
		b->p = g;
	}
}

static int write_seen(struct rx_state *s)
{
	struct buf b = { 0 };
	put(&b, "# tocsin receiver seen-list v1\n");
	for (size_t i = 0; i < s->n_seen; i++) {
		const struct rx_seen *e = &s->seen[i];
		put(&b, "A %s %d %d %" PRId64 " %" PRId64 " %d%s%s\n", e->id, (int)e->phase, e->final, e->expires_at,
		    e->updated, e->priority, e->reason[0] ? " " : "", e->reason);
	}
	for (size_t i = 0; i < s->n_nonces; i++)
		put(&b, "N %s\n", s->nonces[(s->next_nonce + RX_STATE_MAX_NONCES - s->n_nonces + i) % RX_STATE_MAX_NONCES]);
	int err = b.bad ? ENOMEM : write_atomic(s->dir, "seen.tsv", b.p, b.n);
	free(b.p);
	return err;
}

static int write_acks(struct rx_state *s)
{
	struct buf b = { 0 };
	put(&b, "%s", "");
	for (size_t i = 0; i < s->n_acks; i++)
		put(&b, "%s\n", s->acks[i]);
	int err = b.bad ? ENOMEM : write_atomic(s->dir, "acks.queue", b.p ? b.p : "", b.n);
	free(b.p);
	return err;
}

enum tc_rc rx_state_flush(struct rx_state *s, struct tc_diags *d)
{
	int err = 0;
	if (!s->dir)
		return TC_OK;
	if (s->seen_dirty && !(err = write_seen(s)))
		s->seen_dirty = false;
	if (!err && s->acks_dirty && !(err = write_acks(s)))
		s->acks_dirty = false;
	if (err) {
		tc_err(d, "state.io", s->dir, "cannot write the receiver state in %s: %s", s->dir, strerror(err));
		return TC_ERR_IO;
	}
	return TC_OK;
}
