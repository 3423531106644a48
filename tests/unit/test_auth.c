/* test_auth.c — staff: the role table, region scopes and departments, what a user may be
 * made of, API tokens, logins with their lock, browser sessions, disabling. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_fixture.h"
#include "tc_auth.h"
#include "tc_file.h"
#include "tc_store_int.h"

#define NOW 1800000000
#define DAY 86400
#define PASSWORD "correct horse battery"

static struct tc_store *store;

static int setup(void **state)
{
	(void)state;
	if (fixture_store_dir())
		return -1;
	return tc_store_open(fixture_db, &store, NULL) == TC_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	store = NULL;
	fixture_store_remove();
	return 0;
}

/* A user of role with regions and departments (lists as the CLI takes them), added at NOW. */
static void add_user(const char *name, enum tc_role role, const char *regions, const char *departments)
{
	struct tc_user u = { .role = role };
	snprintf(u.name, sizeof(u.name), "%s", name);
	assert_int_equal(tc_user_set_regions(&u, regions, NULL), TC_OK);
	assert_int_equal(tc_user_set_departments(&u, departments, NULL), TC_OK);
	assert_int_equal(tc_auth_user_add(store, &u, NOW, NULL), TC_OK);
}

/* The message of the first diagnostic, "" when none. */
static const char *first_message(const struct tc_diags *d)
{
	return tc_diags_count(d) ? tc_diags_get(d, 0)->message : "";
}

static void test_roles(void **state)
{
	(void)state;
	assert_false(tc_role_may(TC_ROLE_DRAFTER, TC_PERM_APPROVE));
	assert_true(tc_role_may(TC_ROLE_DRAFTER, TC_PERM_SUBMIT));
	assert_false(tc_role_may(TC_ROLE_DRAFTER, TC_PERM_CANCEL));
	assert_true(tc_role_may(TC_ROLE_APPROVER, TC_PERM_APPROVE));
	assert_true(tc_role_may(TC_ROLE_APPROVER, TC_PERM_CANCEL));
	assert_false(tc_role_may(TC_ROLE_APPROVER, TC_PERM_READ_CONTACTS));
	assert_true(tc_role_may(TC_ROLE_VIEWER, TC_PERM_READ));
	assert_false(tc_role_may(TC_ROLE_VIEWER, TC_PERM_READ_CONTACTS));
	assert_true(tc_role_may(TC_ROLE_REGISTRY, TC_PERM_PROVISION));
	assert_false(tc_role_may(TC_ROLE_REGISTRY, TC_PERM_SUBMIT));
	assert_true(tc_role_may(TC_ROLE_ADMIN, TC_PERM_USERS));
	assert_false(tc_role_may(TC_ROLE_ADMIN, TC_PERM_SUBMIT));
	for (int p = 0; p < TC_PERM_N; p++)
		assert_int_equal(tc_role_may(TC_ROLE_GATEWAY, (enum tc_perm)p), p == TC_PERM_GATEWAY);
	for (int r = 0; r < TC_ROLE_N; r++)
		if (r != TC_ROLE_GATEWAY)
			assert_false(tc_role_may((enum tc_role)r, TC_PERM_GATEWAY));
	assert_false(tc_role_may(TC_ROLE_N, TC_PERM_READ));
	/* a shelter's manager reads and reports occupancy, nothing more; a registry clerk may too */
	for (int p = 0; p < TC_PERM_N; p++)
		assert_int_equal(tc_role_may(TC_ROLE_SHELTER, (enum tc_perm)p), p == TC_PERM_READ || p == TC_PERM_SHELTER);
	assert_true(tc_role_may(TC_ROLE_REGISTRY, TC_PERM_SHELTER));
	assert_false(tc_role_may(TC_ROLE_VIEWER, TC_PERM_SHELTER));
	assert_string_equal(tc_role_name(TC_ROLE_SHELTER), "shelter");

	enum tc_role r;
	for (int i = 0; i < TC_ROLE_N; i++) {
		assert_int_equal(tc_role_parse(tc_role_name((enum tc_role)i), &r), TC_OK);
		assert_int_equal(r, i);
	}
	assert_int_equal(tc_role_parse("root", &r), TC_ERR_INVALID);
	assert_string_equal(tc_role_name(TC_ROLE_N), "unknown");
	assert_string_equal(tc_perm_name(TC_PERM_READ_CONTACTS), "read-contacts");
}

