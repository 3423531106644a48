/* test_same.c — SAME header text from CAP and its AFSK audio. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_same.h"
#include "tc_cap_check.h"

static char *alert_xml(const char *sent, const char *expires, const char *codes, const char *params)
{
	static char buf[16384];
	snprintf(buf, sizeof(buf),
		 "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>a1</identifier>"
		 "<sender>KTIA-BHQ</sender><sent>%s</sent><status>Actual</status><msgType>Alert</msgType>"
		 "<scope>Public</scope><info><category>Met</category><event>Tornado</event><urgency>Immediate</urgency>"
		 "<severity>Extreme</severity><certainty>Observed</certainty>"
		 "<eventCode><valueName>SAME</valueName><value>TOR</value></eventCode><expires>%s</expires>%s"
		 "<area><areaDesc>a</areaDesc>%s</area></info></alert>",
		 sent, expires, params ? params : "", codes);
	return buf;
}

static const char *geo(const char *code)
{
	static char buf[8192];
	static size_t used;
	if (!code) {
		used = 0;
		buf[0] = '\0';
		return buf;
	}
	if (!*code) /* "" reads the list */
		return buf;
	used += (size_t)snprintf(buf + used, sizeof(buf) - used, "<geocode><valueName>SAME</valueName><value>%s</value></geocode>", code);
	return buf;
}

static enum tc_rc header_of(const char *xml, char *out, struct tc_diags *d)
{
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options o;
	tc_cap_options_default(&o);
	o.now = 1;
	tc_cap_check(xml, strlen(xml), &o, &a, NULL);
	assert_non_null(a);
	enum tc_rc rc = tc_same_header(a, 0, "KTIANJIN", NULL, out, TC_SAME_HEADER_MAX, d);
	tc_cap_alert_free(a);
	return rc;
}

static void test_header_exact(void **state)
{
	(void)state;
	char h[TC_SAME_HEADER_MAX];
	geo(NULL);
	geo("048453");
	geo("048491");
	geo("048453"); /* once only */
	assert_int_equal(header_of(alert_xml("2026-08-12T06:30:00+08:00", "2026-08-12T07:15:00+08:00", geo(""), NULL), h, NULL), TC_OK);
	/* sent is 22:30 UTC on 11 August: day 223 */
	assert_string_equal(h, "ZCZC-CIV-TOR-048453-048491+0045-2232230-KTIANJIN-"); /* 45 min: 15-minute steps */
}

static void test_originator_and_station(void **state)
{
	(void)state;
	char h[TC_SAME_HEADER_MAX];
	struct tc_cap_alert *a = NULL;
	geo(NULL);
	const char *xml = alert_xml("2024-12-31T23:59:00-00:00", "2025-01-01T05:00:00-00:00", geo("000000"),
				    "<parameter><valueName>EAS-ORG</valueName><value>WXR</value></parameter>");
	tc_cap_check(xml, strlen(xml), NULL, &a, NULL);
	assert_int_equal(tc_same_header(a, 0, NULL, NULL, h, sizeof(h), NULL), TC_OK);
	/* leap year: 31 December is day 366; the sender becomes the station, '-' as '/' */
	assert_string_equal(h, "ZCZC-WXR-TOR-000000+0530-3662359-KTIA/BHQ-");
	tc_cap_alert_free(a);
}

static void test_purge_rounding(void **state)
{
	(void)state;
	static const struct { long long s; const char *want; } cases[] = {
		{ 60, "+0015" }, { 10 * 60, "+0015" }, { 15 * 60, "+0015" }, { 16 * 60, "+0030" },
		{ 50 * 60, "+0100" }, { 60 * 60, "+0100" }, { 61 * 60, "+0130" }, { 6 * 3600, "+0600" },
		{ 6 * 3600 + 1, "+0630" }, { 200 * 3600, "+9930" },
	};
	char out[6];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tc_same_purge(cases[i].s, out);
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%lld s → %s, want %s", cases[i].s, out, cases[i].want);
	}
}

