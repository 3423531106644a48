/* test_file.c — reading a whole file: contents, the bound, empty and missing files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_file.h"

/* A temporary file of len bytes, byte i being 'a' + i % 26; the caller unlinks path. */
static void write_tmp(char path[32], size_t len)
{
	snprintf(path, 32, "/tmp/tocsin-fileXXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < len; i++)
		assert_int_not_equal(fputc('a' + (int)(i % 26), f), EOF);
	assert_int_equal(fclose(f), 0);
}

static void assert_contents(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != 'a' + (int)(i % 26))
			fail_msg("byte %zu is %d", i, buf[i]);
	assert_int_equal(buf[len], '\0');
}

static void test_reads_all_of_a_large_file(void **state)
{
	(void)state;
	char path[32];
	size_t size = 1000003; /* many times the first 64 KiB read */
	write_tmp(path, size);
	char *buf = NULL;
	size_t len = 0;
	assert_int_equal(tc_file_read(path, 16u << 20, &buf, &len), 0);
	assert_int_equal(len, size);
	assert_contents(buf, len);
	free(buf);
	/* No bound to speak of reads it all too. */
	assert_int_equal(tc_file_read(path, SIZE_MAX, &buf, &len), 0);
	assert_int_equal(len, size);
	assert_contents(buf, len);
	free(buf);
	unlink(path);
}

static void test_bound(void **state)
{
	(void)state;
	char path[32];
	size_t size = 70000; /* past the first read */
	write_tmp(path, size);
	char *buf = NULL;
	size_t len = 0;
	/* Exactly at the bound: all of it. */
	assert_int_equal(tc_file_read(path, size, &buf, &len), 0);
	assert_int_equal(len, size);
	assert_contents(buf, len);
	free(buf);
	/* Over it: one byte more than the bound, so the caller can tell. */
	size_t bounds[] = { size - 1, 65535, 65536, 100, 0 };
	for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		assert_int_equal(tc_file_read(path, bounds[i], &buf, &len), 0);
		assert_int_equal(len, bounds[i] + 1);
		assert_contents(buf, len);
		free(buf);
	}
	unlink(path);
}

static void test_empty_and_missing(void **state)
{
	(void)state;
	char path[32];
	write_tmp(path, 0);
	char *buf = NULL;
	size_t len = 1;
	assert_int_equal(tc_file_read(path, 100, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	unlink(path);
	buf = (char *)path;
	assert_int_equal(tc_file_read(path, 100, &buf, &len), ENOENT);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_null(tc_file_slurp(path, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_all_of_a_large_file),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_empty_and_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
