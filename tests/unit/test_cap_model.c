/*
 * test_cap_model.c — the CAP model holds every element; versions 1.1 and 1.0
 * are read; date-times; limits; diagnostics and the arena underneath; long
 * coordinates and large embedded resources; checking without a model; the
 * colour a headline announces; a flood of tiny elements refused before its
 * tree is built.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/resource.h>

#include "cap_fixture.h"
#include "tc_arena.h"

static const char full[] =
	"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>"
	"<identifier>ID-1</identifier><sender>bureau@example.cn</sender><sent>2026-08-12T06:30:00+08:00</sent>"
	"<status>Exercise</status><msgType>Update</msgType><source>duty officer</source><scope>Restricted</scope>"
	"<restriction>staff only</restriction><addresses>\"a b\" c</addresses><code>drill</code><code>cn</code>"
	"<note>note text</note><references>s,ID-0,2026-08-12T06:00:00+08:00</references><incidents>inc-7</incidents>"
	"<info><language>zh-CN</language><category>Met</category><category>Safety</category><event>暴雨</event>"
	"<responseType>Evacuate</responseType><responseType>Monitor</responseType><urgency>Immediate</urgency>"
	"<severity>Extreme</severity><certainty>Observed</certainty><audience>村民</audience>"
	"<eventCode><valueName>GB/T 35561</valueName><value>11B03</value></eventCode>"
	"<effective>2026-08-12T06:30:00+08:00</effective><onset>2026-08-12T07:00:00+08:00</onset>"
	"<expires>2026-08-12T18:00:00+08:00</expires><senderName>气象台</senderName><headline>暴雨红色预警</headline>"
	"<description>描述</description><instruction>指引</instruction><web>http://example.cn/w</web>"
	"<contact>022-12121</contact><parameter><valueName>COLOUR</valueName><value>红色</value></parameter>"
	"<resource><resourceDesc>录音</resourceDesc><mimeType>audio/wav</mimeType><size>5</size>"
	"<uri>http://example.cn/a.wav</uri><derefUri>aGVsbG8=</derefUri>"
	"<digest>aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d</digest></resource>"
	"<area><areaDesc>A</areaDesc><polygon>1,2 3,4 5,6 1,2</polygon><polygon>-1.5,2 3,4 5,6 -1.5,2</polygon>"
	"<circle>38.98,117.78 15.5</circle><geocode><valueName>ADCODE</valueName><value>120116</value></geocode>"
	"<altitude>100</altitude><ceiling>200.5</ceiling></area></info>"
	"<info><language>en-US</language><category>Met</category><event>Rainstorm</event><urgency>Immediate</urgency>"
	"<severity>Extreme</severity><certainty>Observed</certainty></info>"
	"</alert>";

static void test_every_element(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(fixture_check(full, TC_CAP_PROFILE_NONE, false, d, &a), TC_OK);
	assert_non_null(a);
	assert_int_equal(a->version, TC_CAP_V1_2);
	assert_string_equal(a->identifier, "ID-1");
	assert_string_equal(a->sender, "bureau@example.cn");
	assert_true(a->sent.valid && a->sent.has_zone);
	assert_int_equal(a->sent.offset_min, 480);
	assert_int_equal(a->status, TC_CAP_EXERCISE);
	assert_int_equal(a->msg_type, TC_CAP_UPDATE);
	assert_int_equal(a->scope, TC_CAP_RESTRICTED);
	assert_string_equal(a->source, "duty officer");
	assert_string_equal(a->restriction, "staff only");
	assert_string_equal(a->addresses, "\"a b\" c");
	assert_int_equal(a->n_codes, 2);
	assert_string_equal(a->codes[1], "cn");
	assert_string_equal(a->note, "note text");
	assert_string_equal(a->references, "s,ID-0,2026-08-12T06:00:00+08:00");
	assert_string_equal(a->incidents, "inc-7");
	assert_int_equal(a->n_infos, 2);
	const struct tc_cap_info *in = &a->infos[0];
	assert_string_equal(in->language, "zh-CN");
	assert_int_equal(in->n_categories, 2);
	assert_string_equal(in->categories[1], "Safety");
	assert_int_equal(in->n_response_types, 2);
	assert_int_equal(in->urgency, TC_CAP_IMMEDIATE);
	assert_int_equal(in->severity, TC_CAP_EXTREME);
	assert_int_equal(in->certainty, TC_CAP_OBSERVED);
	assert_string_equal(in->audience, "村民");
	assert_string_equal(tc_cap_pair_find(in->event_codes, in->n_event_codes, "gb/t 35561"), "11B03");
	assert_int_equal(in->expires.epoch - in->effective.epoch, 11 * 3600 + 1800);
	assert_true(in->onset.valid);
	assert_string_equal(in->web, "http://example.cn/w");
	assert_string_equal(in->contact, "022-12121");
	assert_int_equal(tc_cap_info_colour(in), TC_CAP_COLOUR_RED);
	assert_int_equal(in->n_resources, 1);
	assert_string_equal(in->resources[0].mime_type, "audio/wav");
	assert_string_equal(in->resources[0].size, "5");
	assert_string_equal(in->resources[0].deref_uri, "aGVsbG8=");
	assert_int_equal(in->n_areas, 1);
	const struct tc_cap_area *ar = &in->areas[0];
	assert_int_equal(ar->n_polygons, 2);
	assert_int_equal(ar->polygons[1].n_points, 4);
	assert_true(ar->polygons[1].points[0].lat == -1.5);
	assert_true(ar->polygons[1].points[0].lon == 2.0);
	assert_int_equal(ar->n_circles, 1);
	assert_true(ar->circles[0].radius_km == 15.5);
	assert_true(ar->circles[0].centre.lon == 117.78);
	assert_string_equal(ar->altitude, "100");
	assert_string_equal(ar->ceiling, "200.5");
	assert_int_equal(a->infos[1].n_areas, 0);
	assert_false(a->has_signature);
	assert_int_equal(a->xml_len, strlen(full));
	assert_memory_equal(a->xml, full, a->xml_len); /* the original bytes, kept */
	tc_cap_alert_free(a);
	tc_diags_free(d);
}