static void test_header_errors(void **state)
{
	(void)state;
	char h[TC_SAME_HEADER_MAX];
	struct tc_diags *d = tc_diags_new();
	geo(NULL);
	assert_int_equal(header_of(alert_xml("2026-08-12T06:30:00+08:00", "2026-08-12T07:15:00+08:00", "", NULL), h, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "same.no-location"));
	tc_diags_clear(d);
	geo(NULL);
	assert_int_equal(header_of(alert_xml("2026-08-12T06:30:00+08:00", "2026-08-12T07:15:00+08:00", geo("4845"), NULL), h, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "same.location"));
	tc_diags_clear(d);
	geo(NULL);
	char code[8];
	for (int i = 0; i < 32; i++) {
		snprintf(code, sizeof(code), "0484%02d", i);
		geo(code);
	}
	assert_int_equal(header_of(alert_xml("2026-08-12T06:30:00+08:00", "2026-08-12T07:15:00+08:00", geo(""), NULL), h, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "same.locations"));
	tc_diags_clear(d);
	geo(NULL);
	char *xml = strdup(alert_xml("2026-08-12T06:30:00+08:00", "2026-08-12T07:15:00+08:00", geo("048453"), NULL));
	char *at = strstr(xml, "<value>TOR");
	memcpy(at, "<value>tor", 10);
	assert_int_equal(header_of(xml, h, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "same.event"));
	free(xml);
	tc_diags_free(d);
}

/* Zero crossings of p between samples from and to. */
static int crossings(const struct tc_pcm *p, size_t from, size_t to)
{
	int n = 0;
	for (size_t i = from + 1; i < to; i++)
		n += (p->s[i - 1] < 0) != (p->s[i] < 0);
	return n;
}

static void test_burst_timing_and_tones(void **state)
{
	(void)state;
	struct tc_pcm p = { .rate = 48000 };
	const char *text = "ZCZC-";
	assert_int_equal(tc_same_burst(&p, text, 0.5), TC_OK);
	size_t bits = (16 + strlen(text)) * 8;
	assert_int_equal(p.n, (size_t)llround(bits * 48000.0 / TC_SAME_BAUD));
	/* The preamble 0xAB is 1,1,0,1,0,1,0,1 LSB first: bit 0 is a mark, bit 2 a space. */
	double spb = 48000.0 / TC_SAME_BAUD; /* 92.16 samples per bit */
	int mark = crossings(&p, 0, (size_t)(2 * spb)), space = crossings(&p, (size_t)(2 * spb), (size_t)(3 * spb));
	/* two mark bits hold 8 cycles (16 crossings), one space bit 3 cycles (6) */
	assert_true(mark >= 15 && mark <= 17);
	assert_true(space >= 5 && space <= 7);
	assert_true(fabs(p.s[0]) < 0.01); /* starts at phase 0 */
	tc_pcm_release(&p);
}

static void test_programme_layout(void **state)
{
	(void)state;
	struct tc_pcm msg = { .rate = 22050 }, out;
	tc_pcm_silence(&msg, 500);
	struct tc_same_options o = { .rate = 22050, .amplitude = 0.5, .attention_ms = 8000, .message = &msg };
	const char *h = "ZCZC-CIV-TOR-048453+0100-2232230-KTIANJIN-";
	assert_int_equal(tc_same_programme(h, &o, &out, NULL), TC_OK);
	size_t burst = (size_t)llround((16 + strlen(h)) * 8 * 22050.0 / TC_SAME_BAUD);
	size_t eom = (size_t)llround((16 + 4) * 8 * 22050.0 / TC_SAME_BAUD);
	assert_int_equal(out.n, 3 * (burst + 22050) + 8 * 22050 + 22050 + msg.n + 22050 + 3 * (eom + 22050));
	tc_pcm_release(&out);
	struct tc_diags *d = tc_diags_new();
	o.attention_ms = 3000; /* the rule is 8 to 25 s */
	assert_int_equal(tc_same_programme(h, &o, &out, d), TC_ERR_USAGE);
	assert_non_null(tc_diags_find(d, "same.options"));
	tc_diags_free(d);
	tc_pcm_release(&msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_exact),        cmocka_unit_test(test_originator_and_station),
		cmocka_unit_test(test_purge_rounding),      cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_burst_timing_and_tones), cmocka_unit_test(test_programme_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
