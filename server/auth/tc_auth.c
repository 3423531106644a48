/*
 * tc_auth.c — staff users, their roles, scopes and departments, API tokens,
 * passwords and browser sessions (tc_auth.h).
 *
 * Everything lives in the store's tables users, tokens and sessions (schema
 * 8) and is read and written through the store's statement cache, so these
 * functions run on the thread that owns the store. Lists (regions,
 * departments) are kept as text separated by single spaces.
 *
 * No secret reaches the store as it is: a token, a session id and a CSRF
 * token are 32 random bytes shown as base64url and kept as the SHA-256 (hex)
 * of their text; a password as its Argon2id string. A presented secret is
 * hashed and its hash looked up.
 *
 * Logins are slowed per account: from the fifth failure in a row the account
 * waits 2^(n-5) seconds (at most LOCK_MAX_S) before the next try, and a try
 * inside that wait is answered "locked" without checking the password. A
 * name without an account, or without a password, is checked against a fixed
 * hash of the same cost, so the answer's timing does not tell which names
 * exist.
 */
#include "tc_auth.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "tc_id.h"
#include "tc_store_int.h"
#include "tc_utf8.h"

#define TOKEN_PREFIX "tct_"
#define TOKEN_PREFIX_LEN 4
#define TOKEN_ID_HEX 16
#define SECRET_BYTES 32
#define SECRET_CHARS 43 /* base64url of 32 bytes, without padding */
#define TOKEN_CHARS (TOKEN_PREFIX_LEN + TOKEN_ID_HEX + 1 + SECRET_CHARS)
#define HASH_HEX (2 * crypto_hash_sha256_BYTES)
#define LABEL_MAX 63
#define PASSWORD_MIN 10   /* characters */
#define PASSWORD_MAX 1024 /* bytes */
#define LOCK_AFTER TC_AUTH_LOCK_AFTER
#define LOCK_MAX_S TC_AUTH_LOCK_MAX_S
#define LAST_USED_EVERY_S 60
#define LIST_SEPS ", \t\r\n"
#define B64URL_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define HEX_CHARS "0123456789abcdef"

/*
 * Checked instead of a password when the name has none, so that a wrong try costs the same
 * time either way: an Argon2id string of the production cost (interactive) whose password is
 * of no use to anyone.
 */
static const char no_password[crypto_pwhash_STRBYTES] =
	"$argon2id$v=19$m=65536,t=2,p=1$Oc4UJlGKsDf0uTdqUXM17g$Y1Sjwh7QKrRqBkIbl7q+cyozhUn/fVyIvdT8OLIkrIQ";

/* --- roles ---------------------------------------------------------------------------- */

#define MAY(p) (1u << TC_PERM_##p)

/* The one table of what each role may do (docs/security.md, "Users and roles"). */
static const unsigned role_may[TC_ROLE_N] = {
	[TC_ROLE_VIEWER] = MAY(READ),
	[TC_ROLE_DRAFTER] = MAY(READ) | MAY(SUBMIT),
	[TC_ROLE_APPROVER] = MAY(READ) | MAY(SUBMIT) | MAY(APPROVE) | MAY(CANCEL),
	[TC_ROLE_REGISTRY] = MAY(READ) | MAY(READ_CONTACTS) | MAY(REGISTRY) | MAY(PROVISION) | MAY(SHELTER),
	[TC_ROLE_ADMIN] = MAY(READ) | MAY(READ_CONTACTS) | MAY(USERS) | MAY(AUDIT),
	[TC_ROLE_GATEWAY] = MAY(GATEWAY),
	[TC_ROLE_SHELTER] = MAY(READ) | MAY(SHELTER),
};

static const char *const role_names[TC_ROLE_N] = {
	[TC_ROLE_VIEWER] = "viewer",     [TC_ROLE_DRAFTER] = "drafter", [TC_ROLE_APPROVER] = "approver",
	[TC_ROLE_REGISTRY] = "registry", [TC_ROLE_ADMIN] = "admin",     [TC_ROLE_GATEWAY] = "gateway",
	[TC_ROLE_SHELTER] = "shelter",
};

static const char *const perm_names[TC_PERM_N] = {
	[TC_PERM_READ] = "read",         [TC_PERM_READ_CONTACTS] = "read-contacts", [TC_PERM_SUBMIT] = "submit",
	[TC_PERM_APPROVE] = "approve",   [TC_PERM_CANCEL] = "cancel",               [TC_PERM_REGISTRY] = "registry",
	[TC_PERM_PROVISION] = "provision", [TC_PERM_USERS] = "users",               [TC_PERM_AUDIT] = "audit",
	[TC_PERM_GATEWAY] = "gateway",   [TC_PERM_SHELTER] = "shelter",
};

const char *tc_role_name(enum tc_role r)
{
	return (unsigned)r < TC_ROLE_N ? role_names[r] : "unknown";
}