static void test_version_1_1_and_1_0(void **state)
{
	(void)state;
	static const char v11[] =
		"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.1'><identifier>a</identifier><sender>s</sender>"
		"<sent>2011-01-01T00:00:00-05:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
		"<info><category>Geo</category><event>Quake</event><urgency>Past</urgency><severity>Minor</severity>"
		"<certainty>Observed</certainty><resource><resourceDesc>map</resourceDesc></resource></info></alert>";
	static const char v10[] =
		"<alert xmlns='http://www.incident.com/cap/1.0'><identifier>a</identifier><sender>s</sender>"
		"<sent>2003-06-17T14:57:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
		"<info><category>Met</category><event>Storm</event><urgency>Expected</urgency><severity>Severe</severity>"
		"<certainty>Likely</certainty></info></alert>";
	struct tc_cap_alert *a = NULL;
	struct tc_diags *d = tc_diags_new();
	/* 1.1: its own schema (mimeType optional) */
	assert_int_equal(fixture_check(v11, TC_CAP_PROFILE_NONE, false, d, &a), TC_OK);
	assert_int_equal(a->version, TC_CAP_V1_1);
	assert_null(a->infos[0].language); /* absent: CAP's default en-US applies */
	tc_cap_alert_free(a);
	tc_diags_clear(d);
	/* 1.0: read without a schema, with a warning; the rules still apply */
	assert_int_equal(fixture_check(v10, TC_CAP_PROFILE_NONE, false, d, &a), TC_ERR_INVALID);
	assert_non_null(a); /* an invalid alert is still shown as read */
	assert_int_equal(a->version, TC_CAP_V1_0);
	assert_string_equal(a->infos[0].event, "Storm");
	tc_cap_alert_free(a);
	assert_non_null(tc_diags_find(d, "cap.version"));
	assert_non_null(tc_diags_find(d, "rule.time.no-zone"));
	tc_diags_free(d);
}