static void test_scope(void **state)
{
	(void)state;
	struct tc_user town = { 0 }, city = { 0 }, all = { 0 }, none = { 0 };
	assert_int_equal(tc_user_set_regions(&town, "120116001", NULL), TC_OK);
	assert_true(tc_user_in_scope(&town, "120116001"));
	assert_true(tc_user_in_scope(&town, "120116001002"));
	assert_false(tc_user_in_scope(&town, "120116002"));
	/* a list of the regions an alert reaches: covered only when every one is in scope */
	char outside[16] = "";
	assert_true(tc_user_covers(&town, "120116001001 120116001002", outside));
	assert_true(tc_user_covers(&town, "", outside));
	assert_false(tc_user_covers(&town, "120116001001  120116002001 120105", outside));
	assert_string_equal(outside, "120116002001");
	assert_false(tc_user_in_scope(&town, "120117001"));
	assert_false(tc_user_in_scope(&town, "120116")); /* the county is wider than the town */
	assert_int_equal(tc_user_set_regions(&city, "12", NULL), TC_OK);
	assert_true(tc_user_in_scope(&city, "120116001"));
	assert_true(tc_user_in_scope(&city, "120117"));
	assert_false(tc_user_in_scope(&city, "110101"));
	assert_int_equal(tc_user_set_regions(&all, "*", NULL), TC_OK);
	assert_true(tc_user_in_scope(&all, "650102"));
	assert_false(tc_user_in_scope(&none, "120116"));
	assert_false(tc_user_in_scope(&all, ""));
	assert_false(tc_user_in_scope(&all, NULL));

	/* commas or spaces; the same code twice is kept once */
	assert_int_equal(tc_user_set_regions(&town, "120116, 120117 120116", NULL), TC_OK);
	assert_int_equal(town.n_regions, 2);
	assert_true(tc_user_in_scope(&town, "120117003"));
}

static void test_departments(void **state)
{
	(void)state;
	struct tc_user u = { 0 };
	assert_false(tc_user_may_send_as(&u, "tj-binhai-qxt@cma.cn")); /* none: cannot issue */
	assert_int_equal(tc_user_set_departments(&u, "tj-binhai-qxt@cma.cn,tj-binhai-sw@mwr.cn", NULL), TC_OK);
	assert_int_equal(u.n_departments, 2);
	assert_true(tc_user_may_send_as(&u, "tj-binhai-qxt@cma.cn"));
	assert_true(tc_user_may_send_as(&u, "tj-binhai-sw@mwr.cn"));
	assert_false(tc_user_may_send_as(&u, "tj-binhai-qxt@cma.cn.evil"));
	assert_false(tc_user_may_send_as(&u, "tj-binhai"));
	assert_int_equal(tc_user_set_departments(&u, "*", NULL), TC_OK);
	assert_true(tc_user_may_send_as(&u, "anyone@example.org"));
	assert_false(tc_user_may_send_as(&u, ""));
}

/* list refused by set (regions or departments), with a message holding want. */
static void refused_list(enum tc_rc (*set)(struct tc_user *, const char *, struct tc_diags *), const char *list,
			 const char *want)
{
	struct tc_user u = { 0 };
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(set(&u, list, d), TC_ERR_INVALID);
	if (!strstr(first_message(d), want))
		fail_msg("'%s': message '%s' does not say '%s'", list, first_message(d), want);
	assert_int_equal(u.n_regions + u.n_departments, 0); /* nothing kept */
	tc_diags_free(d);
}

