/*
 * tc_auth.h — staff: users with one role, a scope of region codes and the
 * senders (departments) they may issue as; API tokens for scripts and
 * gateways; browser sessions. Everything lives in the store (schema 8), so
 * `tocsin user ...` works on the data directory while tocsind runs.
 *
 * Secrets are kept only as hashes: passwords with Argon2id (libsodium's
 * crypto_pwhash_str), tokens and session ids (32 random bytes each) with
 * SHA-256. A token is shown once, when it is made.
 *
 * What each role may do is one table (tc_role_may), documented in
 * docs/security.md, "Roles".
 */
#ifndef TC_AUTH_H
#define TC_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_diag.h"
#include "tc_store.h"

enum tc_role {
	TC_ROLE_VIEWER = 0, /* reads alerts, status, reports and the registry without phone numbers */
	TC_ROLE_DRAFTER,    /* submits alerts (held for approval as configured) */
	TC_ROLE_APPROVER,   /* releases or rejects others' alerts; cancels; submits */
	TC_ROLE_REGISTRY,   /* imports and removes receivers, contacts, shelters; provisions devices */
	TC_ROLE_ADMIN,      /* users and the audit trail */
	TC_ROLE_GATEWAY,    /* an SMS gateway's callbacks (delivery reports, replies) only */
	TC_ROLE_SHELTER,    /* a shelter's manager: reports the occupancy of the shelter registered with its phone */
	TC_ROLE_N,
};
const char *tc_role_name(enum tc_role r); /* "viewer", ...; "unknown" */
enum tc_rc tc_role_parse(const char *name, enum tc_role *out);

enum tc_perm {
	TC_PERM_READ = 0,       /* alerts, status, reports, receivers, shelters, metrics */
	TC_PERM_READ_CONTACTS,  /* phone numbers: contacts, SMS recipients, officers in reports */
	TC_PERM_SUBMIT,         /* submit CAP alerts */
	TC_PERM_APPROVE,        /* approve or reject held alerts */
	TC_PERM_CANCEL,         /* end an alert (POST .../cancel) */
	TC_PERM_REGISTRY,       /* import and remove registry rows */
	TC_PERM_PROVISION,      /* read device secrets */
	TC_PERM_USERS,          /* see users */
	TC_PERM_AUDIT,          /* read the audit trail */
	TC_PERM_GATEWAY,        /* /api/v1/sms/... callbacks */
	TC_PERM_SHELTER,        /* report a shelter's occupancy (a manager: only the shelter of its phone) */
	TC_PERM_N,
};
const char *tc_perm_name(enum tc_perm p);
/* The one table of what a role may do. */
bool tc_role_may(enum tc_role r, enum tc_perm p);

#define TC_AUTH_MAX_REGIONS 16
#define TC_AUTH_MAX_DEPARTMENTS 8
#define TC_AUTH_NAME_MAX 63 /* user names follow the id grammar (tc_id.h) */

struct tc_user {
	char name[TC_AUTH_NAME_MAX + 1];
	enum tc_role role;
	/* GB/T 2260 code prefixes (2, 4, 6, 9 or 12 digits); "*" alone: every region */
	char regions[TC_AUTH_MAX_REGIONS][16];
	size_t n_regions;
	/* CAP senders the user may issue as; "*" alone: any (upstream feeds that relay others) */
	char departments[TC_AUTH_MAX_DEPARTMENTS][256];
	size_t n_departments;
	char phone[24]; /* E.164, for approval reminders; "" none */
	bool disabled;
	bool has_password;
	int64_t created_at;
};

/* Whether region (a receiver's or a geocode's code) lies in the user's scope. */
bool tc_user_in_scope(const struct tc_user *u, const char *region);
/*
 * Whether every code of a space-separated list of region codes lies in the user's scope; the
 * first that does not into outside. An empty list is covered.
 */
bool tc_user_covers(const struct tc_user *u, const char *list, char outside[16]);
/* Whether the user may issue alerts with this CAP sender. */
bool tc_user_may_send_as(const struct tc_user *u, const char *sender);

/*
 * Parse "120116 120117" / "120116,120117" or "*" (a region list) into u; errors name the bad code.
 * The same for departments ("*" or senders separated by commas or spaces).
 */
enum tc_rc tc_user_set_regions(struct tc_user *u, const char *list, struct tc_diags *d);
enum tc_rc tc_user_set_departments(struct tc_user *u, const char *list, struct tc_diags *d);

/* --- users -------------------------------------------------------------------------- */