enum tc_rc tc_role_parse(const char *name, enum tc_role *out)
{
	for (int r = 0; name && r < TC_ROLE_N; r++) {
		if (strcmp(name, role_names[r]) == 0) {
			*out = (enum tc_role)r;
			return TC_OK;
		}
	}
	return TC_ERR_INVALID;
}

const char *tc_perm_name(enum tc_perm p)
{
	return (unsigned)p < TC_PERM_N ? perm_names[p] : "unknown";
}

bool tc_role_may(enum tc_role r, enum tc_perm p)
{
	return (unsigned)r < TC_ROLE_N && (unsigned)p < TC_PERM_N && (role_may[r] & (1u << p));
}

/* --- regions and departments ---------------------------------------------------------------- */

bool tc_user_in_scope(const struct tc_user *u, const char *region)
{
	if (!u || !region || !*region)
		return false;
	for (size_t i = 0; i < u->n_regions && i < TC_AUTH_MAX_REGIONS; i++) {
		const char *r = u->regions[i];
		if (strcmp(r, "*") == 0 || strncmp(region, r, strlen(r)) == 0)
			return true;
	}
	return false;
}

bool tc_user_covers(const struct tc_user *u, const char *list, char outside[16])
{
	const char *p = list ? list : "";
	while (*p) {
		p += strspn(p, " ");
		size_t len = strcspn(p, " ");
		char code[16];
		snprintf(code, sizeof(code), "%.*s", (int)(len < 15 ? len : 15), p);
		if (len && !tc_user_in_scope(u, code)) {
			memcpy(outside, code, sizeof(code));
			return false;
		}
		p += len;
	}
	return true;
}

bool tc_user_may_send_as(const struct tc_user *u, const char *sender)
{
	if (!u || !sender || !*sender)
		return false;
	for (size_t i = 0; i < u->n_departments && i < TC_AUTH_MAX_DEPARTMENTS; i++)
		if (strcmp(u->departments[i], "*") == 0 || strcmp(u->departments[i], sender) == 0)
			return true;
	return false;
}

/* Why the n bytes at s are not a GB/T 2260 code prefix; NULL when they are one. */
static const char *region_problem(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return "may hold only digits (a GB/T 2260 code or its first 2, 4, 6 or 9 digits)";
	if (n != 2 && n != 4 && n != 6 && n != 9 && n != 12)
		return "is not 2, 4, 6, 9 or 12 digits long (a province, city, county, town or village code)";
	return NULL;
}

/* Why the n bytes at s are not a CAP sender; NULL when they are one. */
static const char *sender_problem(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	if (n > 255)
		return "is longer than 255 bytes";
	while (p < end) {
		if (*p <= ' ' || *p == 0x7f || *p == ',' || *p == '<' || *p == '&')
			return "may not hold spaces, commas, '<', '&' or control characters (a CAP sender)";
		if (tc_utf8_next(&p, end) < 0)
			return "is not valid UTF-8";
	}
	return NULL;
}

/* A list of regions or of departments, as a user holds it. */
struct list_kind {
	const char *what;   /* "region" */
	const char *code;   /* of diagnostics: "user.region" */
	size_t max, width;  /* items, and bytes of each with its NUL */
	const char *(*problem)(const char *s, size_t n);
};

static const struct list_kind regions_kind = { "region", "user.region", TC_AUTH_MAX_REGIONS, 16, region_problem };
static const struct list_kind departments_kind = { "department", "user.department", TC_AUTH_MAX_DEPARTMENTS, 256,
						    sender_problem };

/* The items of list ("*" alone, or items separated by commas or spaces) into items (k->max of k->width). */
static enum tc_rc parse_list(const struct list_kind *k, const char *list, char *items, size_t *n_out,
			     struct tc_diags *d)
{
	const char *p = list ? list : "";
	size_t n = 0;
	bool every = false;
	for (;;) {
		p += strspn(p, LIST_SEPS);
		size_t len = strcspn(p, LIST_SEPS);
		if (!len)
			break;
		const char *why = len == 1 && *p == '*' ? NULL : k->problem(p, len);
		if (why) {
			tc_err(d, k->code, k->what, "%s '%.*s' %s", k->what, (int)(len > 300 ? 300 : len), p, why);
			return TC_ERR_INVALID;
		}
		every = every || (len == 1 && *p == '*');
		bool again = false;
		for (size_t i = 0; i < n && !again; i++)
			again = strlen(items + i * k->width) == len && memcmp(items + i * k->width, p, len) == 0;
		if (!again && n == k->max) {
			tc_err(d, k->code, k->what, "more than %zu %ss", k->max, k->what);
			return TC_ERR_INVALID;
		}
		if (!again) {
			memcpy(items + n * k->width, p, len);
			items[n * k->width + len] = '\0';
			n++;
		}
		p += len;
	}
	if (every && n > 1) {
		tc_err(d, k->code, k->what, "'*' (every %s) stands alone: give it without other %ss", k->what, k->what);
		return TC_ERR_INVALID;
	}
	*n_out = n;
	return TC_OK;
}