/* u refused by tc_auth_user_add, with a message holding want. */
static void refused_user(const struct tc_user *u, const char *want)
{
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_auth_user_add(store, u, NOW, d), TC_ERR_INVALID);
	if (!strstr(first_message(d), want))
		fail_msg("'%s': message '%s' does not say '%s'", u->name, first_message(d), want);
	tc_diags_free(d);
}

static void test_bad_input(void **state)
{
	(void)state;
	refused_list(tc_user_set_regions, "1201x6", "'1201x6' may hold only digits");
	refused_list(tc_user_set_regions, "12011", "'12011' is not 2, 4, 6, 9 or 12 digits");
	refused_list(tc_user_set_regions, "* 120116", "'*' (every region) stands alone");
	refused_list(tc_user_set_regions, "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42", "more than 16 regions");
	refused_list(tc_user_set_departments, "a<b@x", "'a<b@x' may not hold spaces");
	refused_list(tc_user_set_departments, "*,a@x", "stands alone");

	struct tc_user u = { .role = TC_ROLE_DRAFTER };
	tc_user_set_regions(&u, "120116", NULL);
	snprintf(u.name, sizeof(u.name), "li wei");
	refused_user(&u, "user name 'li wei' may hold only");
	u.name[0] = '\0';
	refused_user(&u, "user name '' is empty");
	snprintf(u.name, sizeof(u.name), "liwei");
	snprintf(u.phone, sizeof(u.phone), "13800000000");
	refused_user(&u, "phone '13800000000' is not an E.164 number");
	snprintf(u.phone, sizeof(u.phone), "+8613800000000");
	u.n_regions = 0;
	refused_user(&u, "a drafter acts inside regions");
	u.role = TC_ROLE_N;
	refused_user(&u, "no such role");
	u.role = TC_ROLE_VIEWER; /* a viewer may have no regions */
	assert_int_equal(tc_auth_user_add(store, &u, NOW, NULL), TC_OK);
	refused_user(&u, "a user named 'liwei' exists already");

	struct tc_user got;
	assert_int_equal(tc_auth_user_get(store, "liwei", &got), TC_OK);
	assert_string_equal(got.phone, "+8613800000000");
	assert_int_equal(got.role, TC_ROLE_VIEWER);
	assert_false(got.has_password);
	assert_int_equal(got.created_at, NOW);
	assert_int_equal(tc_auth_user_get(store, "nobody", &got), TC_ERR_NOTFOUND);
}

static void test_user_roundtrip(void **state)
{
	(void)state;
	add_user("approver-binhai", TC_ROLE_APPROVER, "120116 120117001", "tj-binhai-qxt@cma.cn tj-sw@mwr.cn");
	add_user("admin", TC_ROLE_ADMIN, "", "");
	struct tc_user u;
	assert_int_equal(tc_auth_user_get(store, "approver-binhai", &u), TC_OK);
	assert_int_equal(u.role, TC_ROLE_APPROVER);
	assert_int_equal(u.n_regions, 2);
	assert_string_equal(u.regions[1], "120117001");
	assert_int_equal(u.n_departments, 2);
	assert_string_equal(u.departments[1], "tj-sw@mwr.cn");
	assert_true(tc_user_in_scope(&u, "120117001004"));
	assert_false(tc_user_in_scope(&u, "120117002"));
}

static void count_token(const struct tc_token_info *t, void *user)
{
	(void)t;
	++*(int *)user;
}

static void last_used_of(const struct tc_token_info *t, void *user)
{
	*(int64_t *)user = t->last_used;
}

/* Whether the n bytes at text are anywhere in the file at path. */
static bool file_holds(const char *path, const char *text, size_t n)
{
	size_t len = 0;
	char *data = tc_file_slurp(path, &len);
	if (!data)
		return false;
	bool found = len >= n && memmem(data, len, text, n) != NULL;
	free(data);
	return found;
}

