/*
 * fuzz_auth.c — libFuzzer target for what a client hands tocsind's staff
 * checks: the text of an Authorization: Bearer header (a token), a session
 * cookie with a CSRF header, and the region and department lists an
 * administrator types. The store is a real one, made once, with a user, a
 * token and a session; every input is also tried as a one-byte change of
 * the genuine token, so near misses are exercised too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_store.h"
#include "tc_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tc_store *store;
static char token[TC_TOKEN_TEXT], session[TC_TOKEN_TEXT], csrf[TC_TOKEN_TEXT];

static void setup(void)
{
	struct tc_user u = { .role = TC_ROLE_APPROVER };
	char id[TC_TOKEN_ID];
	int64_t retry = 0;
	enum tc_rc rc;
	store = fuzz_store_open();
	snprintf(u.name, sizeof(u.name), "duty");
	if (tc_user_set_regions(&u, "120116", NULL) || tc_user_set_departments(&u, "12011641600000", NULL) ||
	    tc_auth_user_add(store, &u, 1000, NULL) || tc_auth_token_new(store, "duty", "fuzz", 1000, 1LL << 40, token, id) ||
	    tc_auth_set_password(store, "duty", "a long enough password", NULL) ||
	    tc_auth_login(store, "duty", "a long enough password", "127.0.0.1", 1000, 3600, session, csrf, &retry, &u, &rc) !=
		    TC_LOGIN_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char text[512], near[TC_TOKEN_TEXT];
	struct tc_user u;
	const char *why = NULL;
	bool ok = false;
	if (!ready) {
		setup();
		ready = 1;
	}
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = '\0';
	tc_auth_token_check(store, text, 2000, &u, NULL, &why);
	tc_auth_session_check(store, text, text, 2000, &u, &ok);
	tc_auth_session_check(store, session, text, 2000, &u, &ok);
	memset(&u, 0, sizeof(u));
	tc_user_set_regions(&u, text, NULL);
	tc_user_set_departments(&u, text, NULL);
	tc_user_in_scope(&u, text);
	tc_user_may_send_as(&u, text);
	/* a near miss of the genuine token: one byte changed where the input says */
	if (size >= 2) {
		memcpy(near, token, sizeof(near));
		size_t at = data[0] % (strlen(near) ? strlen(near) : 1);
		near[at] = (char)data[1];
		tc_auth_token_check(store, near, 2000, &u, NULL, &why);
	}
	return 0;
}