/* Add a user (name by the id grammar). TC_ERR_INVALID when the name is taken or a field is bad (d says). */
enum tc_rc tc_auth_user_add(struct tc_store *s, const struct tc_user *u, int64_t now, struct tc_diags *d);
/* One user; TC_ERR_NOTFOUND when there is none. */
enum tc_rc tc_auth_user_get(struct tc_store *s, const char *name, struct tc_user *out);
/* Every user, by name. */
enum tc_rc tc_auth_user_each(struct tc_store *s, void (*fn)(const struct tc_user *u, void *user), void *user);
/* Disable (true) or enable a user; disabling also revokes every token and ends every session. */
enum tc_rc tc_auth_user_disable(struct tc_store *s, const char *name, bool disabled, int64_t now);
/* Set a password (at least 10 characters; Argon2id). TC_ERR_INVALID with the reason in d. */
enum tc_rc tc_auth_set_password(struct tc_store *s, const char *name, const char *password, struct tc_diags *d);

/* --- API tokens ----------------------------------------------------------------------- */

/* "tct_" + 16 hex (its id) + "_" + 43 base64url characters (32 random bytes) */
#define TC_TOKEN_TEXT 80
#define TC_TOKEN_ID 17

struct tc_token_info {
	char id[TC_TOKEN_ID];
	char user[TC_AUTH_NAME_MAX + 1];
	char label[64];
	int64_t created_at, expires_at, revoked_at, last_used;
};

/*
 * A new token for user, valid until expires_at; its text (shown once; only its SHA-256 is kept)
 * into token, its id into id. TC_ERR_NOTFOUND for an unknown user; TC_ERR_INVALID when the user
 * is disabled.
 */
enum tc_rc tc_auth_token_new(struct tc_store *s, const char *user, const char *label, int64_t now, int64_t expires_at,
			     char token[TC_TOKEN_TEXT], char id[TC_TOKEN_ID]);
/*
 * Who a token belongs to: TC_OK with the user in *out (and the token's id, may be NULL);
 * TC_ERR_NOTFOUND when the token is unknown, malformed, revoked, expired or its user disabled
 * (why, in *why, may be NULL: "unknown", "revoked", "expired", "disabled"). Records last_used.
 */
enum tc_rc tc_auth_token_check(struct tc_store *s, const char *token, int64_t now, struct tc_user *out,
			       char id[TC_TOKEN_ID], const char **why);
/* Revoke one token of user by id, or all of them (id NULL); *n how many were revoked (may be NULL). */
enum tc_rc tc_auth_token_revoke(struct tc_store *s, const char *user, const char *id, int64_t now, long *n);
/* The tokens of user (every user's when NULL), newest first. */
enum tc_rc tc_auth_token_each(struct tc_store *s, const char *user, void (*fn)(const struct tc_token_info *t, void *u),
			      void *u);

/* --- passwords and browser sessions ----------------------------------------------------- */

/* From the TC_AUTH_LOCK_AFTER-th failed sign-in in a row an account waits 2^(n-5) s, at most TC_AUTH_LOCK_MAX_S. */
#define TC_AUTH_LOCK_AFTER 5
#define TC_AUTH_LOCK_MAX_S 900

enum tc_login {
	TC_LOGIN_OK = 0,
	TC_LOGIN_WRONG,  /* unknown user, no password, wrong password or disabled: one answer for all */
	TC_LOGIN_LOCKED, /* too many failures for this account: *retry_after seconds */
};

/*
 * Check name and password. Failures are counted per account: after 5 in a row the account
 * waits 2^(n-5) seconds (at most 15 minutes) between tries, answered TC_LOGIN_LOCKED without
 * checking the password. On success a session (expires now + ttl_s) is made: its id and its
 * CSRF token (shown once, hashed in the store) into session and csrf, the user into *out.
 * TC_ERR_IO etc. in *rc when the store fails (then TC_LOGIN_WRONG).
 */
enum tc_login tc_auth_login(struct tc_store *s, const char *name, const char *password, const char *source,
			    int64_t now, int64_t ttl_s, char session[TC_TOKEN_TEXT], char csrf[TC_TOKEN_TEXT],
			    int64_t *retry_after, struct tc_user *out, enum tc_rc *rc);
/*
 * Who a session belongs to: TC_OK with the user, when it exists, has not expired and its user
 * is enabled; and whether csrf (may be NULL: not checked, *csrf_ok false) is its CSRF token.
 * TC_ERR_NOTFOUND otherwise.
 */
enum tc_rc tc_auth_session_check(struct tc_store *s, const char *session, const char *csrf, int64_t now,
				 struct tc_user *out, bool *csrf_ok);
/* End a session (logout); ending an unknown one is TC_OK. */
enum tc_rc tc_auth_session_end(struct tc_store *s, const char *session);

#endif