static void test_tokens(void **state)
{
	(void)state;
	char token[TC_TOKEN_TEXT], id[TC_TOKEN_ID], seen[TC_TOKEN_ID], wrong[TC_TOKEN_TEXT + 1];
	struct tc_user u;
	const char *why;
	add_user("script", TC_ROLE_DRAFTER, "120116", "tj-binhai-qxt@cma.cn");
	assert_int_equal(tc_auth_token_new(store, "script", "cron", NOW, NOW + 90 * DAY, token, id), TC_OK);
	assert_int_equal(strlen(token), 64);
	assert_memory_equal(token, "tct_", 4);
	assert_memory_equal(token + 4, id, 16);
	assert_int_equal(token[20], '_');

	assert_int_equal(tc_auth_token_check(store, token, NOW + 1, &u, seen, &why), TC_OK);
	assert_string_equal(u.name, "script");
	assert_string_equal(seen, id);
	assert_null(why);

	/* expired at its expiry */
	assert_int_equal(tc_auth_token_check(store, token, NOW + 90 * DAY, &u, NULL, &why), TC_ERR_NOTFOUND);
	assert_string_equal(why, "expired");

	/* unknown: the right shape, another secret; malformed */
	snprintf(wrong, sizeof(wrong), "%s", token);
	wrong[40] = wrong[40] == 'A' ? 'B' : 'A';
	assert_int_equal(tc_auth_token_check(store, wrong, NOW + 1, &u, NULL, &why), TC_ERR_NOTFOUND);
	assert_string_equal(why, "unknown");
	const char *malformed[] = { "", "tct_", "Bearer x", "tct_0123456789abcdef_short", NULL };
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		assert_int_equal(tc_auth_token_check(store, malformed[i], NOW + 1, &u, NULL, &why), TC_ERR_NOTFOUND);
		assert_string_equal(why, "unknown");
	}
	snprintf(wrong, sizeof(wrong), "%s!", token); /* one character too many */
	assert_int_equal(tc_auth_token_check(store, wrong, NOW + 1, &u, NULL, &why), TC_ERR_NOTFOUND);

	/* revoked: one by id, then the user's others */
	char second[TC_TOKEN_TEXT], id2[TC_TOKEN_ID];
	long n = -1;
	assert_int_equal(tc_auth_token_new(store, "script", NULL, NOW, NOW + DAY, second, id2), TC_OK);
	assert_string_not_equal(second, token);
	assert_int_equal(tc_auth_token_revoke(store, "script", id, NOW + 2, &n), TC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tc_auth_token_check(store, token, NOW + 3, &u, NULL, &why), TC_ERR_NOTFOUND);
	assert_string_equal(why, "revoked");
	assert_int_equal(tc_auth_token_check(store, second, NOW + 3, &u, NULL, &why), TC_OK);
	assert_int_equal(tc_auth_token_revoke(store, "script", "ffffffffffffffff", NOW + 2, &n), TC_ERR_NOTFOUND);
	assert_int_equal(tc_auth_token_revoke(store, "nobody", NULL, NOW + 2, &n), TC_ERR_NOTFOUND);
	assert_int_equal(tc_auth_token_revoke(store, "script", NULL, NOW + 4, &n), TC_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tc_auth_token_check(store, second, NOW + 5, &u, NULL, &why), TC_ERR_NOTFOUND);
	assert_string_equal(why, "revoked");

	int count = 0;
	assert_int_equal(tc_auth_token_each(store, "script", count_token, &count), TC_OK);
	assert_int_equal(count, 2);

	/* neither the token nor its secret is in the database */
	tc_db_stmt *q = NULL;
	assert_int_equal(tc_db_prepare(store->db,
					    "SELECT count(*) FROM tokens WHERE id || hash || label || username LIKE '%' || ? || '%'", &q),
			 TC_DB_OK);
	tc_db_bind_text(q, 1, token + 21, -1, TC_DB_STATIC);
	assert_int_equal(tc_db_step(q), TC_DB_ROW);
	assert_int_equal(tc_db_column_int(q, 0), 0);
	tc_db_finalize(q);
	if (!fixture_pg_name[0]) { /* nor in SQLite's files */
		char wal[600];
		snprintf(wal, sizeof(wal), "%s-wal", fixture_db);
		assert_false(file_holds(fixture_db, token + 21, 43));
		assert_false(file_holds(wal, token + 21, 43));
		assert_false(file_holds(wal, second + 21, 43));
		assert_true(file_holds(wal, id, 16)); /* the search itself finds what is there */
	}

	/* unknown user; an expiry already past */
	assert_int_equal(tc_auth_token_new(store, "nobody", NULL, NOW, NOW + DAY, token, id), TC_ERR_NOTFOUND);
	assert_int_equal(tc_auth_token_new(store, "script", NULL, NOW, NOW, token, id), TC_ERR_INVALID);
}