/* The items joined by single spaces into out. */
static void join_list(const struct list_kind *k, const char *items, size_t n, char *out, size_t len)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && i < k->max && at < len; i++)
		at += (size_t)snprintf(out + at, len - at, "%s%.*s", i ? " " : "", (int)(k->width - 1), items + i * k->width);
}

enum tc_rc tc_user_set_regions(struct tc_user *u, const char *list, struct tc_diags *d)
{
	char items[TC_AUTH_MAX_REGIONS][16];
	size_t n = 0;
	enum tc_rc rc = parse_list(&regions_kind, list, &items[0][0], &n, d);
	if (rc)
		return rc;
	memcpy(u->regions, items, n * sizeof(items[0]));
	u->n_regions = n;
	return TC_OK;
}

enum tc_rc tc_user_set_departments(struct tc_user *u, const char *list, struct tc_diags *d)
{
	char items[TC_AUTH_MAX_DEPARTMENTS][256];
	size_t n = 0;
	enum tc_rc rc = parse_list(&departments_kind, list, &items[0][0], &n, d);
	if (rc)
		return rc;
	memcpy(u->departments, items, n * sizeof(items[0]));
	u->n_departments = n;
	return TC_OK;
}

/* --- users ------------------------------------------------------------------------------ */

#define REGIONS_TEXT (TC_AUTH_MAX_REGIONS * 16)
#define DEPARTMENTS_TEXT (TC_AUTH_MAX_DEPARTMENTS * 256)

/* Why phone is not an E.164 number (or ""); NULL when it is one. */
static const char *phone_problem(const char *phone)
{
	size_t n = strlen(phone);
	if (!n)
		return NULL;
	if (phone[0] != '+' || n < 8 || n > 16 || strspn(phone + 1, "0123456789") != n - 1 || phone[1] == '0')
		return "is not an E.164 number ('+', the country code and 7 to 15 digits in all)";
	return NULL;
}

/* Whether the role acts inside regions (and so needs at least one). */
static bool role_needs_regions(enum tc_role r)
{
	return r == TC_ROLE_DRAFTER || r == TC_ROLE_APPROVER || r == TC_ROLE_REGISTRY;
}

/* Every problem of u as a new user into d; TC_ERR_INVALID when there is one. */
static enum tc_rc user_problems(const struct tc_user *u, char regions[REGIONS_TEXT],
				char departments[DEPARTMENTS_TEXT], struct tc_diags *d)
{
	struct tc_user check;
	const char *why = memchr(u->name, '\0', sizeof(u->name)) ? tc_id_problem(u->name) : "is too long";
	enum tc_rc rc = TC_OK;
	if (why) {
		tc_err(d, "user.name", "name", "user name '%.*s' %s", (int)TC_AUTH_NAME_MAX, u->name, why);
		rc = TC_ERR_INVALID;
	}
	if ((unsigned)u->role >= TC_ROLE_N) {
		tc_err(d, "user.role", "role", "no such role (%d)", (int)u->role);
		rc = TC_ERR_INVALID;
	}
	if (u->n_regions > TC_AUTH_MAX_REGIONS || u->n_departments > TC_AUTH_MAX_DEPARTMENTS) {
		tc_err(d, "user.list", "", "more than %d regions or %d departments", TC_AUTH_MAX_REGIONS,
		       TC_AUTH_MAX_DEPARTMENTS);
		return TC_ERR_INVALID;
	}
	join_list(&regions_kind, &u->regions[0][0], u->n_regions, regions, REGIONS_TEXT);
	join_list(&departments_kind, &u->departments[0][0], u->n_departments, departments, DEPARTMENTS_TEXT);
	if (tc_user_set_regions(&check, regions, d) || tc_user_set_departments(&check, departments, d))
		rc = TC_ERR_INVALID;
	else if (role_needs_regions(u->role) && check.n_regions == 0) {
		tc_err(d, "user.region", "regions", "a %s acts inside regions: give at least one region code ('*' for every region)",
		       tc_role_name(u->role));
		rc = TC_ERR_INVALID;
	}
	why = memchr(u->phone, '\0', sizeof(u->phone)) ? phone_problem(u->phone) : "is too long";
	if (why) {
		tc_err(d, "user.phone", "phone", "phone '%.*s' %s", (int)sizeof(u->phone), u->phone, why);
		rc = TC_ERR_INVALID;
	}
	return rc;
}

/*
 * The row of the cached statement sql with key bound to its one parameter: TC_OK with *q on the
 * row (the caller reads it, then resets *q); TC_ERR_NOTFOUND when there is none, TC_ERR_IO.
 */
