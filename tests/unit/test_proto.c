/* test_proto.c — the receiver protocol v1: topics, region scopes, small messages, the payload as receivers read it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_payload.h"
#include "tc_cap_check.h"
#include "tc_proto.h"

/* --- topics ----------------------------------------------------------------------- */

static void test_topic_build(void **state)
{
	(void)state;
	char t[TC_PROTO_MAX_TOPIC];
	assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_REGION_ALERT, "120116", "0123456789abcdef"), TC_OK);
	assert_string_equal(t, "tocsin/v1/region/120116/alert/0123456789abcdef");
	assert_int_equal(tc_proto_topic(t, sizeof(t), "x/y", TC_TOPIC_REGION_ALERT, "12", "+"), TC_OK);
	assert_string_equal(t, "x/y/region/12/alert/+");
	assert_int_equal(tc_proto_topic(t, sizeof(t), "", TC_TOPIC_AUDIO, "abc-zh-CN", NULL), TC_OK);
	assert_string_equal(t, "tocsin/v1/audio/abc-zh-CN");
	assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_RX_CMD, "rx-1", NULL), TC_OK);
	assert_string_equal(t, "tocsin/v1/rx/rx-1/cmd");
	assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_RX_ACK, "rx-1", NULL), TC_OK);
	assert_string_equal(t, "tocsin/v1/rx/rx-1/ack");
	assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_RX_STATUS, "大喇叭-1", NULL), TC_OK);
	assert_string_equal(t, "tocsin/v1/rx/大喇叭-1/status");
}

static void test_topic_refuses_bad_ids(void **state)
{
	(void)state;
	char t[TC_PROTO_MAX_TOPIC];
	static const char *const bad[] = { "a/b", "a+", "#", "x#y", "+", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_RX_ACK, bad[i], NULL), TC_ERR_USAGE);
		assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_AUDIO, bad[i], NULL), TC_ERR_USAGE);
		if (strcmp(bad[i], "+")) {
			assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_REGION_ALERT, bad[i], "+"), TC_ERR_USAGE);
			assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_REGION_ALERT, "12", bad[i]), TC_ERR_USAGE);
		}
	}
	assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_RX_CMD, NULL, NULL), TC_ERR_USAGE);
	assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_REGION_ALERT, "12", NULL), TC_ERR_USAGE);
	assert_int_equal(tc_proto_topic(t, sizeof(t), NULL, TC_TOPIC_UNKNOWN, "a", NULL), TC_ERR_USAGE);
	assert_int_equal(tc_proto_topic(t, 12, NULL, TC_TOPIC_RX_ACK, "rx-1", NULL), TC_ERR_LIMIT);
	assert_string_equal(tc_topic_kind_name(TC_TOPIC_RX_CMD), "rx-cmd");
	assert_string_equal(tc_topic_kind_name((enum tc_topic_kind)99), "unknown");
}

static enum tc_topic_kind parse(const char *prefix, const char *topic, char *a, char *b)
{
	a[0] = b[0] = '\0';
	return tc_proto_parse_topic(prefix, topic, a, 64, b, 64);
}

static void test_topic_parse(void **state)
{
	(void)state;
	char a[64], b[64];
	assert_int_equal(parse(NULL, "tocsin/v1/region/120116001/alert/0123456789abcdef", a, b), TC_TOPIC_REGION_ALERT);
	assert_string_equal(a, "120116001");
	assert_string_equal(b, "0123456789abcdef");
	assert_int_equal(parse(NULL, "tocsin/v1/audio/abc-zh-CN", a, b), TC_TOPIC_AUDIO);
	assert_string_equal(a, "abc-zh-CN");
	assert_int_equal(parse("p", "p/rx/rx-9/cmd", a, b), TC_TOPIC_RX_CMD);
	assert_string_equal(a, "rx-9");
	assert_int_equal(parse(NULL, "tocsin/v1/rx/rx-9/ack", a, b), TC_TOPIC_RX_ACK);
	assert_int_equal(parse(NULL, "tocsin/v1/rx/rx-9/status", a, b), TC_TOPIC_RX_STATUS);
	/* Round trip of every kind. */
	char t[TC_PROTO_MAX_TOPIC];
	for (int k = TC_TOPIC_REGION_ALERT; k < TC_TOPIC_UNKNOWN; k++) {
		assert_int_equal(tc_proto_topic(t, sizeof(t), "a/b/c", (enum tc_topic_kind)k, "12", "00ff00ff00ff00ff"),
				 TC_OK);
		assert_int_equal(parse("a/b/c", t, a, b), k);
		assert_string_equal(a, "12");
	}
}