static void test_token_last_used(void **state)
{
	(void)state;
	char token[TC_TOKEN_TEXT];
	struct tc_user u;
	int64_t last = -1;
	add_user("gw", TC_ROLE_GATEWAY, "", "");
	assert_int_equal(tc_auth_token_new(store, "gw", "kannel", NOW, NOW + DAY, token, NULL), TC_OK);
	assert_int_equal(tc_auth_token_check(store, token, NOW + 10, &u, NULL, NULL), TC_OK);
	assert_int_equal(u.role, TC_ROLE_GATEWAY);
	tc_auth_token_each(store, "gw", last_used_of, &last);
	assert_int_equal(last, NOW + 10);
	/* within a minute of the last write: not written again */
	assert_int_equal(tc_auth_token_check(store, token, NOW + 69, &u, NULL, NULL), TC_OK);
	tc_auth_token_each(store, "gw", last_used_of, &last);
	assert_int_equal(last, NOW + 10);
	assert_int_equal(tc_auth_token_check(store, token, NOW + 70, &u, NULL, NULL), TC_OK);
	tc_auth_token_each(store, "gw", last_used_of, &last);
	assert_int_equal(last, NOW + 70);
}

/* The store's count of failed logins of name. */
static int failed_logins(const char *name)
{
	tc_db_stmt *q = NULL;
	int n = -1;
	assert_int_equal(tc_db_prepare(store->db, "SELECT failed_logins FROM users WHERE name = ?", &q),
			 TC_DB_OK);
	tc_db_bind_text(q, 1, name, -1, TC_DB_STATIC);
	if (tc_db_step(q) == TC_DB_ROW)
		n = tc_db_column_int(q, 0);
	tc_db_finalize(q);
	return n;
}

/* Log name in with password at now: the answer, with *retry (and session, csrf when OK). */
static enum tc_login login(const char *name, const char *password, int64_t now, int64_t *retry, char *session,
			   char *csrf)
{
	char sess[TC_TOKEN_TEXT], tok[TC_TOKEN_TEXT];
	struct tc_user u;
	enum tc_rc rc = TC_ERR_INTERNAL;
	int64_t r = -1;
	enum tc_login l = tc_auth_login(store, name, password, "127.0.0.1", now, 3600, sess, tok, &r, &u, &rc);
	assert_int_equal(rc, TC_OK);
	if (l == TC_LOGIN_OK) {
		assert_string_equal(u.name, name);
		if (session)
			snprintf(session, TC_TOKEN_TEXT, "%s", sess);
		if (csrf)
			snprintf(csrf, TC_TOKEN_TEXT, "%s", tok);
	}
	if (retry)
		*retry = r;
	return l;
}