static enum tc_rc row_by(struct tc_store *s, const char *sql, const char *key, tc_db_stmt **q)
{
	*q = tc_store_stmt(s, sql);
	if (!*q)
		return TC_ERR_IO;
	tc_db_bind_text(*q, 1, key ? key : "", -1, TC_DB_TRANSIENT);
	int r = tc_db_step(*q);
	if (r == TC_DB_ROW)
		return TC_OK;
	tc_db_reset(*q);
	return r == TC_DB_DONE ? TC_ERR_NOTFOUND : TC_ERR_IO;
}

static const char end_session_sql[] = "DELETE FROM sessions WHERE hash = ?";
static const char end_user_sessions_sql[] = "DELETE FROM sessions WHERE username = ?";

#define USER_COLS "name, role, regions, departments, phone, password != '', created_at, disabled"

/* The user in the current row of q (columns USER_COLS). A role this tocsin does not know leaves the user disabled. */
static void read_user(tc_db_stmt *q, struct tc_user *u)
{
	char role[16], regions[REGIONS_TEXT], departments[DEPARTMENTS_TEXT];
	memset(u, 0, sizeof(*u));
	tc_store_text_col(q, 0, u->name, sizeof(u->name));
	tc_store_text_col(q, 1, role, sizeof(role));
	tc_store_text_col(q, 2, regions, sizeof(regions));
	tc_store_text_col(q, 3, departments, sizeof(departments));
	tc_store_text_col(q, 4, u->phone, sizeof(u->phone));
	u->has_password = tc_db_column_int(q, 5) != 0;
	u->created_at = tc_db_column_int64(q, 6);
	u->disabled = tc_db_column_int(q, 7) != 0;
	if (tc_role_parse(role, &u->role) != TC_OK) {
		u->role = TC_ROLE_VIEWER;
		u->disabled = true;
	}
	tc_user_set_regions(u, regions, NULL);
	tc_user_set_departments(u, departments, NULL);
}

enum tc_rc tc_auth_user_get(struct tc_store *s, const char *name, struct tc_user *out)
{
	static const char sql[] = "SELECT " USER_COLS " FROM users WHERE name = ?";
	tc_db_stmt *q;
	enum tc_rc rc = row_by(s, sql, name, &q);
	if (rc)
		return rc;
	read_user(q, out);
	tc_db_reset(q);
	return TC_OK;
}

enum tc_rc tc_auth_user_add(struct tc_store *s, const struct tc_user *u, int64_t now, struct tc_diags *d)
{
	static const char sql[] = "INSERT INTO users (name, role, regions, departments, phone, created_at, disabled)"
				  " VALUES (?, ?, ?, ?, ?, ?, ?)";
	char regions[REGIONS_TEXT], departments[DEPARTMENTS_TEXT];
	struct tc_user old;
	enum tc_rc rc = user_problems(u, regions, departments, d);
	if (rc)
		return rc;
	rc = tc_auth_user_get(s, u->name, &old);
	if (rc == TC_OK) {
		tc_err(d, "user.exists", "name", "a user named '%s' exists already", u->name);
		return TC_ERR_INVALID;
	}
	if (rc != TC_ERR_NOTFOUND)
		return rc;
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, u->name, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 2, tc_role_name(u->role), -1, TC_DB_STATIC);
	tc_db_bind_text(q, 3, regions, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 4, departments, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 5, u->phone, -1, TC_DB_TRANSIENT);
	tc_db_bind_int64(q, 6, now);
	tc_db_bind_int(q, 7, u->disabled);
	return tc_store_done(q, tc_db_step(q));
}

enum tc_rc tc_auth_user_each(struct tc_store *s, void (*fn)(const struct tc_user *u, void *user), void *user)
{
	static const char sql[] = "SELECT " USER_COLS " FROM users ORDER BY name";
	struct tc_user u;
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	if (!q)
		return TC_ERR_IO;
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		read_user(q, &u);
		fn(&u, user);
	}
	return tc_store_done(q, r);
}

/* Run the cached statement sql with text a (and b, when not NULL) bound; *changed how many rows it changed. */
static enum tc_rc run_text(struct tc_store *s, const char *sql, const char *a, const char *b, long *changed)
{
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, a, -1, TC_DB_TRANSIENT);
	if (b)
		tc_db_bind_text(q, 2, b, -1, TC_DB_TRANSIENT);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	if (changed)
		*changed = tc_db_changes(s->db);
	return rc;
}

/* Revoke every live token of user at now; *n how many. */
static enum tc_rc revoke_all(struct tc_store *s, const char *user, int64_t now, long *n)
{
	static const char sql[] = "UPDATE tokens SET revoked_at = ?2 WHERE username = ?1 AND revoked_at = 0";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, user, -1, TC_DB_TRANSIENT);
	tc_db_bind_int64(q, 2, now);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	if (n)
		*n = rc ? 0 : tc_db_changes(s->db);
	return rc;
}

