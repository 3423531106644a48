/* test_rx_config.c — the receivers' settings: defaults, INI file, errors naming file and line, regions, required ones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rx_config.h"
#include "tc_sign.h"

static const char *write_conf(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/test_rx_config.XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults_and_file(void **state)
{
	(void)state;
	struct rx_config c;
	struct tc_diags *d = tc_diags_new();
	rx_config_defaults(&c);
	assert_string_equal(c.broker, "127.0.0.1:1883");
	assert_int_equal(c.volume, 100);
	assert_true(c.accept_drills);
	const char *p = write_conf("# loudspeaker\n[receiver]\nid = rx-7\nregion = 120116001001, 120116002\n"
				   "accept_drills = no\nvolume = 80\n  ; comment\nshelter_name = 新城镇第一小学\n");
	assert_int_equal(rx_config_load(&c, p, d), TC_OK);
	assert_string_equal(c.id, "rx-7");
	assert_false(c.accept_drills);
	assert_int_equal(c.volume, 80);
	assert_string_equal(c.shelter_name, "新城镇第一小学");
	char r[RX_MAX_REGIONS][16];
	assert_int_equal(rx_config_regions(&c, r), 2);
	assert_string_equal(r[0], "120116001001");
	assert_string_equal(r[1], "120116002");
	unlink(p);
	tc_diags_free(d);
}

static void test_bad_lines_named_nothing_applied(void **state)
{
	(void)state;
	struct rx_config c;
	struct tc_diags *d = tc_diags_new();
	rx_config_defaults(&c);
	const char *p = write_conf("[receiver]\nid = rx-1\nvolume = 300\nspeed = 2\n[other]\nbroker\n");
	assert_int_equal(rx_config_load(&c, p, d), TC_ERR_INVALID);
	assert_int_equal(tc_diags_errors(d), 4);
	char want[128];
	snprintf(want, sizeof(want), "%s:3: volume = '300' is out of bounds (0 to 100)", p);
	assert_string_equal(tc_diags_get(d, 0)->message, want);
	assert_non_null(strstr(tc_diags_get(d, 1)->message, ":4: unknown setting 'speed'"));
	assert_non_null(strstr(tc_diags_get(d, 2)->message, ":5: unknown section [other]"));
	assert_non_null(strstr(tc_diags_get(d, 3)->message, ":6: expected name = value"));
	assert_string_equal(c.id, ""); /* nothing of a bad file applies */
	unlink(p);
	tc_diags_free(d);
}

static void test_set_and_check(void **state)
{
	(void)state;
	struct rx_config c;
	struct tc_diags *d = tc_diags_new();
	rx_config_defaults(&c);
	assert_int_equal(rx_config_check(&c, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "config.required"));
	tc_diags_clear(d);
	assert_int_equal(rx_config_set(&c, "accept_drills", "maybe", d), TC_ERR_INVALID);
	assert_int_equal(rx_config_set(&c, "queue_size", "0", d), TC_ERR_INVALID);
	assert_int_equal(rx_config_set(&c, "queue_size", "12x", d), TC_ERR_INVALID);
	tc_diags_clear(d);
	rx_config_set(&c, "id", "rx-1", d);
	rx_config_set(&c, "region", "1201160010013", d); /* 13 digits */
	rx_config_set(&c, "pubkey", "/k", d);
	rx_config_set(&c, "state_dir", "/s", d);
	assert_int_equal(rx_config_check(&c, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "config.value"));
	tc_diags_clear(d);
	rx_config_set(&c, "region", "120116001001", d);
	assert_int_equal(rx_config_check(&c, d), TC_OK);
	rx_config_set(&c, "id", "rx/1", d);
	assert_int_equal(rx_config_check(&c, d), TC_ERR_INVALID);
	/* The one id grammar, [A-Za-z0-9._-]{1,63}, as at import and before publishing. */
	static const char *const bad[] = { "rx#1", "rx+1", "rx:1", "rx\u00e9", "rx 1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tc_diags_clear(d);
		rx_config_set(&c, "id", bad[i], d);
		if (rx_config_check(&c, d) != TC_ERR_INVALID || !strstr(tc_diags_get(d, 0)->message, "may hold only"))
			fail_msg("id '%s' was taken", bad[i]);
	}
	tc_diags_clear(d);
	rx_config_set(&c, "id", "Rx.north_1-2", d);
	assert_int_equal(rx_config_check(&c, d), TC_OK);
	tc_diags_free(d);
}

static void test_print_is_loadable(void **state)
{
	(void)state;
	char path[64] = "/tmp/test_rx_config.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	rx_config_print(f);
	fclose(f);
	struct rx_config c, def;
	struct tc_diags *d = tc_diags_new();
	rx_config_defaults(&c);
	rx_config_defaults(&def);
	assert_int_equal(rx_config_load(&c, path, d), TC_OK);
	assert_memory_equal(&c, &def, sizeof(c));
	unlink(path);
	tc_diags_free(d);
}

/* Trusted keys: a file of one or more (comments allowed), the inline list, or both; a bad key named. */
static void test_keyring(void **state)
{
	(void)state;
	uint8_t pk[3][TC_SIGN_PUBLIC_BYTES], sk[TC_SIGN_SECRET_BYTES];
	char text[3][64], file_text[256], inline_keys[160];
	struct tc_keyring ring;
	struct rx_config c;
	struct tc_diags *d = tc_diags_new();
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tc_sign_keypair(pk[i], sk), TC_OK);
		tc_sign_key_to_text(pk[i], sizeof(pk[i]), text[i], sizeof(text[i]));
	}
	snprintf(file_text, sizeof(file_text), "# tocsin key trusted\n%s\n%s\n", text[0], text[1]);
	const char *path = write_conf(file_text);
	rx_config_defaults(&c);
	rx_config_set(&c, "pubkey", path, d);
	assert_int_equal(rx_config_keyring(&c, &ring, d), TC_OK);
	assert_int_equal(ring.n, 2);
	snprintf(inline_keys, sizeof(inline_keys), "%s, %s", text[1], text[2]);
	assert_int_equal(rx_config_set(&c, "pubkeys", inline_keys, d), TC_OK);
	assert_int_equal(rx_config_keyring(&c, &ring, d), TC_OK);
	assert_int_equal(ring.n, 3); /* the same key once */
	rx_config_set(&c, "pubkey", "", d);
	assert_int_equal(rx_config_keyring(&c, &ring, d), TC_OK);
	assert_int_equal(ring.n, 2);
	rx_config_set(&c, "pubkeys", "bm90IGEga2V5", d);
	assert_int_equal(rx_config_keyring(&c, &ring, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "config.pubkeys"));
	unlink(path);
	/* neither: the check says one of them is required */
	tc_diags_clear(d);
	rx_config_defaults(&c);
	rx_config_set(&c, "id", "rx-1", d);
	rx_config_set(&c, "region", "120116", d);
	rx_config_set(&c, "state_dir", "/s", d);
	assert_int_equal(rx_config_check(&c, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "config.required"));
	tc_diags_clear(d);
	rx_config_set(&c, "pubkeys", text[0], d);
	assert_int_equal(rx_config_check(&c, d), TC_OK);
	tc_diags_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_and_file),
		cmocka_unit_test(test_bad_lines_named_nothing_applied),
		cmocka_unit_test(test_set_and_check),
		cmocka_unit_test(test_print_is_loadable),
		cmocka_unit_test(test_keyring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