static void test_password_rules(void **state)
{
	(void)state;
	struct tc_diags *d = tc_diags_new();
	struct tc_user u;
	add_user("duty", TC_ROLE_APPROVER, "120116", "tj-binhai-qxt@cma.cn");
	assert_int_equal(tc_auth_set_password(store, "duty", "short", d), TC_ERR_INVALID);
	assert_non_null(strstr(first_message(d), "shorter than 10 characters"));
	tc_diags_clear(d);
	assert_int_equal(tc_auth_set_password(store, "nobody", PASSWORD, d), TC_ERR_NOTFOUND);
	assert_non_null(strstr(first_message(d), "no user 'nobody'"));
	assert_int_equal(tc_auth_set_password(store, "duty", "天津滨海新区气象台值班", NULL), TC_OK);
	assert_int_equal(tc_auth_user_get(store, "duty", &u), TC_OK);
	assert_true(u.has_password);
	tc_diags_free(d);
}

static void test_login(void **state)
{
	(void)state;
	int64_t retry;
	add_user("duty", TC_ROLE_APPROVER, "120116", "tj-binhai-qxt@cma.cn");
	add_user("nopass", TC_ROLE_VIEWER, "", "");
	assert_int_equal(tc_auth_set_password(store, "duty", PASSWORD, NULL), TC_OK);
	assert_int_equal(login("duty", PASSWORD, NOW, &retry, NULL, NULL), TC_LOGIN_OK);
	assert_int_equal(login("duty", "wrong horse battery", NOW, &retry, NULL, NULL), TC_LOGIN_WRONG);
	assert_int_equal(failed_logins("duty"), 1);
	assert_int_equal(login("nobody", PASSWORD, NOW, &retry, NULL, NULL), TC_LOGIN_WRONG);
	assert_int_equal(login("nopass", "", NOW, &retry, NULL, NULL), TC_LOGIN_WRONG);
	assert_int_equal(login("duty", PASSWORD, NOW, &retry, NULL, NULL), TC_LOGIN_OK);
	assert_int_equal(failed_logins("duty"), 0); /* success resets */
}

/* Seconds a login of name with password takes, the least of three. */
static double login_seconds(const char *name, const char *password)
{
	double least = 1e9;
	for (int i = 0; i < 3; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		login(name, password, NOW + i, NULL, NULL, NULL);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double t = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		least = t < least ? t : least;
	}
	return least;
}

/* A name without an account, or without a password, costs a password check as a wrong password does. */
static void test_login_timing(void **state)
{
	(void)state;
	add_user("duty", TC_ROLE_APPROVER, "120116", "tj-binhai-qxt@cma.cn");
	add_user("nopass", TC_ROLE_VIEWER, "", "");
	assert_int_equal(tc_auth_set_password(store, "duty", PASSWORD, NULL), TC_OK);
	double wrong = login_seconds("duty", "wrong horse battery");
	double unknown = login_seconds("nobody", "wrong horse battery");
	double none = login_seconds("nopass", "wrong horse battery");
	if (unknown < wrong / 3 || none < wrong / 3)
		fail_msg("a wrong password takes %.3f s, an unknown name %.3f s, a user without one %.3f s", wrong, unknown,
			 none);
}