enum tc_rc tc_auth_user_disable(struct tc_store *s, const char *name, bool disabled, int64_t now)
{
	static const char off[] = "UPDATE users SET disabled = 1 WHERE name = ?";
	static const char on[] = "UPDATE users SET disabled = 0, failed_logins = 0, locked_until = 0 WHERE name = ?";
	long changed = 0;
	enum tc_rc rc = tc_store_begin(s);
	if (rc)
		return rc;
	rc = run_text(s, disabled ? off : on, name, NULL, &changed);
	if (!rc && !changed)
		rc = TC_ERR_NOTFOUND;
	if (!rc && disabled)
		rc = revoke_all(s, name, now, NULL);
	if (!rc && disabled)
		rc = run_text(s, end_user_sessions_sql, name, NULL, NULL);
	if (rc) {
		tc_store_rollback(s);
		return rc;
	}
	return tc_store_commit(s);
}

/* Why password will not do; NULL when it will. */
static const char *password_problem(const char *password)
{
	size_t len = password ? strnlen(password, PASSWORD_MAX + 1) : 0;
	const unsigned char *p = (const unsigned char *)password, *end = p + len;
	size_t chars = 0;
	if (len > PASSWORD_MAX)
		return "is longer than 1024 bytes";
	while (p < end) {
		int32_t c = tc_utf8_next(&p, end);
		if (c < 0)
			return "is not valid UTF-8";
		if (c < 0x20 || c == 0x7f)
			return "holds a control character";
		chars++;
	}
	if (chars < PASSWORD_MIN)
		return "is shorter than 10 characters";
	return NULL;
}