static void test_topic_parse_unknown(void **state)
{
	(void)state;
	char a[64], b[64];
	static const char *const bad[] = {
		"tocsin/v2/rx/a/ack",           "tocsin/v1x/rx/a/ack",         "tocsin/v1",
		"tocsin/v1/",                   "tocsin/v1/rx/a",              "tocsin/v1/rx/a/",
		"tocsin/v1/rx/a/ack/",          "tocsin/v1/rx/a/b/ack",        "tocsin/v1/rx//ack",
		"tocsin/v1/rx/a/hello",         "tocsin/v1/region/12/alert",   "tocsin/v1/region/12/alert/",
		"tocsin/v1/region/12/alert/x/", "tocsin/v1/region/12/alert/x/y", "tocsin/v1/region/12/news/x",
		"tocsin/v1/audio/x/",           "tocsin/v1/audio/x/y",         "tocsin/v1/audio/",
		"tocsin/v1/weather/x/y",        "tocsin/v1/audio",             "other/v1/audio/x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(NULL, bad[i], a, b) != TC_TOPIC_UNKNOWN)
			fail_msg("%s parsed as %s", bad[i], tc_topic_kind_name(parse(NULL, bad[i], a, b)));
	}
	/* An id longer than the caller's buffer is not cut short. */
	char small[4];
	assert_int_equal(tc_proto_parse_topic(NULL, "tocsin/v1/rx/abcdef/ack", small, sizeof(small), b, sizeof(b)),
			 TC_TOPIC_UNKNOWN);
}

/* --- a broker tree: county branches ------------------------------------------------- */

static void test_county_prefix(void **state)
{
	(void)state;
	char out[64], c[7], a[64], b[64];
	assert_int_equal(tc_proto_county_prefix(out, sizeof(out), NULL, "120116001001"), TC_OK);
	assert_string_equal(out, "tocsin/v1/county/120116");
	assert_int_equal(tc_proto_county_prefix(out, sizeof(out), "p", "120116"), TC_OK);
	assert_string_equal(out, "p/county/120116");
	assert_int_equal(tc_proto_county_prefix(out, sizeof(out), NULL, "1201"), TC_ERR_USAGE); /* a city: no county */
	assert_int_equal(tc_proto_county_prefix(out, sizeof(out), NULL, ""), TC_ERR_USAGE);
	assert_int_equal(tc_proto_county_prefix(out, sizeof(out), NULL, "12a116001"), TC_ERR_USAGE);
	assert_int_equal(tc_proto_county_prefix(out, 10, NULL, "120116"), TC_ERR_LIMIT);
	assert_int_equal(tc_proto_parse_county_topic(NULL, "tocsin/v1/county/120116/rx/r-1/ack", c, a, 64, b, 64),
			 TC_TOPIC_RX_ACK);
	assert_string_equal(c, "120116");
	assert_string_equal(a, "r-1");
	assert_int_equal(tc_proto_parse_county_topic("p", "p/county/310101/region/310101001/alert/0123456789abcdef", c, a,
						     64, b, 64),
			 TC_TOPIC_REGION_ALERT);
	assert_string_equal(c, "310101");
	assert_string_equal(b, "0123456789abcdef");
	/* not a county's branch: the plain topics, short or long or wild codes, other prefixes */
	assert_int_equal(tc_proto_parse_county_topic(NULL, "tocsin/v1/rx/r-1/ack", c, a, 64, b, 64), TC_TOPIC_UNKNOWN);
	assert_int_equal(tc_proto_parse_county_topic(NULL, "tocsin/v1/county/12011/rx/r-1/ack", c, a, 64, b, 64),
			 TC_TOPIC_UNKNOWN);
	assert_int_equal(tc_proto_parse_county_topic(NULL, "tocsin/v1/county/1201160/rx/r-1/ack", c, a, 64, b, 64),
			 TC_TOPIC_UNKNOWN);
	assert_int_equal(tc_proto_parse_county_topic(NULL, "tocsin/v1/county/+/rx/r-1/ack", c, a, 64, b, 64),
			 TC_TOPIC_UNKNOWN);
	assert_int_equal(tc_proto_parse_county_topic(NULL, "other/county/120116/rx/r-1/ack", c, a, 64, b, 64),
			 TC_TOPIC_UNKNOWN);
	assert_int_equal(tc_proto_parse_county_topic(NULL, "tocsin/v1/county/120116/dynsec", c, a, 64, b, 64),
			 TC_TOPIC_UNKNOWN);
}