static void test_time_parse(void **state)
{
	(void)state;
	struct tc_cap_time t;
	tc_cap_time_parse("2026-08-12T06:30:00+08:00", &t);
	assert_true(t.valid && t.has_zone && !t.zulu);
	assert_int_equal(t.epoch, 1786487400);
	tc_cap_time_parse("2026-08-11T22:30:00-00:00", &t);
	assert_int_equal(t.epoch, 1786487400);
	tc_cap_time_parse("2026-08-11T22:30:00Z", &t);
	assert_true(t.valid && t.zulu);
	tc_cap_time_parse("2026-08-12T06:30:00", &t);
	assert_true(t.valid && !t.has_zone);
	tc_cap_time_parse("2026-02-30T00:00:00+08:00", &t);
	assert_false(t.valid);
	tc_cap_time_parse("2024-02-29T00:00:00+08:00", &t);
	assert_true(t.valid);
	tc_cap_time_parse("2026-08-12 06:30:00+08:00", &t);
	assert_false(t.valid);
	tc_cap_time_parse("2026-08-12T24:30:00+08:00", &t);
	assert_false(t.valid);
	tc_cap_time_parse(NULL, &t);
	assert_null(t.text);
	assert_false(t.valid);
}

static void test_limits(void **state)
{
	(void)state;
	struct tc_cap_options o;
	struct tc_diags *d = tc_diags_new();
	tc_cap_options_default(&o);
	o.limits.max_bytes = 100;
	assert_int_equal(tc_cap_check(fixture_alert, strlen(fixture_alert), &o, NULL, d), TC_ERR_LIMIT);
	assert_non_null(tc_diags_find(d, "xml.too-large"));

	tc_diags_clear(d);
	tc_cap_options_default(&o);
	o.limits.max_depth = 2;
	assert_int_equal(tc_cap_check(fixture_alert, strlen(fixture_alert), &o, NULL, d), TC_ERR_LIMIT);
	assert_non_null(tc_diags_find(d, "xml.too-deep"));

	tc_diags_clear(d);
	tc_cap_options_default(&o);
	o.limits.max_elements = 10;
	assert_int_equal(tc_cap_check(fixture_alert, strlen(fixture_alert), &o, NULL, d), TC_ERR_LIMIT);
	assert_non_null(tc_diags_find(d, "xml.too-many-elements"));

	tc_diags_clear(d);
	tc_cap_options_default(&o);
	o.limits.max_polygon_points = 3;
	assert_int_equal(tc_cap_check(fixture_alert, strlen(fixture_alert), &o, NULL, d), TC_ERR_LIMIT);
	const struct tc_diag *it = tc_diags_find(d, "limit.polygon-points");
	assert_non_null(it);
	assert_string_equal(it->path, "alert/info[0]/area[0]/polygon[0]");

	tc_diags_clear(d);
	assert_int_equal(tc_cap_check("", 0, NULL, NULL, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "xml.empty"));

	/* a deep bomb stops at the parser's own limit, without recursion on our side */
	tc_diags_clear(d);
	size_t depth = 5000;
	char *deep = malloc(depth * 7 + 100);
	char *p = deep;
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "<a>");
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "</a>");
	assert_int_not_equal(tc_cap_check(deep, strlen(deep), NULL, NULL, d), TC_OK);
	assert_true(tc_diags_errors(d) >= 1);
	free(deep);
	tc_diags_free(d);
}

static long peak_kib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/*
 * 16 MB of <a/> is four million elements: built as a tree it took half a
 * gigabyte. Counted while parsing, it is refused at the limit, and the peak
 * grows by little more than the limit's elements. Run first, while the
 * process's peak is still low.
 */
static void test_element_flood_refused_while_parsing(void **state)
{
	(void)state;
	static const char head[] = "<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'>", tail[] = "</alert>";
	size_t len = 16000000, n = (len - sizeof(head) - sizeof(tail)) / 4;
	char *xml = malloc(len + 1), *p = xml;
	struct tc_diags *d = tc_diags_new();
	p += sprintf(p, "%s", head);
	for (size_t i = 0; i < n; i++, p += 4)
		memcpy(p, "<a/>", 4);
	p += sprintf(p, "%s", tail);
	long before = peak_kib();
	assert_int_equal(tc_cap_check(xml, (size_t)(p - xml), NULL, NULL, d), TC_ERR_LIMIT);
	long grown_mb = (peak_kib() - before) / 1024;
	print_message("    peak grew by %ld MB parsing %zu elements\n", grown_mb, n);
	const struct tc_diag *it = tc_diags_find(d, "xml.too-many-elements");
	assert_non_null(it);
	assert_non_null(strstr(it->message, "200000"));
	assert_true(grown_mb < 60);
	free(xml);
	tc_diags_free(d);
}

