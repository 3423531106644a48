/* test_sms_batch.c — SMS recipients (policy, E.164, duplicates), texts, batches and their store tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_fixture.h"
#include "store_fixture.h"
#include "tc_csv.h"
#include "tc_sms_batch.h"
#include "tc_store_sms.h"

static void test_policy(void **state)
{
	(void)state;
	struct tc_sms_policy p;
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_sms_policy_parse("official:all; 信息员:orange,red;网格员:RED", &p, d), TC_OK);
	assert_int_equal(p.n, 3);
	assert_true(tc_sms_policy_wants(&p, "official", TC_CAP_COLOUR_BLUE));
	assert_true(tc_sms_policy_wants(&p, "official", TC_CAP_COLOUR_NONE));
	assert_true(tc_sms_policy_wants(&p, "信息员", TC_CAP_COLOUR_ORANGE));
	assert_false(tc_sms_policy_wants(&p, "信息员", TC_CAP_COLOUR_YELLOW));
	assert_true(tc_sms_policy_wants(&p, "网格员", TC_CAP_COLOUR_RED));
	assert_false(tc_sms_policy_wants(&p, "网格员", TC_CAP_COLOUR_ORANGE));
	assert_false(tc_sms_policy_wants(&p, "shelter", TC_CAP_COLOUR_RED));
	assert_int_equal(tc_sms_policy_parse("", &p, d), TC_OK);
	assert_int_equal(p.n, 0);
	assert_int_equal(tc_sms_policy_parse("official:purple", &p, d), TC_ERR_INVALID);
	assert_non_null(strstr(tc_diags_get(d, 0)->message, "'purple' is not a level"));
	assert_int_equal(tc_sms_policy_parse("official", &p, d), TC_ERR_INVALID);
	tc_diags_free(d);

	assert_true(tc_sms_role_in("信息员,网格员", "网格员"));
	assert_false(tc_sms_role_in("信息员,网格员", "网格"));
	assert_true(tc_sms_regions_nest("120116", "120116001001"));
	assert_true(tc_sms_regions_nest("120116001001", "120116"));
	assert_true(tc_sms_regions_nest("120116001001", "120116001001"));
	assert_false(tc_sms_regions_nest("120116002", "120116001001"));
	assert_false(tc_sms_regions_nest("", "120116"));
}

static struct tc_contact contact(const char *phone, const char *role, const char *region, const char *lang)
{
	struct tc_contact c = { 0 };
	snprintf(c.phone, sizeof(c.phone), "%s", phone);
	snprintf(c.name, sizeof(c.name), "n-%s", phone);
	snprintf(c.role, sizeof(c.role), "%s", role);
	snprintf(c.region, sizeof(c.region), "%s", region);
	snprintf(c.language, sizeof(c.language), "%s", lang);
	return c;
}

static void test_recipients(void **state)
{
	(void)state;
	struct tc_sms_batch *b = tc_sms_batch_new("86");
	struct tc_contact cs[] = {
		contact("138 2200 1001", "信息员", "120116001001", "zh-CN"),
		contact("+86 138-2200-1001", "信息员", "120116001001", "zh-CN"),   /* the same number */
		contact("008613822001001", "official", "120116", "zh-CN"),        /* again, with 00 */
		contact("022 2530 0001", "official", "120116", "zh-CN"),           /* a trunk number */
		contact("+44 20 7946 0958", "official", "120116", "en-GB"),
		contact("12345", "official", "120116", "zh-CN"),                   /* not a number */
		contact("call me", "official", "120116", "zh-CN"),
	};
	enum tc_sms_add want[] = { TC_SMS_ADDED, TC_SMS_DUPLICATE, TC_SMS_DUPLICATE, TC_SMS_ADDED, TC_SMS_ADDED,
				   TC_SMS_BAD_NUMBER, TC_SMS_BAD_NUMBER };
	for (size_t i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		assert_int_equal(tc_sms_batch_add(b, &cs[i]), want[i]);
	assert_int_equal(tc_sms_batch_count(b), 3);
	assert_string_equal(tc_sms_batch_get(b, 0)->phone, "+8613822001001");
	assert_string_equal(tc_sms_batch_get(b, 0)->role, "信息员"); /* the first wins */
	assert_string_equal(tc_sms_batch_get(b, 1)->phone, "+862225300001");
	assert_string_equal(tc_sms_batch_get(b, 2)->phone, "+442079460958");
	assert_int_equal(tc_sms_batch_duplicates(b), 2);
	assert_int_equal(tc_sms_batch_bad(b), 2);
	assert_null(tc_sms_batch_get(b, 3));
	tc_sms_batch_free(b);

	/* another default country code; and many numbers (the set grows) */
	b = tc_sms_batch_new("852");
	struct tc_contact c = contact("13800000000", "official", "810000", "zh-HK");
	for (int i = 0; i < 50000; i++) {
		snprintf(c.phone, sizeof(c.phone), "1%010d", i % 30000);
		tc_sms_batch_add(b, &c);
	}
	assert_int_equal(tc_sms_batch_count(b), 30000);
	assert_int_equal(tc_sms_batch_duplicates(b), 20000);
	assert_string_equal(tc_sms_batch_get(b, 0)->phone, "+85210000000000");
	tc_sms_batch_free(b);
}

