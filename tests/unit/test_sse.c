/*
 * test_sse.c — Server-Sent Events as text: an event's fields and its data split into lines,
 * comments, and JSON strings that stay valid whatever bytes they are given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tc_sse.h"

static void test_event_fields(void **state)
{
	(void)state;
	struct tc_vec out = TC_VEC_OF(char);
	assert_int_equal(tc_sse_event(&out, 7, "report", "{\"a\":1}", 7), TC_OK);
	assert_string_equal(out.v, "id: 7\nevent: report\nretry: 3000\ndata: {\"a\":1}\n\n");
	tc_vec_free(&out);
}

static void test_data_lines(void **state)
{
	(void)state;
	struct tc_vec out = TC_VEC_OF(char);
	const char data[] = "one\ntwo\r\nthree\rfour";
	assert_int_equal(tc_sse_event(&out, 1, "x", data, strlen(data)), TC_OK);
	assert_string_equal(out.v, "id: 1\nevent: x\nretry: 3000\ndata: one\ndata: two\ndata: three\ndata: four\n\n");
	out.n = 0;
	assert_int_equal(tc_sse_event(&out, 2, "x", "", 0), TC_OK); /* no data: one empty data line */
	assert_string_equal(out.v, "id: 2\nevent: x\nretry: 3000\ndata: \n\n");
	tc_vec_free(&out);
}

static void test_bad_name_writes_nothing(void **state)
{
	(void)state;
	struct tc_vec out = TC_VEC_OF(char);
	assert_int_equal(tc_sse_comment(&out, "keep-alive"), TC_OK);
	assert_int_equal(tc_sse_event(&out, 1, "re\nport", "{}", 2), TC_ERR_USAGE);
	assert_string_equal(out.v, ": keep-alive\n\n");
	assert_int_equal(out.n, 14);
	out.n = 0;
	assert_int_equal(tc_sse_comment(&out, "one\nevent: forged"), TC_OK); /* a comment stays one line */
	assert_string_equal(out.v, ": one\n\n");
	tc_vec_free(&out);
}

static void test_json_string(void **state)
{
	(void)state;
	struct tc_vec out = TC_VEC_OF(char);
	assert_int_equal(tc_sse_json_string(&out, "a\"b\\c\n\x01 村"), TC_OK);
	assert_string_equal(out.v, "\"a\\\"b\\\\c\\u000a\\u0001 村\"");
	out.n = 0;
	/* GBK bytes, a lone continuation byte, a truncated sequence: each malformed byte is U+FFFD */
	assert_int_equal(tc_sse_json_string(&out, "\xb4\xe5x\x80\xe6\x9d"), TC_OK);
	assert_string_equal(out.v, "\"\xef\xbf\xbd\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	out.n = 0;
	assert_int_equal(tc_sse_json_string(&out, ""), TC_OK);
	assert_string_equal(out.v, "\"\"");
	tc_vec_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_data_lines),
		cmocka_unit_test(test_bad_name_writes_nothing),
		cmocka_unit_test(test_json_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