static void test_xml_syntax_has_line(void **state)
{
	(void)state;
	struct tc_diags *d = tc_diags_new();
	char *xml = fixture_with("</info>", "</inf>");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, d, NULL), TC_ERR_INVALID);
	const struct tc_diag *it = tc_diags_find(d, "xml.syntax");
	assert_non_null(it);
	assert_true(it->line > 25);
	assert_non_null(strstr(it->message, "line"));
	free(xml);
	tc_diags_free(d);
}

static void test_signature_is_noted(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char *xml = fixture_with("</info>\n</alert>",
				 "</info>\n<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/></alert>");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_CN, false, NULL, &a), TC_OK);
	assert_true(a->has_signature);
	tc_cap_alert_free(a);
	free(xml);
}

static void test_every_problem_reported_at_once(void **state)
{
	(void)state;
	struct tc_diags *d = tc_diags_new();
	char *a = fixture_with("<severity>Severe", "<severity>Observed");
	char *b = fixture_replace(a, "<identifier>12011641600000_20260812063000_0", "<identifier>a b");
	char *c = fixture_replace(b, "39.2,117.5 39.2,117.9 38.8,117.9 39.2,117.5", "39.2,117.5 39.2,117.9 38.8,117.9 39.3,117.5");
	assert_int_equal(fixture_check(c, TC_CAP_PROFILE_CN, false, d, NULL), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "xsd.enumeration"));
	assert_non_null(tc_diags_find(d, "rule.identifier.chars"));
	assert_non_null(tc_diags_find(d, "rule.polygon.not-closed"));
	assert_non_null(tc_diags_find(d, "cn.identifier.format"));
	free(a);
	free(b);
	free(c);
	tc_diags_free(d);
}

static void test_diags_bound(void **state)
{
	(void)state;
	struct tc_diags *d = tc_diags_new();
	for (int i = 0; i < TC_DIAGS_MAX + 50; i++)
		tc_err(d, "x.y", "p", "problem %d", i);
	assert_int_equal(tc_diags_count(d), TC_DIAGS_MAX + 1);
	assert_int_equal(tc_diags_errors(d), TC_DIAGS_MAX + 50 + 1);
	assert_non_null(tc_diags_find(d, "diag.truncated"));
	tc_warn(d, "w", "", "late warning"); /* dropped, counted */
	assert_int_equal(tc_diags_warnings(d), 0);
	tc_diags_clear(d);
	assert_int_equal(tc_diags_count(d), 0);
	assert_null(tc_diags_get(d, 0));
	tc_diags_free(d);
	tc_diags_free(NULL);
	assert_int_equal(tc_diags_add(NULL, TC_SEV_ERROR, "c", "p", 0, "dropped"), TC_OK);
}

static void test_arena(void **state)
{
	(void)state;
	struct tc_arena *a = tc_arena_new();
	char *s = tc_arena_strdup(a, "台风");
	assert_string_equal(s, "台风");
	void *big = tc_arena_alloc(a, 1 << 20);
	assert_non_null(big);
	assert_int_equal(((unsigned char *)big)[12345], 0);
	for (int i = 0; i < 1000; i++) {
		void *p = tc_arena_alloc(a, (size_t)i % 97 + 1);
		assert_int_equal((uintptr_t)p % 16, 0);
	}
	assert_null(tc_arena_calloc(a, SIZE_MAX / 2, 4));
	assert_null(tc_arena_strdup(a, NULL));
	assert_true(tc_arena_used(a) >= (1 << 20));
	tc_arena_free(a);
	tc_arena_free(NULL);
	tc_cap_alert_free(NULL);
}

static void test_names(void **state)
{
	(void)state;
	enum tc_cap_profile p;
	assert_int_equal(tc_cap_profile_parse("cn", &p), TC_OK);
	assert_int_equal(p, TC_CAP_PROFILE_CN);
	assert_int_equal(tc_cap_profile_parse("us", &p), TC_ERR_USAGE);
	assert_string_equal(tc_cap_profile_name(TC_CAP_PROFILE_IPAWS), "ipaws");
	assert_string_equal(tc_cap_severity_name(TC_CAP_SEVERE), "Severe");
	assert_string_equal(tc_cap_msgtype_name(TC_CAP_CANCEL), "Cancel");
	assert_string_equal(tc_cap_colour_name(TC_CAP_COLOUR_ORANGE), "orange");
	assert_string_equal(tc_cap_colour_zh(TC_CAP_COLOUR_RED), "红色");
	assert_int_equal(tc_cap_colour_of_value("Ⅳ级"), TC_CAP_COLOUR_BLUE);
	assert_int_equal(tc_cap_colour_of_headline("橙色预警升级为红色预警"), TC_CAP_COLOUR_RED);
	assert_string_equal(tc_rc_name(TC_ERR_LIMIT), "limit");
}