/* --- region scopes --------------------------------------------------------------- */

static void test_region_scopes(void **state)
{
	(void)state;
	char s[TC_PROTO_MAX_REGIONS][16];
	assert_int_equal(tc_proto_region_scopes("120116105201", s), 5);
	assert_string_equal(s[0], "120116105201");
	assert_string_equal(s[1], "120116105");
	assert_string_equal(s[2], "120116");
	assert_string_equal(s[3], "1201");
	assert_string_equal(s[4], "12");
	assert_int_equal(tc_proto_region_scopes("120116001", s), 4);
	assert_string_equal(s[1], "120116");
	assert_int_equal(tc_proto_region_scopes("120116", s), 3);
	assert_string_equal(s[2], "12");
	assert_int_equal(tc_proto_region_scopes("12", s), 1);
	assert_string_equal(s[0], "12");
	assert_int_equal(tc_proto_region_scopes("1201160", s), 4); /* a 7-digit code keeps its 6, 4, 2 prefixes */
	static const char *const bad[] = { "", "1", "1201160010011", "12a4", "12 4", "-12" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tc_proto_region_scopes(bad[i], s), 0);
}

/* --- acknowledgments ------------------------------------------------------------- */

static void test_ack_round_trip(void **state)
{
	(void)state;
	char buf[512];
	for (int k = 0; k < TC_ACK_N_KINDS; k++) {
		struct tc_ack in = { .alert_id = "0123456789abcdef", .kind = (enum tc_ack_kind)k, .at = 1786489200 }, out;
		if (k == TC_ACK_REJECTED)
			snprintf(in.reason, sizeof(in.reason), "bad-signature");
		size_t n = tc_ack_encode(&in, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(strlen(buf), n);
		assert_int_equal(tc_ack_decode(buf, n, &out, NULL), TC_OK);
		assert_string_equal(out.alert_id, in.alert_id);
		assert_int_equal(out.kind, k);
		assert_int_equal(out.at, in.at);
		assert_string_equal(out.reason, in.reason);
		enum tc_ack_kind parsed;
		assert_int_equal(tc_ack_kind_parse(tc_ack_kind_name((enum tc_ack_kind)k), &parsed), TC_OK);
		assert_int_equal(parsed, k);
	}
	struct tc_ack a = { .alert_id = "0123456789abcdef", .kind = TC_ACK_PLAYED, .at = 1 };
	assert_int_equal(tc_ack_encode(&a, buf, 20), 0);
	size_t n = tc_ack_encode(&a, buf, sizeof(buf));
	assert_string_equal(buf, "{\"v\":1,\"alert\":\"0123456789abcdef\",\"ack\":\"played\",\"at\":1}");
	assert_int_equal(n, strlen(buf));
	enum tc_ack_kind k;
	assert_int_equal(tc_ack_kind_parse("heard", &k), TC_ERR_INVALID);
	assert_int_equal(tc_ack_kind_parse(NULL, &k), TC_ERR_INVALID);
	assert_string_equal(tc_ack_kind_name(TC_ACK_N_KINDS), "unknown");
}

/* checked carries the self-check, bounded; a failing field is named; an old kind list still decodes. */
static void test_ack_checked(void **state)
{
	(void)state;
	char buf[1024];
	struct tc_ack in = { .alert_id = "0123456789abcdef", .kind = TC_ACK_CHECKED, .at = 5, .has_check = true,
			     .check = { .audio = "ok", .storage = "Read-only file system", .clock_offset_ms = -1200,
					.rtt_ms = 7, .version = "0.1.0", .kids = { "5d1f0c2b9a7e4410" }, .n_kids = 1 } },
		      out;
	size_t n = tc_ack_encode(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(tc_ack_decode(buf, n, &out, NULL), TC_OK);
	assert_true(out.has_check);
	assert_string_equal(out.check.storage, "Read-only file system");
	assert_int_equal(out.check.clock_offset_ms, -1200);
	assert_int_equal(out.check.rtt_ms, 7);
	assert_int_equal(out.check.n_kids, 1);
	assert_string_equal(out.check.kids[0], "5d1f0c2b9a7e4410");
	assert_string_equal(tc_selfcheck_failed(&out.check), "storage");
	snprintf(out.check.storage, sizeof(out.check.storage), "ok");
	assert_null(tc_selfcheck_failed(&out.check));
	static const char *const bad[] = {
		"{\"v\":1,\"alert\":\"0123456789abcdef\",\"ack\":\"checked\",\"at\":1,\"check\":[]}",
		"{\"v\":1,\"alert\":\"0123456789abcdef\",\"ack\":\"checked\",\"at\":1,\"check\":{\"audio\":\"ok\","
		"\"storage\":\"ok\",\"clock_offset_ms\":\"x\",\"rtt_ms\":1}}",
		"{\"v\":1,\"alert\":\"0123456789abcdef\",\"ack\":\"checked\",\"at\":1,\"check\":{\"audio\":\"ok\","
		"\"storage\":\"ok\",\"clock_offset_ms\":1,\"rtt_ms\":1,\"kids\":[1]}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tc_ack_decode(bad[i], strlen(bad[i]), &out, NULL), TC_ERR_INVALID);
	/* a repeated checked may come without its check */
	const char *bare = "{\"v\":1,\"alert\":\"0123456789abcdef\",\"ack\":\"checked\",\"at\":1}";
	assert_int_equal(tc_ack_decode(bare, strlen(bare), &out, NULL), TC_OK);
	assert_false(out.has_check);
}

static void test_ack_qos(void **state)
{
	(void)state;
	for (int k = 0; k < TC_ACK_N_KINDS; k++) /* only playing, which tells when the sound began, at QoS 0 */
		assert_int_equal(tc_ack_qos((enum tc_ack_kind)k), k == TC_ACK_PLAYING ? 0 : 1);
}

/* decode s with fn; it must fail with code */
#define ASSERT_DECODE_FAILS(fn, type, s, want)                                       \
	do {                                                                         \
		struct tc_diags *d_ = tc_diags_new();                                \
		type out_;                                                           \
		assert_int_equal(fn(s, strlen(s), &out_, d_), TC_ERR_INVALID);       \
		if (!tc_diags_find(d_, want))                                        \
			fail_msg("%s: expected %s, got %s", s, want,                 \
				 tc_diags_count(d_) ? tc_diags_get(d_, 0)->code : "none"); \
		tc_diags_free(d_);                                                   \
	} while (0)

static void test_ack_decode_errors(void **state)
{
	(void)state;
	const char *const A = "\"alert\":\"0123456789abcdef\"";
	char s[512];
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, "not json", "proto.json");
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, "[1,2]", "proto.json");
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, "{\"v\":1,\"v\":1}", "proto.json"); /* duplicate keys */
	snprintf(s, sizeof(s), "{%s,\"ack\":\"played\",\"at\":1}", A);
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, s, "proto.version");
	snprintf(s, sizeof(s), "{\"v\":2,%s,\"ack\":\"played\",\"at\":1}", A);
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, s, "proto.version");
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, "{\"v\":1,\"alert\":\"XYZ\",\"ack\":\"played\",\"at\":1}",
			    "proto.ack.alert");
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, "{\"v\":1,\"ack\":\"played\",\"at\":1}", "proto.ack.alert");
	snprintf(s, sizeof(s), "{\"v\":1,%s,\"ack\":\"heard\",\"at\":1}", A);
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, s, "proto.ack.kind");
	snprintf(s, sizeof(s), "{\"v\":1,%s,\"ack\":\"played\"}", A);
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, s, "proto.ack.at");
	snprintf(s, sizeof(s), "{\"v\":1,%s,\"ack\":\"played\",\"at\":\"now\"}", A);
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, s, "proto.ack.at");
	snprintf(s, sizeof(s), "{\"v\":1,%s,\"ack\":\"rejected\",\"at\":1,\"reason\":7}", A);
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, s, "proto.ack.reason");
	snprintf(s, sizeof(s), "{\"v\":1,%s,\"ack\":\"rejected\",\"at\":1,\"reason\":\"%0200d\"}", A, 0);
	ASSERT_DECODE_FAILS(tc_ack_decode, struct tc_ack, s, "proto.ack.reason");
}

