/* test_sms_gateways.c — reading sms_gateways_file: a good file gives its gateways; every
 * kind of bad input is refused with the file, the line and what is wrong, and nothing applies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_sms_gateways.h"

static char dir[] = "/tmp/tc_sms_gateways_XXXXXX", file[64], pw[64];
static const struct tc_smpp_options base = { .enquire_link_s = 30, .response_timeout_s = 10, .tps = 50, .window = 10 };

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(file, sizeof(file), "%s/gateways.ini", dir);
	snprintf(pw, sizeof(pw), "%s/cmcc.password", dir);
	FILE *f = fopen(pw, "w");
	if (!f)
		return -1;
	fputs("s3cret\n", f);
	fclose(f);
	return chmod(pw, 0600);
}

static int teardown(void **state)
{
	(void)state;
	unlink(file);
	unlink(pw);
	rmdir(dir);
	return 0;
}

/* Load text as the file; rc, and the first error's message in why. */
static enum tc_rc load(const char *text, struct tc_sms_gateways *g, char why[512])
{
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	for (const char *at; (at = strstr(text, "@PW")); text = at + 3) /* @PW: the password file */
		fprintf(f, "%.*s%s", (int)(at - text), text, pw);
	fputs(text, f);
	fclose(f);
	struct tc_diags *d = tc_diags_new();
	enum tc_rc rc = tc_sms_gateways_load(file, &base, g, d);
	why[0] = '\0';
	if (tc_diags_count(d))
		snprintf(why, 512, "%s", tc_diags_get(d, 0)->message);
	tc_diags_free(d);
	return rc;
}

#define GOOD "# operators\n[cmcc]\nsmpp = 127.0.0.1:2775\nsystem_id = tocsin\npassword_file = @PW\ntps = 40\n" \
	     "window = 5\nprefixes = 86134, 86135,86139\nfallback = default\n\n[cucc]\nsmpp = smsc.example:2776\n" \
	     "system_id = t2\npassword_file = @PW\nprefixes = 86130,8613\nfallback = none\n"

static void test_good_file(void **state)
{
	(void)state;
	static struct tc_sms_gateways g;
	char why[512];
	assert_int_equal(load(GOOD, &g, why), TC_OK);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.v[0].name, "cmcc");
	assert_int_equal(g.v[0].kind, TC_SMS_GW_SMPP);
	assert_string_equal(g.v[0].smpp.host, "127.0.0.1");
	assert_int_equal(g.v[0].smpp.port, 2775);
	assert_string_equal(g.v[0].smpp.system_id, "tocsin");
	assert_string_equal(g.v[0].smpp.password, "s3cret");
	assert_int_equal(g.v[0].smpp.tps, 40);
	assert_int_equal(g.v[0].smpp.window, 5);
	assert_int_equal(g.v[0].smpp.enquire_link_s, 30);
	assert_int_equal(g.v[0].n_prefixes, 3);
	assert_string_equal(g.v[0].prefixes[1], "86135");
	assert_string_equal(g.v[0].fallback, "default");
	assert_string_equal(g.v[1].smpp.host, "smsc.example");
	assert_int_equal(g.v[1].smpp.tps, 50);
	assert_string_equal(g.v[1].fallback, ""); /* none: its parts wait */
	assert_int_equal(g.v[1].n_prefixes, 2);
	tc_sms_gateways_wipe(&g);
	assert_string_equal(g.v[0].smpp.password, "");
}

static void test_bad_files(void **state)
{
	(void)state;
	static struct tc_sms_gateways g;
	static const struct { const char *text, *want; } bad[] = {
		{ "[a]\nsmpp = 127.0.0.1:2775\nsystem_id = x\npassword_file = @PW\ncolour = red\n", ":5: unknown key 'colour'" },
		{ "[a]\nsmpp = 127.0.0.1:2775\nsystem_id = x\npassword_file = @PW\ntps = fast\n", ":5: tps = 'fast' is not a number" },
		{ "[a]\nsmpp = 127.0.0.1:2775\nsystem_id = x\npassword_file = @PW\nwindow = 0\n", ":5: window = '0'" },
		{ "[a]\nsmpp = 127.0.0.1\nsystem_id = x\npassword_file = @PW\n", ":2: smpp = '127.0.0.1' is not HOST:PORT" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = @PW\nprefixes = 86+13\n", ":5: prefix '86+13'" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = @PW\nprefixes = 86134\n[b]\nsmpp = h:2\nsystem_id = y\n"
		  "password_file = @PW\nprefixes = 86135,86134\n", ":10: prefix 86134 is claimed twice (also by [a])" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = @PW\nprefixes = 86134,86134\n", ":5: prefix 86134 is claimed twice" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = @PW\n\nfallback = cucc\n", ":6: fallback = cucc names no other gateway" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = @PW\nfallback = a\n", ":5: fallback = a names no other" },
		{ "[a]\nsmpp = h:1\npassword_file = @PW\n", ":1: gateway [a] needs smpp, system_id and password_file" },
		{ "smpp = h:1\n[a]\n", ":1: 'smpp = h:1' before any [gateway] section" },
		{ "[default]\n", ":1: [default] is no gateway name" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = @PW\n[a]\n", ":5: gateway [a] is named twice" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = /no/such/file\n", ":4: cannot read password_file /no/such/file" },
		{ "[a]\nsmpp = h:1\nsystem_id = x\npassword_file = @PW\njust words\n", ":5: expected KEY = VALUE" },
	};
	char why[512];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&g, 0x55, sizeof(g));
		enum tc_rc rc = load(bad[i].text, &g, why);
		if (rc == TC_OK || !strstr(why, bad[i].want) || !strstr(why, file))
			fail_msg("case %zu: rc %s, error '%s', wanted '%s' naming %s", i, tc_rc_name(rc), why, bad[i].want, file);
		assert_int_equal(g.n, 0); /* nothing of a bad file applies */
		assert_string_equal(g.text[0].password, "");
	}
	/* a password file others may read is refused */
	assert_int_equal(chmod(pw, 0644), 0);
	assert_int_equal(load(GOOD, &g, why), TC_ERR_INVALID);
	assert_non_null(strstr(why, "open to other users"));
	assert_int_equal(chmod(pw, 0600), 0);
	unlink(file);
	assert_int_equal(load(GOOD, &g, why), TC_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