/*
 * The colour a headline announces: a plain one names it; one that raises or
 * lowers a warning names the colour it becomes, with or without 预警 after it.
 */
static void test_colour_of_headline(void **state)
{
	(void)state;
	static const struct { const char *headline; enum tc_cap_colour c; } cases[] = {
		{ "天津市滨海新区气象台发布台风橙色预警", TC_CAP_COLOUR_ORANGE },
		{ "滨海新区气象台将台风红色预警信号降级为橙色", TC_CAP_COLOUR_ORANGE },
		{ "滨海新区气象台将台风橙色预警信号升级为红色预警", TC_CAP_COLOUR_RED },
		{ "天津市气象台将暴雨红色预警信号调整为黄色预警信号", TC_CAP_COLOUR_YELLOW },
		{ "天津市气象台将大风黄色预警降为蓝色", TC_CAP_COLOUR_BLUE },
		{ "暴雨黄色预警升级为 红色，雷电黄色预警继续生效", TC_CAP_COLOUR_RED },
		{ "橙色预警升级为红色预警", TC_CAP_COLOUR_RED },
		{ "天津市滨海新区气象台将台风橙色预警升级为台风红色预警", TC_CAP_COLOUR_RED },
		{ "将台风红色预警降级为台风橙色", TC_CAP_COLOUR_ORANGE },
		{ "将道路结冰橙色预警调整为道路结冰黄色预警信号", TC_CAP_COLOUR_YELLOW },
		{ "暴雨红色预警降级为，另发布大风蓝色预警", TC_CAP_COLOUR_BLUE },
		{ "台风红色预警降级为预警", TC_CAP_COLOUR_RED },
		{ "Typhoon Blue Warning", TC_CAP_COLOUR_BLUE },
		{ "Typhoon Red Warning downgraded to Orange", TC_CAP_COLOUR_ORANGE },
		{ "Rainstorm Yellow Warning upgraded to Red", TC_CAP_COLOUR_RED },
		{ "Gale Yellow Warning lowered to a Blue Warning", TC_CAP_COLOUR_BLUE },
		{ "Red Warning downgraded to Redness", TC_CAP_COLOUR_RED },
		{ "台风预警", TC_CAP_COLOUR_NONE },
		{ "", TC_CAP_COLOUR_NONE },
		{ NULL, TC_CAP_COLOUR_NONE },
	};
	size_t wrong = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum tc_cap_colour got = tc_cap_colour_of_headline(cases[i].headline);
		if (got != cases[i].c) {
			print_message("  '%s': %s, expected %s\n", cases[i].headline ? cases[i].headline : "(null)",
				      tc_cap_colour_name(got), tc_cap_colour_name(cases[i].c));
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

/* Without a colour parameter, a downgrade headline gives the new colour to the info. */
static void test_info_colour_of_downgrade(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char *xml = fixture_with("<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>", "");
	char *next = fixture_replace(xml, "天津市滨海新区气象台发布台风橙色预警", "滨海新区气象台将台风红色预警信号降级为橙色");
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(fixture_check(next, TC_CAP_PROFILE_NONE, false, d, &a), TC_OK);
	assert_int_equal(tc_cap_info_colour(&a->infos[0]), TC_CAP_COLOUR_ORANGE);
	tc_cap_alert_free(a);
	tc_diags_free(d);
	free(next);
	free(xml);
}

/* A buffer with fixture_alert's polygon replaced by text (malloc'ed). */
static char *with_polygon(const char *text)
{
	return fixture_with("39.2,117.5 39.2,117.9 38.8,117.9 39.2,117.5", text);
}

static void test_long_coordinates(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	/* long fractions (eight digits read at once), signs, a ring longer than the parser's pieces */
	size_t n = 6000, used = 0;
	char *ring = malloc(n * 48 + 64);
	for (size_t i = 0; i < n - 1; i++)
		used += (size_t)sprintf(ring + used, "%s39.%012zu,+117.%09zu ", i % 2 ? "" : "+", i, i * 7);
	used += (size_t)sprintf(ring + used, "+39.%012d,+117.%09d", 0, 0);
	char *xml = with_polygon(ring);
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	const struct tc_cap_polygon *poly = &a->infos[0].areas[0].polygons[0];
	assert_true(poly->parsed);
	assert_int_equal(poly->n_points, n);
	assert_true(poly->points[0].lat == 39.0 && poly->points[0].lon == 117.0);
	assert_true(poly->points[1].lat == 39.000000000001 && poly->points[1].lon == 117.000000007);
	assert_true(poly->points[4321].lat == 39.000000004321 && poly->points[4321].lon == 117.000030247);
	assert_true(poly->points[n - 1].lat == 39.0);
	tc_cap_alert_free(a);
	free(xml);
	free(ring);

	/* the same reading as a character at a time: a digit run of exactly 8, and one cut short */
	xml = with_polygon("-33.87654321,151.2 -33.8765432,151.21098765 -33.87654321,151.2  -33.87654321,151.2");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	poly = &a->infos[0].areas[0].polygons[0];
	assert_int_equal(poly->n_points, 4);
	assert_true(poly->points[0].lat == -33.87654321 && poly->points[1].lat == -33.8765432);
	assert_true(poly->points[1].lon == 151.21098765);
	tc_cap_alert_free(a);
	free(xml);
}

static void test_base64(void **state)
{
	(void)state;
	unsigned char *out = NULL;
	size_t len = 0;
	assert_true(tc_cap_base64_decode(" aGVs\r\nbG8=\n", &out, &len));
	assert_int_equal(len, 5);
	assert_memory_equal(out, "hello", 5);
	free(out);
	assert_true(tc_cap_base64_decode("aGk=", &out, &len));
	assert_int_equal(len, 2);
	free(out);
	assert_true(tc_cap_base64_decode("", &out, &len));
	assert_int_equal(len, 0);
	free(out);
	assert_false(tc_cap_base64_decode("aGVsbG8", &out, &len));   /* unpadded */
	assert_false(tc_cap_base64_decode("aGVsbG8=aA==", &out, &len)); /* data after the padding */
	assert_false(tc_cap_base64_decode("aGV*bG8=", &out, &len));
	assert_false(tc_cap_base64_decode("a===", &out, &len));
}

/* The plain reading of base64 the decoder must agree with: -1 when the text is not base64. */
static long reference_decode(const char *text, unsigned char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	long o = 0;
	int have = 0, pad = 0;
	for (const char *c = text; *c; c++) {
		const char *at = *c ? strchr(abc, *c) : NULL;
		if (at && !pad) {
			acc = acc << 6 | (uint32_t)(at - abc);
			if (++have == 4) {
				out[o++] = (unsigned char)(acc >> 16);
				out[o++] = (unsigned char)(acc >> 8);
				out[o++] = (unsigned char)acc;
				acc = 0;
				have = 0;
			}
		} else if (*c == '=' && have >= 2 && pad < 2) {
			pad++;
		} else if (!(*c == ' ' || *c == '\t' || *c == '\n' || *c == '\r')) {
			return -1;
		}
	}
	if (have == 2 && pad == 2)
		out[o++] = (unsigned char)(acc >> 4);
	else if (have == 3 && pad == 1) {
		out[o++] = (unsigned char)(acc >> 10);
		out[o++] = (unsigned char)(acc >> 2);
	} else if (have || pad)
		return -1;
	return o;
}

static void assert_decodes_as_reference(const char *text)
{
	unsigned char want[512], *got = NULL;
	size_t len = 0;
	long n = reference_decode(text, want);
	bool ok = tc_cap_base64_decode(text, &got, &len);
	assert_int_equal(ok, n >= 0);
	if (ok) {
		assert_int_equal(len, (size_t)n);
		assert_memory_equal(got, want, len);
	}
	free(got);
}

/*
 * Every byte value in every position of runs decoded sixteen characters at
 * a time (and the one-at-a-time way): the same as the plain reading, so no
 * character outside the alphabet slips through and every value is right.
 */
static void test_base64_every_byte(void **state)
{
	(void)state;
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char text[80];
	for (int c = 1; c < 256; c++)
		for (int k = 0; k < 48; k++) {
			for (int i = 0; i < 64; i++)
				text[i] = abc[(i * 7 + c) % 64];
			text[64] = '\0';
			text[k] = (char)c;
			assert_decodes_as_reference(text);
		}
	/* every character of the alphabet in every lane, then broken runs and lines */
	for (int shift = 0; shift < 64; shift++) {
		for (int i = 0; i < 64; i++)
			text[i] = abc[(i + shift) % 64];
		text[64] = '\0';
		assert_decodes_as_reference(text);
		text[60] = '=';
		text[61] = '=';
		text[62] = '\0';
		assert_decodes_as_reference(text);
		memmove(text + 21, text + 20, 43);
		text[20] = '\n';
		assert_decodes_as_reference(text);
	}
}

/* 30,000 bytes (i*7 + 3) % 251, in base64 lines of 76 characters. */
static char *big_resource(const char *digest)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 30000, o = 0;
	char *b64 = malloc(n / 3 * 4 + n / 57 + 16);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t g = (uint32_t)((i * 7 + 3) % 251) << 16 | (uint32_t)(((i + 1) * 7 + 3) % 251) << 8 |
			     (uint32_t)(((i + 2) * 7 + 3) % 251);
		for (int k = 18; k >= 0; k -= 6)
			b64[o++] = abc[(g >> k) & 63];
		if ((i / 3) % 19 == 18)
			b64[o++] = '\n';
	}
	b64[o] = '\0';
	size_t size = 256 + o;
	char *res = malloc(size);
	snprintf(res, size, "<resource><resourceDesc>audio</resourceDesc><mimeType>audio/x-test</mimeType>"
		 "<size>30000</size><derefUri>%s</derefUri><digest>%s</digest></resource>\n<area>", b64, digest);
	free(b64);
	char *xml = fixture_with("<area>", res);
	free(res);
	return xml;
}