/* --- status ---------------------------------------------------------------------- */

static void test_status_round_trip(void **state)
{
	(void)state;
	char buf[256];
	struct tc_rx_status in = { .online = true, .at = 42, .kind = "signage", .version = "tocsin-sim 0.1.0" }, out;
	size_t n = tc_rx_status_encode(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(tc_rx_status_decode(buf, n, &out, NULL), TC_OK);
	assert_true(out.online);
	assert_int_equal(out.at, 42);
	assert_string_equal(out.kind, "signage");
	assert_string_equal(out.version, "tocsin-sim 0.1.0");
	struct tc_rx_status off = { .online = false, .at = 7 };
	n = tc_rx_status_encode(&off, buf, sizeof(buf));
	assert_string_equal(buf, "{\"v\":1,\"state\":\"offline\",\"at\":7}");
	assert_int_equal(tc_rx_status_decode(buf, n, &out, NULL), TC_OK);
	assert_false(out.online);
	assert_string_equal(out.kind, "");
	assert_int_equal(tc_rx_status_encode(&in, buf, 10), 0);
	ASSERT_DECODE_FAILS(tc_rx_status_decode, struct tc_rx_status, "{\"v\":1,\"state\":\"asleep\"}", "proto.status.state");
	ASSERT_DECODE_FAILS(tc_rx_status_decode, struct tc_rx_status, "{\"v\":1}", "proto.status.state");
	ASSERT_DECODE_FAILS(tc_rx_status_decode, struct tc_rx_status, "{\"state\":\"online\"}", "proto.version");
	ASSERT_DECODE_FAILS(tc_rx_status_decode, struct tc_rx_status, "\"online\"", "proto.json");
}

/* --- commands -------------------------------------------------------------------- */

static void test_cmd_round_trip(void **state)
{
	(void)state;
	char buf[256];
	struct tc_cmd in = { .kind = TC_CMD_CANCEL, .alert_id = "00ff00ff00ff00ff", .at = 99, .nonce = "n-1",
			     .rx = "rx-7", .kid = "0123456789abcdef" }, out;
	size_t n = tc_cmd_encode(&in, buf, sizeof(buf));
	assert_true(n > 0);
	assert_true(tc_proto_is_cmd(buf, n));
	assert_int_equal(tc_cmd_decode(buf, n, &out, NULL), TC_OK);
	assert_int_equal(out.kind, TC_CMD_CANCEL);
	assert_string_equal(out.alert_id, "00ff00ff00ff00ff");
	assert_int_equal(out.at, 99);
	assert_string_equal(out.nonce, "n-1");
	assert_string_equal(out.rx, "rx-7");
	assert_string_equal(out.kid, "0123456789abcdef");
	struct tc_cmd tone = { .kind = TC_CMD_TEST_TONE, .at = 5, .nonce = "n-2", .rx = "rx-7", .kid = "0123456789abcdef" };
	n = tc_cmd_encode(&tone, buf, sizeof(buf));
	assert_null(strstr(buf, "alert"));
	assert_int_equal(tc_cmd_decode(buf, n, &out, NULL), TC_OK);
	assert_int_equal(out.kind, TC_CMD_TEST_TONE);
	assert_string_equal(out.alert_id, "");
	assert_int_equal(tc_cmd_encode(&in, buf, 16), 0);
	assert_string_equal(tc_cmd_kind_name(TC_CMD_TEST_TONE), "test-tone");
	/* a shelter display's own shelter */
	struct tc_cmd sh = { .kind = TC_CMD_SHELTER, .at = 6, .nonce = "n-3", .rx = "rx-8", .kid = "0123456789abcdef",
			     .shelter_name = "塘沽第一中学应急避难场所", .capacity = 1200, .occupancy = 350 };
	assert_true(tc_cmd_encode(&sh, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"cmd\":\"shelter\""));
	assert_int_equal(tc_cmd_decode(buf, strlen(buf), &out, NULL), TC_OK);
	assert_int_equal(out.kind, TC_CMD_SHELTER);
	assert_string_equal(out.shelter_name, "塘沽第一中学应急避难场所");
	assert_int_equal(out.capacity, 1200);
	assert_int_equal(out.occupancy, 350);
	assert_false(out.full);
	static const char no_name[] = "{\"v\":1,\"cmd\":\"shelter\",\"at\":6,\"nonce\":\"n\",\"capacity\":5,"
				      "\"occupancy\":1,\"full\":true,\"rx\":\"rx-8\",\"kid\":\"0123456789abcdef\"}";
	struct tc_diags *dd = tc_diags_new();
	assert_int_equal(tc_cmd_decode(no_name, strlen(no_name), &out, dd), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(dd, "proto.cmd.shelter"));
	tc_diags_free(dd);
	assert_string_equal(tc_cmd_kind_name(TC_CMD_N_KINDS), "unknown");
	/* the way to shelter at the end of an alert's programme */
	static struct tc_cmd g = { .kind = TC_CMD_GUIDANCE, .at = 7, .nonce = "n-4", .rx = "rx-9", .kid = "0123456789abcdef",
				   .alert_id = "00112233445566ff", .n_guidance = 1 };
	g.guidance[0] = (struct tc_cmd_guidance){ .lang = "zh-CN", .text = "请前往塘沽第一中学避难场所，距离约四百米，向东。",
						  .audio_id = "g-0123456789abcdef", .format = "ogg-opus", .length = 9000,
						  .duration_ms = 4200 };
	memset(g.guidance[0].sha256, 'a', 64);
	char big[2048];
	assert_true(tc_cmd_encode(&g, big, sizeof(big)) > 0);
	assert_non_null(strstr(big, "\"cmd\":\"guidance\""));
	static struct tc_cmd gout;
	assert_int_equal(tc_cmd_decode(big, strlen(big), &gout, NULL), TC_OK);
	assert_int_equal(gout.kind, TC_CMD_GUIDANCE);
	assert_string_equal(gout.alert_id, "00112233445566ff");
	assert_int_equal(gout.n_guidance, 1);
	assert_string_equal(gout.guidance[0].text, g.guidance[0].text);
	assert_string_equal(gout.guidance[0].audio_id, "g-0123456789abcdef");
	assert_int_equal(gout.guidance[0].length, 9000);
	assert_int_equal(gout.guidance[0].duration_ms, 4200);
	static const char no_list[] = "{\"v\":1,\"cmd\":\"guidance\",\"at\":6,\"nonce\":\"n\",\"alert\":\"00112233445566ff\","
				      "\"guidance\":[],\"rx\":\"rx-8\",\"kid\":\"0123456789abcdef\"}";
	dd = tc_diags_new();
	assert_int_equal(tc_cmd_decode(no_list, strlen(no_list), &gout, dd), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(dd, "proto.cmd.guidance"));
	tc_diags_free(dd);
}

static void test_cmd_decode_errors(void **state)
{
	(void)state;
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":1,\"cmd\":\"reboot\",\"at\":1,\"nonce\":\"n\"}",
			    "proto.cmd.kind");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":1,\"at\":1,\"nonce\":\"n\"}", "proto.cmd.kind");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":1,\"cmd\":\"test-tone\",\"nonce\":\"n\"}", "proto.cmd.at");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":1,\"cmd\":\"test-tone\",\"at\":1}", "proto.cmd.at");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":1,\"cmd\":\"test-tone\",\"at\":1,\"nonce\":\"\"}",
			    "proto.cmd.at");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd,
			    "{\"v\":1,\"cmd\":\"test-tone\",\"at\":1,\"nonce\":\"0123456789abcdef0\"}", "proto.cmd.at");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":1,\"cmd\":\"cancel\",\"at\":1,\"nonce\":\"n\"}",
			    "proto.cmd.alert");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd,
			    "{\"v\":1,\"cmd\":\"cancel\",\"at\":1,\"nonce\":\"n\",\"alert\":\"0123\"}", "proto.cmd.alert");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":2,\"cmd\":\"test-tone\",\"at\":1,\"nonce\":\"n\"}",
			    "proto.version");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "{\"v\":1,\"cmd\":\"test-tone\",\"at\":1,\"nonce\":\"n\"}",
			    "proto.cmd.rx");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd,
			    "{\"v\":1,\"cmd\":\"test-tone\",\"at\":1,\"nonce\":\"n\",\"rx\":\"a\"}", "proto.cmd.kid");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd,
			    "{\"v\":1,\"cmd\":\"test-tone\",\"at\":1,\"nonce\":\"n\",\"rx\":\"a\",\"kid\":\"12\"}",
			    "proto.cmd.kid");
	ASSERT_DECODE_FAILS(tc_cmd_decode, struct tc_cmd, "", "proto.json");
	assert_false(tc_proto_is_cmd("{\"v\":1,\"id\":\"x\"}", 16));
	assert_false(tc_proto_is_cmd("garbage", 7));
	assert_false(tc_proto_is_cmd("[\"cmd\"]", 7));
}