enum tc_rc tc_auth_set_password(struct tc_store *s, const char *name, const char *password, struct tc_diags *d)
{
	static const char put[] = "UPDATE users SET password = ?2, failed_logins = 0, locked_until = 0 WHERE name = ?1";
	char hash[crypto_pwhash_STRBYTES];
	struct tc_user u;
	const char *why = password_problem(password);
	enum tc_rc rc;
	if (why) {
		tc_err(d, "user.password", "password", "the password %s", why);
		return TC_ERR_INVALID;
	}
	rc = tc_auth_user_get(s, name, &u);
	if (rc == TC_ERR_NOTFOUND)
		tc_err(d, "user.unknown", "name", "there is no user '%s'", name);
	if (rc)
		return rc;
	if (sodium_init() < 0 || crypto_pwhash_str(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
						  crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		tc_err(d, "user.password", "password", "cannot hash the password (out of memory)");
		return TC_ERR_NOMEM;
	}
	rc = tc_store_begin(s);
	if (!rc)
		rc = run_text(s, put, name, hash, NULL);
	if (!rc)
		rc = run_text(s, end_user_sessions_sql, name, NULL, NULL);
	if (rc)
		tc_store_rollback(s);
	else
		rc = tc_store_commit(s);
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

/* --- secrets ------------------------------------------------------------------------------ */

/* SHA-256 of text, in hex, into out. */
static void sha256_hex(const char *text, char out[HASH_HEX + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(out, HASH_HEX + 1, h, sizeof(h));
}

/* 32 random bytes as base64url into out (SECRET_CHARS and a NUL). */
static void random_secret(char *out)
{
	unsigned char raw[SECRET_BYTES];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, SECRET_CHARS + 1, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* Whether s is exactly n characters of set. */
static bool made_of(const char *s, size_t n, const char *set)
{
	return strnlen(s, n + 1) == n && strspn(s, set) == n;
}

/* Whether t has the shape of a token: "tct_", 16 hex, "_", 43 base64url characters. */
static bool token_shape(const char *t)
{
	return t && strnlen(t, TOKEN_CHARS + 1) == TOKEN_CHARS &&
	       strncmp(t, TOKEN_PREFIX, TOKEN_PREFIX_LEN) == 0 &&
	       strspn(t + TOKEN_PREFIX_LEN, HEX_CHARS) == TOKEN_ID_HEX && t[TOKEN_PREFIX_LEN + TOKEN_ID_HEX] == '_' &&
	       made_of(t + TOKEN_PREFIX_LEN + TOKEN_ID_HEX + 1, SECRET_CHARS, B64URL_CHARS);
}

/* Whether the stored hash (text of a column) is the hash of what was presented. */
static bool same_hash(const char *stored, const char *presented)
{
	return strlen(stored) == HASH_HEX && sodium_memcmp(stored, presented, HASH_HEX) == 0;
}

/* --- API tokens --------------------------------------------------------------------------- */

enum tc_rc tc_auth_token_new(struct tc_store *s, const char *user, const char *label, int64_t now, int64_t expires_at,
			     char token[TC_TOKEN_TEXT], char id[TC_TOKEN_ID])
{
	static const char sql[] = "INSERT INTO tokens (id, username, hash, label, created_at, expires_at)"
				  " VALUES (?, ?, ?, ?, ?, ?)";
	unsigned char raw_id[TOKEN_ID_HEX / 2];
	char tid[TC_TOKEN_ID], secret[SECRET_CHARS + 1], hash[HASH_HEX + 1];
	struct tc_user u;
	enum tc_rc rc = tc_auth_user_get(s, user, &u);
	if (rc)
		return rc;
	if (!label)
		label = "";
	if (u.disabled || strlen(label) > LABEL_MAX || expires_at <= now)
		return TC_ERR_INVALID;
	if (sodium_init() < 0)
		return TC_ERR_INTERNAL;
	randombytes_buf(raw_id, sizeof(raw_id));
	sodium_bin2hex(tid, sizeof(tid), raw_id, sizeof(raw_id));
	random_secret(secret);
	snprintf(token, TC_TOKEN_TEXT, TOKEN_PREFIX "%s_%s", tid, secret);
	sodium_memzero(secret, sizeof(secret));
	sha256_hex(token, hash);
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q) {
		sodium_memzero(token, TC_TOKEN_TEXT);
		return TC_ERR_IO;
	}
	tc_db_bind_text(q, 1, tid, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 2, u.name, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 3, hash, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 4, label, -1, TC_DB_TRANSIENT);
	tc_db_bind_int64(q, 5, now);
	tc_db_bind_int64(q, 6, expires_at);
	rc = tc_store_done(q, tc_db_step(q));
	if (rc)
		sodium_memzero(token, TC_TOKEN_TEXT);
	else if (id)
		memcpy(id, tid, TC_TOKEN_ID);
	return rc;
}

/* A token's row found by the hash of its text. */
struct token_row {
	char id[TC_TOKEN_ID], user[TC_AUTH_NAME_MAX + 1], hash[HASH_HEX + 1];
	int64_t expires_at, revoked_at, last_used;
};

static enum tc_rc token_find(struct tc_store *s, const char *hash, struct token_row *t)
{
	static const char sql[] = "SELECT id, username, hash, expires_at, revoked_at, last_used FROM tokens WHERE hash = ?";
	tc_db_stmt *q;
	enum tc_rc rc = row_by(s, sql, hash, &q);
	if (rc)
		return rc;
	tc_store_text_col(q, 0, t->id, sizeof(t->id));
	tc_store_text_col(q, 1, t->user, sizeof(t->user));
	tc_store_text_col(q, 2, t->hash, sizeof(t->hash));
	t->expires_at = tc_db_column_int64(q, 3);
	t->revoked_at = tc_db_column_int64(q, 4);
	t->last_used = tc_db_column_int64(q, 5);
	tc_db_reset(q);
	return TC_OK;
}

enum tc_rc tc_auth_token_check(struct tc_store *s, const char *token, int64_t now, struct tc_user *out,
			       char id[TC_TOKEN_ID], const char **why)
{
	static const char touch[] = "UPDATE tokens SET last_used = ?2 WHERE id = ?1";
	char hash[HASH_HEX + 1];
	struct token_row t;
	struct tc_user u;
	const char *no = "unknown";
	enum tc_rc rc = TC_ERR_NOTFOUND;
	if (why)
		*why = NULL;
	if (!token_shape(token))
		goto out;
	sha256_hex(token, hash);
	rc = token_find(s, hash, &t);
	if (!rc && (!same_hash(t.hash, hash) || strncmp(t.id, token + TOKEN_PREFIX_LEN, TOKEN_ID_HEX) != 0))
		rc = TC_ERR_NOTFOUND;
	if (!rc)
		rc = tc_auth_user_get(s, t.user, &u);
	if (rc)
		goto out;
	no = u.disabled ? "disabled" : t.revoked_at ? "revoked" : now >= t.expires_at ? "expired" : NULL;
	if (no) {
		rc = TC_ERR_NOTFOUND;
		goto out;
	}
	if (now - t.last_used >= LAST_USED_EVERY_S) {
		/* last_used is a hint for the administrator: a failed write does not refuse the token */
		tc_db_stmt *q = tc_store_stmt(s, touch);
		if (q) {
			tc_db_bind_text(q, 1, t.id, -1, TC_DB_TRANSIENT);
			tc_db_bind_int64(q, 2, now);
			tc_store_done(q, tc_db_step(q));
		}
	}
	*out = u;
	if (id)
		memcpy(id, t.id, TC_TOKEN_ID);
out:
	if (rc == TC_ERR_NOTFOUND && why)
		*why = no;
	return rc;
}

enum tc_rc tc_auth_token_revoke(struct tc_store *s, const char *user, const char *id, int64_t now, long *n)
{
	static const char one[] = "UPDATE tokens SET revoked_at = ?3 WHERE username = ?1 AND id = ?2 AND revoked_at = 0";
	static const char known[] = "SELECT count(*) FROM tokens WHERE username = ?1 AND id = ?2";
	struct tc_user u;
	long changed = 0;
	enum tc_rc rc = tc_auth_user_get(s, user, &u);
	if (n)
		*n = 0;
	if (rc)
		return rc;
	if (!id)
		return revoke_all(s, user, now, n);
	tc_db_stmt *q = tc_store_stmt(s, one);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, user, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 2, id, -1, TC_DB_TRANSIENT);
	tc_db_bind_int64(q, 3, now);
	rc = tc_store_done(q, tc_db_step(q));
	if (rc)
		return rc;
	changed = tc_db_changes(s->db);
	if (n)
		*n = changed;
	if (changed)
		return TC_OK;
	q = tc_store_stmt(s, known); /* nothing changed: already revoked, or no such token */
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, user, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 2, id, -1, TC_DB_TRANSIENT);
	int r = tc_db_step(q);
	bool exists = r == TC_DB_ROW && tc_db_column_int(q, 0) > 0;
	tc_db_reset(q);
	return r != TC_DB_ROW ? TC_ERR_IO : exists ? TC_OK : TC_ERR_NOTFOUND;
}

enum tc_rc tc_auth_token_each(struct tc_store *s, const char *user, void (*fn)(const struct tc_token_info *t, void *u),
			      void *u)
{
	static const char sql[] = "SELECT id, username, label, created_at, expires_at, revoked_at, last_used FROM tokens"
				  " WHERE ?1 IS NULL OR username = ?1 ORDER BY created_at DESC, rowid DESC";
	struct tc_token_info t;
	tc_db_stmt *q = tc_store_stmt(s, sql);
	int r;
	if (!q)
		return TC_ERR_IO;
	if (user)
		tc_db_bind_text(q, 1, user, -1, TC_DB_TRANSIENT);
	while ((r = tc_db_step(q)) == TC_DB_ROW) {
		tc_store_text_col(q, 0, t.id, sizeof(t.id));
		tc_store_text_col(q, 1, t.user, sizeof(t.user));
		tc_store_text_col(q, 2, t.label, sizeof(t.label));
		t.created_at = tc_db_column_int64(q, 3);
		t.expires_at = tc_db_column_int64(q, 4);
		t.revoked_at = tc_db_column_int64(q, 5);
		t.last_used = tc_db_column_int64(q, 6);
		fn(&t, u);
	}
	return tc_store_done(q, r);
}

/* --- passwords and sessions --------------------------------------------------------------- */

/* What login needs of an account. */
struct login_row {
	char password[crypto_pwhash_STRBYTES];
	bool found, disabled;
	int64_t locked_until;
};

static enum tc_rc login_find(struct tc_store *s, const char *name, struct login_row *a)
{
	static const char sql[] = "SELECT password, disabled, locked_until FROM users WHERE name = ?";
	tc_db_stmt *q;
	enum tc_rc rc = row_by(s, sql, name, &q);
	if (rc)
		return rc == TC_ERR_NOTFOUND ? TC_OK : rc;
	a->found = true;
	tc_store_text_col(q, 0, a->password, sizeof(a->password));
	a->disabled = tc_db_column_int(q, 1) != 0;
	a->locked_until = tc_db_column_int64(q, 2);
	tc_db_reset(q);
	return TC_OK;
}

/* One more failed login of name at now: from the fifth in a row the account waits 2^(n-5) s, at most LOCK_MAX_S. */
static enum tc_rc login_failed(struct tc_store *s, const char *name, int64_t now)
{
	static const char sql[] =
		"UPDATE users SET failed_logins = failed_logins + 1, locked_until = CASE WHEN failed_logins + 1 >= ?3"
		" THEN ?2 + min(?4, 1 << CAST(min(failed_logins + 1 - ?3, 20) AS INTEGER)) ELSE locked_until END WHERE name = ?1";
	tc_db_stmt *q = tc_store_stmt(s, sql);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_text(q, 1, name, -1, TC_DB_TRANSIENT);
	tc_db_bind_int64(q, 2, now);
	tc_db_bind_int(q, 3, LOCK_AFTER);
	tc_db_bind_int(q, 4, LOCK_MAX_S);
	return tc_store_done(q, tc_db_step(q));
}

/* A new session of name from source: its id and CSRF token (shown once) into session and csrf. */
static enum tc_rc session_new(struct tc_store *s, const char *name, const char *source, int64_t now, int64_t ttl_s,
			      char session[TC_TOKEN_TEXT], char csrf[TC_TOKEN_TEXT])
{
	static const char purge[] = "DELETE FROM sessions WHERE expires_at <= ?";
	static const char put[] = "INSERT INTO sessions (hash, username, csrf, source, created_at, expires_at)"
				  " VALUES (?, ?, ?, ?, ?, ?)";
	char hash[HASH_HEX + 1], csrf_hash[HASH_HEX + 1];
	tc_db_stmt *q = tc_store_stmt(s, purge);
	if (!q)
		return TC_ERR_IO;
	tc_db_bind_int64(q, 1, now);
	if (tc_store_done(q, tc_db_step(q)) || !(q = tc_store_stmt(s, put)))
		return TC_ERR_IO;
	random_secret(session);
	random_secret(csrf);
	sha256_hex(session, hash);
	sha256_hex(csrf, csrf_hash);
	tc_db_bind_text(q, 1, hash, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 2, name, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 3, csrf_hash, -1, TC_DB_TRANSIENT);
	tc_db_bind_text(q, 4, source ? source : "", -1, TC_DB_TRANSIENT);
	tc_db_bind_int64(q, 5, now);
	tc_db_bind_int64(q, 6, now + ttl_s);
	enum tc_rc rc = tc_store_done(q, tc_db_step(q));
	if (rc) {
		sodium_memzero(session, TC_TOKEN_TEXT);
		sodium_memzero(csrf, TC_TOKEN_TEXT);
	}
	return rc;
}

enum tc_login tc_auth_login(struct tc_store *s, const char *name, const char *password, const char *source,
			    int64_t now, int64_t ttl_s, char session[TC_TOKEN_TEXT], char csrf[TC_TOKEN_TEXT],
			    int64_t *retry_after, struct tc_user *out, enum tc_rc *rc)
{
	static const char cleared[] = "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE name = ?";
	struct login_row a = { 0 };
	enum tc_rc r = sodium_init() < 0 ? TC_ERR_INTERNAL : TC_OK;
	enum tc_login answer = TC_LOGIN_WRONG;
	if (retry_after)
		*retry_after = 0;
	if (!r && name && password)
		r = login_find(s, name, &a);
	if (r)
		goto out;
	if (a.found && a.locked_until > now) {
		if (retry_after)
			*retry_after = a.locked_until - now;
		answer = TC_LOGIN_LOCKED;
		goto out;
	}
	bool usable = a.found && a.password[0] && !a.disabled;
	const char *against = a.found && a.password[0] ? a.password : no_password;
	size_t len = password ? strnlen(password, PASSWORD_MAX + 1) : 0;
	bool right = crypto_pwhash_str_verify(against, password ? password : "", len) == 0;
	if (!usable || !right) {
		if (a.found)
			r = login_failed(s, name, now);
		goto out;
	}
	r = run_text(s, cleared, name, NULL, NULL);
	if (!r)
		r = session_new(s, name, source, now, ttl_s, session, csrf);
	if (!r)
		r = tc_auth_user_get(s, name, out);
	if (!r)
		answer = TC_LOGIN_OK;
out:
	sodium_memzero(&a, sizeof(a));
	if (rc)
		*rc = r;
	return answer;
}

/* A session's row found by the hash of its id. */
struct session_row {
	char user[TC_AUTH_NAME_MAX + 1], hash[HASH_HEX + 1], csrf[HASH_HEX + 1];
	int64_t expires_at;
};

static enum tc_rc session_find(struct tc_store *s, const char *hash, struct session_row *w)
{
	static const char sql[] = "SELECT username, hash, csrf, expires_at FROM sessions WHERE hash = ?";
	tc_db_stmt *q;
	enum tc_rc rc = row_by(s, sql, hash, &q);
	if (rc)
		return rc;
	tc_store_text_col(q, 0, w->user, sizeof(w->user));
	tc_store_text_col(q, 1, w->hash, sizeof(w->hash));
	tc_store_text_col(q, 2, w->csrf, sizeof(w->csrf));
	w->expires_at = tc_db_column_int64(q, 3);
	tc_db_reset(q);
	return TC_OK;
}

enum tc_rc tc_auth_session_check(struct tc_store *s, const char *session, const char *csrf, int64_t now,
				 struct tc_user *out, bool *csrf_ok)
{
	char hash[HASH_HEX + 1];
	struct session_row w;
	struct tc_user u;
	enum tc_rc rc;
	if (csrf_ok)
		*csrf_ok = false;
	if (!session || !made_of(session, SECRET_CHARS, B64URL_CHARS))
		return TC_ERR_NOTFOUND;
	sha256_hex(session, hash);
	rc = session_find(s, hash, &w);
	if (rc)
		return rc;
	if (!same_hash(w.hash, hash))
		return TC_ERR_NOTFOUND;
	if (now >= w.expires_at) {
		run_text(s, end_session_sql, hash, NULL, NULL);
		return TC_ERR_NOTFOUND;
	}
	rc = tc_auth_user_get(s, w.user, &u);
	if (rc)
		return rc;
	if (u.disabled)
		return TC_ERR_NOTFOUND;
	if (csrf && csrf_ok && made_of(csrf, SECRET_CHARS, B64URL_CHARS)) {
		sha256_hex(csrf, hash);
		*csrf_ok = same_hash(w.csrf, hash);
	}
	*out = u;
	return TC_OK;
}

enum tc_rc tc_auth_session_end(struct tc_store *s, const char *session)
{
	char hash[HASH_HEX + 1];
	if (!session || !made_of(session, SECRET_CHARS, B64URL_CHARS))
		return TC_OK;
	sha256_hex(session, hash);
	return run_text(s, end_session_sql, hash, NULL, NULL);
}