static void test_large_resource(void **state)
{
	(void)state;
	struct tc_diags *d = tc_diags_new();
	char *xml = big_resource("94c0b0c2eaa7773bb8586e03c10f6f61dc43b626");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, d, NULL), TC_OK);
	assert_int_equal(tc_diags_count(d), 0);
	free(xml);
	xml = big_resource("94c0b0c2eaa7773bb8586e03c10f6f61dc43b627");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, d, NULL), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "rule.resource.digest"));
	free(xml);
	tc_diags_free(d);
}

/* Checking alone (the model borrows the tree) and checking for the model report the same. */
static void test_check_alone_same_report(void **state)
{
	(void)state;
	const char *cases[] = {
		full,
		fixture_alert,
		"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>a b</identifier></alert>",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tc_diags *d1 = tc_diags_new(), *d2 = tc_diags_new();
		struct tc_cap_alert *a = NULL;
		enum tc_rc r1 = fixture_check(cases[i], TC_CAP_PROFILE_CN, true, d1, NULL);
		enum tc_rc r2 = fixture_check(cases[i], TC_CAP_PROFILE_CN, true, d2, &a);
		assert_int_equal(r1, r2);
		assert_int_equal(tc_diags_count(d1), tc_diags_count(d2));
		for (size_t k = 0; k < tc_diags_count(d1); k++) {
			assert_string_equal(tc_diags_get(d1, k)->code, tc_diags_get(d2, k)->code);
			assert_string_equal(tc_diags_get(d1, k)->path, tc_diags_get(d2, k)->path);
			assert_string_equal(tc_diags_get(d1, k)->message, tc_diags_get(d2, k)->message);
		}
		tc_cap_alert_free(a);
		tc_diags_free(d1);
		tc_diags_free(d2);
	}
}