/* --- the alert payload, as receivers read it ------------------------------------------ */

static struct tc_cap_alert *load(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", TOCSIN_EXAMPLES_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options opt;
	tc_cap_options_default(&opt);
	assert_int_equal(tc_cap_check(buf, n, &opt, &a, NULL), TC_OK);
	return a;
}

/* The payload tocsind would send for the example name, parsed back as a receiver does. */
static struct tc_rx_alert *round_trip(const char *name, char id[17], bool with_audio)
{
	struct tc_cap_alert *cap = load(name);
	struct tc_payload_audio au = { .lang = "zh-CN", .id = "aud-zh-CN", .format = "ogg-opus", .length = 1234,
				       .duration_ms = 5600 };
	memset(au.sha256, 'a', 64);
	au.sha256[64] = '\0';
	tc_payload_alert_id(cap, id);
	static const char *const regions[] = { "12" }, *const receivers[] = { "rx-1" };
	struct tc_payload_options po = { .alert_id = id, .default_repeats = 1, .audio = &au,
					 .n_audio = with_audio ? 1 : 0, .kid = "0123456789abcdef", .issued_at = 1700000000,
					 .default_expiry_s = 3600, .scope_regions = regions, .n_scope_regions = 1,
					 .scope_receivers = receivers, .n_scope_receivers = 1 };
	char *s = NULL;
	size_t n = 0;
	assert_int_equal(tc_payload_build(cap, &po, &s, &n, NULL), TC_OK);
	struct tc_rx_alert *a = NULL;
	assert_int_equal(tc_rx_alert_parse(s, n, &a, NULL), TC_OK);
	free(s);
	tc_cap_alert_free(cap);
	return a;
}