static void test_login_lock(void **state)
{
	(void)state;
	int64_t retry = -1;
	add_user("duty", TC_ROLE_APPROVER, "120116", "tj-binhai-qxt@cma.cn");
	assert_int_equal(tc_auth_set_password(store, "duty", PASSWORD, NULL), TC_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(login("duty", "guess number one", NOW, &retry, NULL, NULL), TC_LOGIN_WRONG);
	assert_int_equal(login("duty", PASSWORD, NOW, &retry, NULL, NULL), TC_LOGIN_OK); /* four: no wait */
	for (int i = 0; i < 5; i++)
		assert_int_equal(login("duty", "guess number two", NOW, &retry, NULL, NULL), TC_LOGIN_WRONG);
	/* the fifth failure: a wait of 1 s, in which even the right password is not checked or counted */
	assert_int_equal(login("duty", PASSWORD, NOW, &retry, NULL, NULL), TC_LOGIN_LOCKED);
	assert_int_equal(retry, 1);
	assert_int_equal(login("duty", "guess number three", NOW, &retry, NULL, NULL), TC_LOGIN_LOCKED);
	assert_int_equal(failed_logins("duty"), 5);
	/* after the wait a wrong try doubles it */
	assert_int_equal(login("duty", "guess number four", NOW + 1, &retry, NULL, NULL), TC_LOGIN_WRONG);
	assert_int_equal(login("duty", PASSWORD, NOW + 2, &retry, NULL, NULL), TC_LOGIN_LOCKED);
	assert_int_equal(retry, 1);
	assert_int_equal(login("duty", PASSWORD, NOW + 1, &retry, NULL, NULL), TC_LOGIN_LOCKED);
	assert_int_equal(retry, 2);
	/* each failure after a wait doubles it, up to 15 minutes */
	int64_t t = NOW + 3;
	for (int n = 7; n <= 16; n++) {
		assert_int_equal(login("duty", "guess again", t, &retry, NULL, NULL), TC_LOGIN_WRONG);
		assert_int_equal(login("duty", PASSWORD, t, &retry, NULL, NULL), TC_LOGIN_LOCKED);
		assert_int_equal(retry, n - 5 >= 10 ? 900 : 1 << (n - 5));
		t += retry;
	}
	/* an unknown name is never locked (there is no account to count on) */
	for (int i = 0; i < 6; i++)
		assert_int_equal(login("nobody", PASSWORD, NOW, &retry, NULL, NULL), TC_LOGIN_WRONG);
	/* the wait over, the right password works and the count starts again */
	assert_int_equal(login("duty", PASSWORD, t, &retry, NULL, NULL), TC_LOGIN_OK);
	assert_int_equal(failed_logins("duty"), 0);
}

static void test_sessions(void **state)
{
	(void)state;
	char session[TC_TOKEN_TEXT], csrf[TC_TOKEN_TEXT], other[TC_TOKEN_TEXT];
	struct tc_user u;
	bool ok = true;
	add_user("duty", TC_ROLE_APPROVER, "120116", "tj-binhai-qxt@cma.cn");
	assert_int_equal(tc_auth_set_password(store, "duty", PASSWORD, NULL), TC_OK);
	assert_int_equal(login("duty", PASSWORD, NOW, NULL, session, csrf), TC_LOGIN_OK);
	assert_int_equal(strlen(session), 43);
	assert_int_equal(strlen(csrf), 43);
	assert_string_not_equal(session, csrf);

	assert_int_equal(tc_auth_session_check(store, session, csrf, NOW + 10, &u, &ok), TC_OK);
	assert_string_equal(u.name, "duty");
	assert_true(ok);
	snprintf(other, sizeof(other), "%s", csrf);
	other[5] = other[5] == 'x' ? 'y' : 'x';
	assert_int_equal(tc_auth_session_check(store, session, other, NOW + 10, &u, &ok), TC_OK);
	assert_false(ok);
	assert_int_equal(tc_auth_session_check(store, session, NULL, NOW + 10, &u, &ok), TC_OK);
	assert_false(ok);
	assert_int_equal(tc_auth_session_check(store, session, "", NOW + 10, &u, &ok), TC_OK);
	assert_false(ok);
	/* the CSRF token is not a session id */
	assert_int_equal(tc_auth_session_check(store, csrf, NULL, NOW + 10, &u, &ok), TC_ERR_NOTFOUND);
	assert_int_equal(tc_auth_session_check(store, "not a session", NULL, NOW + 10, &u, &ok), TC_ERR_NOTFOUND);
	/* expired */
	assert_int_equal(tc_auth_session_check(store, session, csrf, NOW + 3600, &u, &ok), TC_ERR_NOTFOUND);

	/* logout */
	assert_int_equal(login("duty", PASSWORD, NOW, NULL, session, csrf), TC_LOGIN_OK);
	assert_int_equal(tc_auth_session_check(store, session, csrf, NOW + 1, &u, &ok), TC_OK);
	assert_int_equal(tc_auth_session_end(store, session), TC_OK);
	assert_int_equal(tc_auth_session_check(store, session, csrf, NOW + 1, &u, &ok), TC_ERR_NOTFOUND);
	assert_int_equal(tc_auth_session_end(store, session), TC_OK);
	assert_int_equal(tc_auth_session_end(store, "whatever"), TC_OK);

	/* a new password ends the sessions made with the old one */
	assert_int_equal(login("duty", PASSWORD, NOW, NULL, session, csrf), TC_LOGIN_OK);
	assert_int_equal(tc_auth_set_password(store, "duty", "another long password", NULL), TC_OK);
	assert_int_equal(tc_auth_session_check(store, session, csrf, NOW + 1, &u, &ok), TC_ERR_NOTFOUND);
}

static void test_disable(void **state)
{
	(void)state;
	char session[TC_TOKEN_TEXT], csrf[TC_TOKEN_TEXT], token[TC_TOKEN_TEXT];
	struct tc_user u;
	const char *why;
	bool ok;
	add_user("leaver", TC_ROLE_DRAFTER, "120116", "tj-binhai-qxt@cma.cn");
	assert_int_equal(tc_auth_set_password(store, "leaver", PASSWORD, NULL), TC_OK);
	assert_int_equal(tc_auth_token_new(store, "leaver", NULL, NOW, NOW + DAY, token, NULL), TC_OK);
	assert_int_equal(login("leaver", PASSWORD, NOW, NULL, session, csrf), TC_LOGIN_OK);

	assert_int_equal(tc_auth_user_disable(store, "leaver", true, NOW + 1), TC_OK);
	assert_int_equal(tc_auth_user_get(store, "leaver", &u), TC_OK);
	assert_true(u.disabled);
	assert_int_equal(tc_auth_session_check(store, session, csrf, NOW + 2, &u, &ok), TC_ERR_NOTFOUND);
	assert_int_equal(tc_auth_token_check(store, token, NOW + 2, &u, NULL, &why), TC_ERR_NOTFOUND);
	assert_string_equal(why, "disabled");
	assert_int_equal(login("leaver", PASSWORD, NOW + 2, NULL, NULL, NULL), TC_LOGIN_WRONG);
	assert_int_equal(tc_auth_token_new(store, "leaver", NULL, NOW, NOW + DAY, token, NULL), TC_ERR_INVALID);
	assert_int_equal(tc_auth_user_disable(store, "nobody", true, NOW + 1), TC_ERR_NOTFOUND);

	/* enabled again: the password works, the old token stays revoked */
	assert_int_equal(tc_auth_user_disable(store, "leaver", false, NOW + 3), TC_OK);
	assert_int_equal(tc_auth_token_check(store, token, NOW + 4, &u, NULL, &why), TC_ERR_NOTFOUND);
	assert_string_equal(why, "revoked");
	assert_int_equal(login("leaver", PASSWORD, NOW + 4, NULL, NULL, NULL), TC_LOGIN_OK);
}

static void each_user(const struct tc_user *u, void *user)
{
	char *names = user;
	strcat(names, u->name);
	strcat(names, " ");
}

static void test_user_each(void **state)
{
	(void)state;
	char names[256] = "";
	add_user("zhao", TC_ROLE_VIEWER, "", "");
	add_user("admin", TC_ROLE_ADMIN, "", "");
	add_user("qian", TC_ROLE_REGISTRY, "1201", "");
	assert_int_equal(tc_auth_user_each(store, each_user, names), TC_OK);
	assert_string_equal(names, "admin qian zhao ");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_departments),
		T(test_bad_input),
		T(test_user_roundtrip),
		T(test_tokens),
		T(test_token_last_used),
		T(test_password_rules),
		T(test_login),
		T(test_login_timing),
		T(test_login_lock),
		T(test_sessions),
		T(test_disable),
		T(test_user_each),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