/* Diagnostics of xml checked alone (borrowing the tree) and for a model are the same. */
static void assert_same_report(const char *xml)
{
	struct tc_diags *d1 = tc_diags_new(), *d2 = tc_diags_new();
	struct tc_cap_alert *a = NULL;
	enum tc_rc r1 = fixture_check(xml, TC_CAP_PROFILE_NONE, false, d1, NULL);
	enum tc_rc r2 = fixture_check(xml, TC_CAP_PROFILE_NONE, false, d2, &a);
	assert_int_equal(r1, r2);
	assert_int_equal(tc_diags_count(d1), tc_diags_count(d2));
	for (size_t k = 0; k < tc_diags_count(d1); k++) {
		assert_string_equal(tc_diags_get(d1, k)->code, tc_diags_get(d2, k)->code);
		assert_string_equal(tc_diags_get(d1, k)->message, tc_diags_get(d2, k)->message);
	}
	tc_cap_alert_free(a);
	tc_diags_free(d1);
	tc_diags_free(d2);
}

/*
 * Points in the middle of a ring, where a model built only to be checked
 * tells numbers on the globe from their bytes (32 at a time, or one by
 * one), behind points of three lengths:
 * each odd or edge-of-range token as latitude and as longitude (also one
 * running past the first 32 bytes), between separators of every kind, gives
 * the same report as reading every point.
 */