static void test_payload_parse(void **state)
{
	(void)state;
	char id[17];
	struct tc_rx_alert *a = round_trip("cn-typhoon-orange.xml", id, true);
	assert_int_equal(a->version, 1);
	assert_string_equal(a->id, id);
	assert_string_equal(a->msg_type, "Alert");
	assert_string_equal(a->status, "Actual");
	assert_string_equal(a->colour, "orange");
	assert_false(a->drill);
	assert_true(a->expires_at > 0);
	assert_string_equal(a->kid, "0123456789abcdef");
	assert_int_equal(a->issued_at, 1700000000);
	assert_int_equal(a->n_scope_regions, 1);
	assert_string_equal(a->scope_regions[0], "12");
	assert_int_equal(a->n_scope_receivers, 1);
	assert_string_equal(a->scope_receivers[0], "rx-1");
	assert_int_equal(a->n_references, 0);
	assert_int_equal(a->n_infos, 2);
	const struct tc_rx_info *zh = tc_rx_alert_info(a, "zh-CN");
	assert_string_equal(zh->lang, "zh-CN");
	assert_string_equal(zh->audio_id, "aud-zh-CN");
	assert_string_equal(zh->audio_format, "ogg-opus");
	assert_int_equal(zh->audio_length, 1234);
	assert_int_equal(zh->audio_duration_ms, 5600);
	assert_int_equal(strlen(zh->audio_sha256), 64);
	assert_non_null(zh->headline);
	const struct tc_rx_info *en = tc_rx_alert_info(a, "en-US");
	assert_string_equal(en->lang, "en-US");
	assert_null(en->audio_id); /* no audio for that language: signage shows text */
	assert_ptr_equal(tc_rx_alert_info(a, "zh-TW"), zh); /* same language, another region */
	assert_ptr_equal(tc_rx_alert_info(a, "fr-FR"), &a->infos[0]);
	assert_ptr_equal(tc_rx_alert_info(a, NULL), &a->infos[0]);
	tc_rx_alert_free(a);
	a = round_trip("cn-rainstorm-blue-exercise.xml", id, false);
	assert_true(a->drill);
	assert_null(a->infos[0].audio_id);
	tc_rx_alert_free(a);
	tc_rx_alert_free(NULL);
}