static void test_texts(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char *two = fixture_with("</info>\n", "</info>\n<info><language>en-US</language><category>Met</category>"
				 "<event>Typhoon</event><urgency>Expected</urgency><severity>Severe</severity>"
				 "<certainty>Likely</certainty><headline>Typhoon orange warning</headline>"
				 "<instruction>Go to a shelter.</instruction>"
				 "<parameter><valueName>COLOUR</valueName><value>ORANGE</value></parameter>"
				 "<area><areaDesc>Binhai</areaDesc></area></info>\n");
	assert_int_equal(fixture_check(two, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	struct tc_sms_texts t;
	assert_int_equal(tc_sms_texts_build(a, 3, &t, NULL), TC_OK);
	assert_int_equal(t.n, 2);
	assert_int_equal(t.colour, TC_CAP_COLOUR_ORANGE);
	assert_non_null(strstr(t.v[0].text, "台风橙色预警"));
	assert_non_null(strstr(t.v[1].text, "Typhoon"));
	assert_int_equal(tc_sms_texts_pick(&t, "zh-CN"), 0);
	assert_int_equal(tc_sms_texts_pick(&t, "en-GB"), 1); /* the same primary language */
	assert_int_equal(tc_sms_texts_pick(&t, "fr"), 0);    /* else the first */
	assert_int_equal(tc_sms_texts_pick(&t, ""), 0);
	assert_true(t.v[1].segments >= 1 && t.v[1].segments <= 3);

	char *esc = tc_sms_escalation_text("zh-CN", "120116001009", "4821", t.v[0].text, 2);
	assert_non_null(strstr(esc, "120116001009"));
	assert_non_null(strstr(esc, "收到 4821"));
	assert_non_null(strstr(esc, "ACK 4821"));
	assert_true(tc_sms_count_segments(esc, strlen(esc), false, NULL) <= 2);
	free(esc);
	esc = tc_sms_escalation_text("en-US", "120116001009", "4821", t.v[1].text, 3);
	assert_non_null(strstr(esc, "Reply ACK 4821 to confirm"));
	free(esc);
	tc_sms_texts_release(&t);
	tc_cap_alert_free(a);
	free(two);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	tc_csv_field(f, "+8613800000001", false);
	tc_csv_field(f, "a, \"quoted\" text", false);
	tc_csv_field(f, "2", true);
	fclose(f);
	assert_string_equal(buf, "+8613800000001,\"a, \"\"quoted\"\" text\",2\n");
	free(buf);
}

/* --- the store side ------------------------------------------------------------------------ */

static struct tc_store *store_with_alert(char id[17])
{
	struct tc_store *s = NULL;
	struct tc_cap_alert *a = NULL;
	bool dup = false;
	assert_int_equal(fixture_store_dir(), 0);
	assert_int_equal(tc_store_open(fixture_db, &s, NULL), TC_OK);
	assert_int_equal(tc_store_schema_version(s), TC_STORE_SCHEMA_VERSION);
	assert_int_equal(fixture_check(fixture_alert, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(s, a, FIXTURE_NOW, id, &dup, NULL), TC_OK);
	tc_cap_alert_free(a);
	return s;
}

static enum tc_sms_pick take_all(const char *phone, void *user)
{
	(void)phone;
	(void)user;
	return TC_SMS_PICK_TAKE;
}

static void count_part(const struct tc_sms_part *p, void *user)
{
	long *n = user;
	assert_string_equal(p->msg.text, "台风橙色预警");
	(*n)++;
}

static void copy(const struct tc_sms_row *r, void *user)
{
	*(struct tc_sms_row *)user = *r;
}

struct escs {
	int64_t ids[16];
	size_t n;
};

static void on_esc(const struct tc_sms_escalation *e, void *user)
{
	struct escs *es = user;
	es->ids[es->n++] = e->id;
}

struct villages {
	char text[512];
};

static void on_village(const struct tc_sms_village *v, void *user)
{
	struct villages *vs = user;
	size_t n = strlen(vs->text);
	if (v->officer)
		snprintf(vs->text + n, sizeof(vs->text) - n, "%s:%s:%s:%s:%d;", v->region, v->receivers, v->officer->phone,
			 v->officer->state, v->officer->confirmed_at > 0);
	else
		snprintf(vs->text + n, sizeof(vs->text) - n, "%s:%s:-;", v->region, v->receivers);
}

static void test_store(void **state)
{
	(void)state;
	char id[17];
	struct tc_store *s = store_with_alert(id);
	struct tc_sms_row r = { .text = "台风橙色预警", .parts = 2, .batch = 0 };
	snprintf(r.alert_id, sizeof(r.alert_id), "%s", id);
	snprintf(r.phone, sizeof(r.phone), "+8613800100009");
	snprintf(r.purpose, sizeof(r.purpose), "escalation");
	snprintf(r.region, sizeof(r.region), "120116001009");
	snprintf(r.code, sizeof(r.code), "4821");
	bool added = false;
	int64_t mid = 0;
	assert_int_equal(tc_store_sms_add(s, &r, 100, &added, &mid), TC_OK);
	assert_true(added);
	assert_int_equal(tc_store_sms_add(s, &r, 100, &added, NULL), TC_OK);
	assert_false(added); /* queued once */
	snprintf(r.purpose, sizeof(r.purpose), "policy");
	snprintf(r.code, sizeof(r.code), "5555");
	assert_int_equal(tc_store_sms_add(s, &r, 101, &added, NULL), TC_OK);
	assert_true(added); /* the same phone for another purpose */

	long n = 0, counts[TC_STORE_SMS_N_STATES], total, confirmed;
	assert_int_equal(tc_store_sms_take_parts(s, 3, take_all, count_part, &n), TC_OK);
	assert_int_equal(n, 0); /* the alert is not being delivered yet */
	assert_int_equal(tc_store_set_alert_state(s, id, TC_ALERT_DISPATCHING, 100), TC_OK);
	assert_int_equal(tc_store_sms_take_parts(s, 3, take_all, count_part, &n), TC_OK);
	assert_int_equal(n, 3);
	assert_int_equal(tc_store_sms_parts_in(s, mid, "sending"), 2);
	assert_int_equal(tc_store_sms_requeue(s, &n), TC_OK); /* as at a restart */
	assert_int_equal(n, 3);
	assert_int_equal(tc_store_sms_parts_in(s, mid, "queued"), 2);

	assert_int_equal(tc_store_sms_part_set(s, mid, 0, "submitted", "sim1"), TC_OK);
	assert_int_equal(tc_store_sms_part_set(s, mid, 1, "submitted", "sim2"), TC_OK);
	int64_t found = 0;
	long seq = -1;
	assert_int_equal(tc_store_sms_part_find(s, "sim2", &found, &seq), TC_OK);
	assert_int_equal(found, mid);
	assert_int_equal(seq, 1);
	assert_int_equal(tc_store_sms_part_find(s, "nope", &found, &seq), TC_ERR_NOTFOUND);

	assert_int_equal(tc_store_sms_set_state(s, mid, "submitted", 200, 150), TC_OK);
	struct tc_sms_row got;
	assert_int_equal(tc_store_sms_get(s, mid, copy, &got), TC_OK);
	assert_string_equal(got.state, "submitted");
	assert_int_equal(got.due_at, 200);
	assert_int_equal(tc_store_sms_get(s, 9999, copy, &got), TC_ERR_NOTFOUND);

	/* a reply: by code (sent or not: the caller refuses the unsent), or the latest sent (escalations first) */
	int64_t target = 0, sent_at = -1;
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100009", "4821", 0, &target, &sent_at), TC_OK);
	assert_int_equal(sent_at, 0); /* never accepted by the SMSC */
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100009", NULL, 0, &target, &sent_at), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_sms_mark_sent(s, mid, 140), TC_OK);
	assert_int_equal(tc_store_sms_mark_sent(s, mid, 145), TC_OK); /* the first time counts */
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100009", "4821", 0, &target, &sent_at), TC_OK);
	assert_int_equal(target, mid);
	assert_int_equal(sent_at, 140);
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100009", "4822", 0, &target, &sent_at), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100009", "", 0, &target, &sent_at), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100009", NULL, 141, &target, &sent_at), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100009", NULL, 0, &target, &sent_at), TC_OK);
	assert_int_equal(target, mid);
	assert_int_equal(tc_store_sms_reply_target(s, "+8613800100001", NULL, 0, &target, &sent_at), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_sms_confirm(s, mid, "收到", 300), TC_OK);
	assert_int_equal(tc_store_sms_confirm(s, mid, "1", 301), TC_OK); /* the first reply wins */
	assert_int_equal(tc_store_sms_counts(s, id, counts, &total, &confirmed), TC_OK);
	assert_int_equal(total, 2);
	assert_int_equal(confirmed, 1);
	assert_int_equal(counts[0], 1); /* queued */
	assert_int_equal(counts[1], 1); /* submitted */

	/* an escalated village: its officer is the escalation message above */
	assert_int_equal(tc_store_put_escalation(s, id, "sim-00009", "120116001009", "no receipt", 100), TC_OK);
	assert_int_equal(tc_store_put_escalation(s, id, "sim-00019", "120116001019", "no receipt", 100), TC_OK);
	struct escs es = { 0 };
	assert_int_equal(tc_store_sms_escalations(s, FIXTURE_NOW, 10, on_esc, &es), TC_OK);
	assert_int_equal(es.n, 2);
	assert_int_equal(tc_store_sms_escalation_handled(s, es.ids[0]), TC_OK);
	es.n = 0;
	assert_int_equal(tc_store_sms_escalations(s, FIXTURE_NOW, 10, on_esc, &es), TC_OK);
	assert_int_equal(es.n, 1);
	assert_int_equal(tc_store_sms_set_state(s, mid, "delivered", 0, 160), TC_OK);
	struct villages vs = { 0 };
	assert_int_equal(tc_store_sms_each_village(s, id, on_village, &vs), TC_OK);
	assert_string_equal(vs.text, "120116001009:sim-00009:+8613800100009:delivered:1;120116001019:sim-00019:-;");
	tc_store_close(s);
	fixture_store_remove();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_recipients),
		cmocka_unit_test(test_texts),
		cmocka_unit_test(test_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