static void test_middle_points_same_report(void **state)
{
	(void)state;
	static const char *const tokens[] = {
		"90", "90.0", "90.000000", "90.0000001", "-90", "-90.00", "89.9999999", "9", "09", "099", "0089.1",
		"+89.5", "-.5", ".5", "5.", ".", "-", "+", "--5", "5..1", "1e1", "1E1", "123456789012345678",
		"1234567890123456789", "0.12345678901234567", "0.123456789012345678", "180", "180.0", "-180.000",
		"180.0000001", "179.9999", "189.1", "099.5", "0179.5", "199", "200", "18", "-0", "00", "1,2", "",
		"9.", "90.", "91", "-91", "08.5", "8x", "+-1", "1-", "1.5.", "17.5,", "117.123456789012345",
		"-179.99999999999999", "-189", "1801", "18.0e1",
	};
	static const char *const seps[] = { " ", "  ", "\t", "\r\n", "\n " };
	static const char *const fillers[] = { "39.123456,117.123456", "15.0825820000001,-0.5761480000001", "-1.5,2.25" };
	char ring[2048];
	for (size_t f = 0; f < sizeof(fillers) / sizeof(fillers[0]); f++)
		for (size_t t = 0; t < sizeof(tokens) / sizeof(tokens[0]); t++)
			for (int lon = 0; lon < 3; lon++) /* as latitude; as longitude; as longitude after a long latitude */
				for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
					const char *sp = seps[k];
					char edge[64];
					snprintf(edge, sizeof(edge), lon == 2 ? "15.0825820000001,%s" : lon ? "39.5,%s" : "%s,117.5",
						 tokens[t]);
					const char *filler = fillers[f];
					const char *parts[] = { "39.1,117.1", filler, filler, filler, filler, edge, filler, filler,
								filler, filler, filler, "38.9,117.9", "39.1,117.1" };
					size_t used = 0;
					for (size_t j = 0; j < sizeof(parts) / sizeof(parts[0]); j++)
						used += (size_t)snprintf(ring + used, sizeof(ring) - used, "%s%s", j ? sp : "",
									 parts[j]);
					char *xml = with_polygon(ring);
					assert_same_report(xml);
					free(xml);
				}
}

/* A model handed out owns its texts and bytes: they outlive the caller's buffer. */
static void test_model_outlives_input(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char *xml = strdup(full);
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_ptr_not_equal(a->xml, xml);
	memset(xml, 'x', strlen(xml));
	free(xml);
	assert_string_equal(a->identifier, "ID-1");
	assert_string_equal(a->infos[0].resources[0].deref_uri, "aGVsbG8=");
	assert_int_equal(a->xml_len, strlen(full));
	assert_memory_equal(a->xml, full, a->xml_len);
	tc_cap_alert_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_element_flood_refused_while_parsing),
		cmocka_unit_test(test_every_element),
		cmocka_unit_test(test_version_1_1_and_1_0),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_xml_syntax_has_line),
		cmocka_unit_test(test_signature_is_noted),
		cmocka_unit_test(test_every_problem_reported_at_once),
		cmocka_unit_test(test_diags_bound),
		cmocka_unit_test(test_arena),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_colour_of_headline),
		cmocka_unit_test(test_info_colour_of_downgrade),
		cmocka_unit_test(test_long_coordinates),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_base64_every_byte),
		cmocka_unit_test(test_large_resource),
		cmocka_unit_test(test_check_alone_same_report),
		cmocka_unit_test(test_middle_points_same_report),
		cmocka_unit_test(test_model_outlives_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