static void test_payload_references_to_ids(void **state)
{
	(void)state;
	char orange[17], update[17], cancel[17];
	tc_rx_alert_free(round_trip("cn-typhoon-orange.xml", orange, false));
	struct tc_rx_alert *u = round_trip("cn-typhoon-red-update.xml", update, false);
	assert_string_equal(u->msg_type, "Update");
	assert_int_equal(u->n_references, 1);
	assert_string_equal(u->references[0], orange);
	struct tc_rx_alert *c = round_trip("cn-typhoon-cancel.xml", cancel, false);
	assert_string_equal(c->msg_type, "Cancel");
	assert_int_equal(c->n_references, 2);
	assert_string_equal(c->references[0], orange);
	assert_string_equal(c->references[1], update);
	char ref[17];
	const char *triplet = "12011641600000,12011641600000_20260812063000_0,2026-08-12T06:30:00+08:00";
	tc_proto_reference_id(triplet, strlen(triplet), ref);
	assert_string_equal(ref, orange);
	tc_rx_alert_free(u);
	tc_rx_alert_free(c);
}

static void test_payload_parse_errors(void **state)
{
	(void)state;
	static const struct {
		const char *json, *code;
	} cases[] = {
		{ "not json", "proto.json" },
		{ "[]", "proto.json" },
		{ "{\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[{}]}", "proto.version" },
		{ "{\"v\":2,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[{}]}", "proto.version" },
		{ "{\"v\":\"1\",\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[{}]}", "proto.version" },
		{ "{\"v\":1,\"msgType\":\"Alert\",\"infos\":[{}]}", "proto.payload.id" },
		{ "{\"v\":1,\"id\":\"0123456789ABCDEF\",\"msgType\":\"Alert\",\"infos\":[{}]}", "proto.payload.id" },
		{ "{\"v\":1,\"id\":\"0123\",\"msgType\":\"Alert\",\"infos\":[{}]}", "proto.payload.id" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\"}", "proto.payload.infos" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[]}", "proto.payload.infos" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":{}}", "proto.payload.infos" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[{}]}", "proto.payload.kid" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[{}],\"kid\":\"0123456789abcdef\"}",
		  "proto.payload.time" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[{}],\"kid\":\"0123456789abcdef\","
		  "\"issued_at\":1,\"expires_at\":2}", "proto.payload.scope" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Alert\",\"infos\":[{}],\"kid\":\"0123456789abcdef\","
		  "\"issued_at\":1,\"expires_at\":2,\"scope\":{\"regions\":[12],\"receivers\":[]}}", "proto.payload.scope" },
		{ "{\"v\":1,\"id\":\"0123456789abcdef\",\"infos\":[{}]}", "proto.payload.msgType" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tc_diags *d = tc_diags_new();
		struct tc_rx_alert *a = (struct tc_rx_alert *)1;
		assert_int_equal(tc_rx_alert_parse(cases[i].json, strlen(cases[i].json), &a, d), TC_ERR_INVALID);
		assert_null(a);
		if (!tc_diags_find(d, cases[i].code))
			fail_msg("%s: expected %s", cases[i].json, cases[i].code);
		tc_diags_free(d);
	}
	/* Odd but harmless: non-string references are skipped, odd infos read as empty. */
	const char *odd = "{\"v\":1,\"id\":\"0123456789abcdef\",\"msgType\":\"Update\",\"references\":[7,\"a,b,c\"],"
			  "\"infos\":[3,{\"lang\":\"zh-CN\",\"audio\":\"none\"}],\"kid\":\"0123456789abcdef\","
			  "\"issued_at\":0,\"expires_at\":0,\"scope\":{\"regions\":[],\"receivers\":[]}}";
	struct tc_rx_alert *a = NULL;
	assert_int_equal(tc_rx_alert_parse(odd, strlen(odd), &a, NULL), TC_OK);
	assert_int_equal(a->n_references, 1);
	assert_int_equal(a->n_infos, 2);
	assert_null(a->infos[0].lang);
	assert_null(a->infos[1].audio_id);
	assert_int_equal(a->expires_at, 0);
	assert_int_equal(a->repeats, 1);
	tc_rx_alert_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topic_build),
		cmocka_unit_test(test_topic_refuses_bad_ids),
		cmocka_unit_test(test_topic_parse),
		cmocka_unit_test(test_topic_parse_unknown),
		cmocka_unit_test(test_county_prefix),
		cmocka_unit_test(test_region_scopes),
		cmocka_unit_test(test_ack_round_trip),
		cmocka_unit_test(test_ack_qos),
		cmocka_unit_test(test_ack_checked),
		cmocka_unit_test(test_ack_decode_errors),
		cmocka_unit_test(test_status_round_trip),
		cmocka_unit_test(test_cmd_round_trip),
		cmocka_unit_test(test_cmd_decode_errors),
		cmocka_unit_test(test_payload_parse),
		cmocka_unit_test(test_payload_references_to_ids),
		cmocka_unit_test(test_payload_parse_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
