/* test_config.c — tocsind's settings: defaults, the INI file, flags, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_config.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof(path), "/tmp/tocsin-confXXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_defaults(void **state)
{
	(void)state;
	struct tc_config c;
	tc_config_defaults(&c);
	assert_string_equal(c.http, "127.0.0.1:8080"); /* loopback unless asked */
	assert_string_equal(c.profile, "none");
	assert_false(c.lenient);
	assert_int_equal(c.spool_interval_ms, 1000);
	assert_string_equal(c.data_dir, "");
}

static void test_file_then_flags(void **state)
{
	(void)state;
	struct tc_config c;
	tc_config_defaults(&c);
	char *path = write_tmp("# tocsind\n[tocsind]\ndata_dir = /var/lib/tocsin\nprofile = cn\nlenient = yes\n"
			       "; comment\nspool_interval_ms = 250\n");
	assert_int_equal(tc_config_load(&c, path, NULL), TC_OK);
	assert_string_equal(c.data_dir, "/var/lib/tocsin");
	assert_string_equal(c.profile, "cn");
	assert_true(c.lenient);
	assert_int_equal(c.spool_interval_ms, 250);
	assert_int_equal(tc_config_set(&c, "profile", "ipaws", NULL), TC_OK); /* a flag wins */
	assert_string_equal(c.profile, "ipaws");
	unlink(path);
}

static void test_bad_file_changes_nothing(void **state)
{
	(void)state;
	struct tc_config c;
	struct tc_diags *d = tc_diags_new();
	tc_config_defaults(&c);
	char *path = write_tmp("profile = cn\nspool_interval_ms = 5\ncolour = red\nnonsense line\n[other]\n");
	assert_int_equal(tc_config_load(&c, path, d), TC_ERR_INVALID);
	assert_string_equal(c.profile, "none"); /* the good first line was not applied either */
	assert_int_equal(tc_diags_errors(d), 4);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, ":2: spool_interval_ms = '5' is out of bounds (100 to 60000)"));
	assert_non_null(strstr(tc_diags_get(d, 1)->message, ":3: unknown setting 'colour'"));
	assert_non_null(strstr(tc_diags_get(d, 2)->message, ":4: expected name = value"));
	assert_non_null(strstr(tc_diags_get(d, 3)->message, ":5: unknown section [other]"));
	tc_diags_clear(d);
	assert_int_equal(tc_config_set(&c, "profile", "us", d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "(none|cn|ipaws)"));
	assert_int_equal(tc_config_set(&c, "lenient", "maybe", d), TC_ERR_INVALID);
	assert_int_equal(tc_config_load(&c, "/nonexistent/tocsind.conf", d), TC_ERR_IO);
	tc_diags_free(d);
	unlink(path);
}

static void test_example_file_reads_back(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	tc_config_print(f);
	fclose(f);
	char *path = write_tmp(buf);
	struct tc_config c;
	tc_config_defaults(&c);
	assert_int_equal(tc_config_load(&c, path, NULL), TC_OK); /* the printed example is a valid file */
	assert_string_equal(c.http, "127.0.0.1:8080");
	free(buf);
	unlink(path);
}

static void test_drills_repeat_and_name_their_line(void **state)
{
	(void)state;
	struct tc_config c;
	struct tc_drill dr[TC_DRILL_MAX];
	size_t n = 0;
	struct tc_diags *d = tc_diags_new();
	tc_config_defaults(&c);
	char *path = write_tmp("[tocsind]\ndrill_sender = binhai@example.cn\ndrill = weekly wed 10:00 silent *\n"
			       "drill = monthly first-mon 10:00 audible 120116\n");
	assert_int_equal(tc_config_load(&c, path, d), TC_OK);
	assert_int_equal(c.drill.n, 2);
	assert_int_equal(tc_config_drills(&c, dr, &n, d), TC_OK);
	assert_int_equal(n, 2);
	assert_true(dr[1].audible);
	assert_string_equal(dr[1].region, "120116");
	unlink(path);
	/* a bad entry and the same schedule twice are named by line; drills need a sender */
	tc_config_defaults(&c);
	path = write_tmp("drill = weekly wed 10:00 silent *\ndrill = weekly  wed 10:00 silent *\ndrill = hourly 10:00 silent *\n");
	assert_int_equal(tc_config_load(&c, path, d), TC_OK);
	assert_int_equal(tc_config_drills(&c, dr, &n, d), TC_ERR_INVALID);
	assert_int_equal(tc_diags_errors(d), 3);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, ":2: drill = 'weekly  wed 10:00 silent *': the same schedule"));
	assert_non_null(strstr(tc_diags_get(d, 1)->message, ":3: drill = 'hourly 10:00 silent *': "));
	assert_non_null(strstr(tc_diags_get(d, 2)->message, "drill_sender"));
	unlink(path);
	tc_diags_clear(d);
	/* an empty entry is refused as the file is read */
	path = write_tmp("drill =\n");
	assert_int_equal(tc_config_load(&c, path, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, ":1: drill = '' is empty"));
	tc_diags_free(d);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults), cmocka_unit_test(test_file_then_flags),
		cmocka_unit_test(test_bad_file_changes_nothing), cmocka_unit_test(test_example_file_reads_back),
		cmocka_unit_test(test_drills_repeat_and_name_their_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
