/* test_store_dispatch.c — what dispatch and tracking keep: payloads, audio, retained topics,
 * the alerts with work, expiry, finishing, liveness, escalations. */
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
#include "delivery_fixture.h"
#include "tc_store_sms.h"

#define NOW 1000000

static struct tc_store *store;
static char alert_id[17];

static int setup(void **state)
{
	(void)state;
	return fixture_planned_store(&store, alert_id, NOW);
}

static int teardown(void **state)
{
	(void)state;
	tc_store_close(store);
	fixture_store_remove();
	return 0;
}

static void add_id(const struct tc_alert_brief *b, void *user)
{
	snprintf(user, 17, "%s", b->id);
}

static void count_topic(const char *topic, void *user)
{
	(void)topic;
	(*(int *)user)++;
}

static void count_audio(const char *id, const void *data, size_t len, void *user)
{
	assert_string_equal(id, "x-zh-CN");
	assert_int_equal(len, 3);
	assert_memory_equal(data, "ogg", 3);
	(*(int *)user)++;
}

static void test_payload_audio_and_topics(void **state)
{
	(void)state;
	unsigned char *p = NULL;
	size_t len = 0;
	int n = 0;
	char found[17] = "";
	assert_int_equal(tc_store_get_payload(store, alert_id, &p, &len), TC_ERR_NOTFOUND);
	/* planned, no payload yet: work for dispatch (the render) */
	assert_int_equal(tc_store_alerts_to_dispatch(store, add_id, found), TC_OK);
	assert_string_equal(found, alert_id);
	assert_int_equal(tc_store_set_payload(store, alert_id, "sealed!", 7, 42), TC_OK);
	assert_int_equal(tc_store_set_payload(store, "0000000000000000", "x", 1, 1), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_get_payload(store, alert_id, &p, &len), TC_OK);
	assert_int_equal(len, 7);
	assert_memory_equal(p, "sealed!", 7);
	free(p);
	assert_int_equal(tc_store_put_audio(store, "x-zh-CN", alert_id, "zh-CN", "ogg-opus", "00", 1200, "ogg", 3), TC_OK);
	assert_int_equal(tc_store_each_audio(store, alert_id, count_audio, &n), TC_OK);
	assert_int_equal(n, 1);
	/* guidance audio: kept by its words, for every alert */
	struct tc_guidance_audio ga;
	unsigned char *gd = NULL;
	size_t gl = 0;
	assert_int_equal(tc_store_get_guidance_audio(store, "g-0123456789abcdef", &ga), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_put_guidance_audio(store, "g-0123456789abcdef", "zh-CN", "请前往甲避难场所。", "ogg-opus",
						     "ab", 2100, "OggS!", 5, NOW), TC_OK);
	assert_int_equal(tc_store_get_guidance_audio(store, "g-0123456789abcdef", &ga), TC_OK);
	assert_string_equal(ga.lang, "zh-CN");
	assert_string_equal(ga.sha256, "ab");
	assert_int_equal(ga.duration_ms, 2100);
	assert_int_equal(ga.length, 5);
	assert_int_equal(tc_store_get_guidance_data(store, "g-0123456789abcdef", &gd, &gl), TC_OK);
	assert_int_equal(gl, 5);
	assert_memory_equal(gd, "OggS!", 5);
	free(gd);
	assert_int_equal(tc_store_get_guidance_data(store, "g-ffffffffffffffff", &gd, &gl), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_add_published(store, alert_id, "tocsin/v1/region/120116/alert/x"), TC_OK);
	assert_int_equal(tc_store_add_published(store, alert_id, "tocsin/v1/region/120116/alert/x"), TC_OK); /* once */
	n = 0;
	assert_int_equal(tc_store_each_published(store, alert_id, count_topic, &n), TC_OK);
	assert_int_equal(n, 1);
	/* Not ended: nothing to clear. Cancelled: its retained topics must go. */
	found[0] = '\0';
	assert_int_equal(tc_store_alerts_to_clear(store, add_id, found), TC_OK);
	assert_string_equal(found, "");
	long cancelled = 0;
	assert_int_equal(tc_store_close_alert(store, alert_id, TC_ALERT_CANCELLED, NOW, &cancelled), TC_OK);
	assert_int_equal(cancelled, 2);
	assert_int_equal(tc_store_alerts_to_clear(store, add_id, found), TC_OK);
	assert_string_equal(found, alert_id);
	assert_int_equal(tc_store_clear_published(store, alert_id), TC_OK);
	found[0] = '\0';
	assert_int_equal(tc_store_alerts_to_clear(store, add_id, found), TC_OK);
	assert_string_equal(found, "");
}

static void test_rows_carry_the_receiver(void **state)
{
	(void)state;
	struct tc_delivery_row r;
	assert_int_equal(tc_store_get_delivery(store, alert_id, "b", "mqtt", &r), TC_OK);
	assert_string_equal(r.region, "120116001002");
	assert_string_equal(r.kind, "signage");
	assert_int_equal(tc_store_get_delivery(store, alert_id, "c", "mqtt", &r), TC_ERR_NOTFOUND);
	struct tc_delivery_row st;
	assert_int_equal(tc_store_get_delivery(store, alert_id, "b", "mqtt", &r), TC_OK);
	assert_int_equal(tc_store_get_delivery_state(store, alert_id, "b", "mqtt", &st), TC_OK);
	assert_string_equal(st.state, r.state);
	assert_int_equal(st.attempts, r.attempts);
	assert_int_equal(st.due_at, r.due_at);
	assert_int_equal(st.rowid, r.rowid);
	assert_string_equal(st.region, "");
	assert_int_equal(tc_store_get_delivery_state(store, alert_id, "c", "mqtt", &st), TC_ERR_NOTFOUND);
	char kind[16], region[16];
	assert_int_equal(tc_store_receiver_info(store, "c", kind, region), TC_OK);
	assert_string_equal(region, "120116002001");
	assert_int_equal(tc_store_receiver_info(store, "zz", kind, region), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_count_region(store, "120116"), 3);
	assert_int_equal(tc_store_count_region(store, "120116001"), 2);
	assert_int_equal(tc_store_count_region(store, "1201160010"), 2);
	assert_int_equal(tc_store_count_region(store, "120110"), 0);
}

/* An update finds a row read from the store by its rowid; a rowid that holds another delivery, or
 * none, never changes the wrong row: the row is found by its key. */
static void test_update_by_rowid_or_key(void **state)
{
	(void)state;
	struct tc_delivery_row a, b, got;
	assert_int_equal(tc_store_get_delivery(store, alert_id, "a", "mqtt", &a), TC_OK);
	assert_int_equal(tc_store_get_delivery(store, alert_id, "b", "mqtt", &b), TC_OK);
	assert_true(a.rowid > 0 && b.rowid > 0 && a.rowid != b.rowid);
	char was_b[16];
	snprintf(was_b, sizeof(was_b), "%s", b.state);
	snprintf(a.state, sizeof(a.state), "received");
	a.due_at = NOW + 60;
	assert_int_equal(tc_store_update_delivery(store, &a, NULL, NOW), TC_OK);
	assert_int_equal(tc_store_get_delivery(store, alert_id, "a", "mqtt", &got), TC_OK);
	assert_string_equal(got.state, "received");
	assert_int_equal(got.due_at, NOW + 60);
	a.rowid = b.rowid; /* b's row: its key does not match, so a is found by key */
	snprintf(a.state, sizeof(a.state), "played");
	a.due_at = 0;
	assert_int_equal(tc_store_update_delivery(store, &a, NULL, NOW), TC_OK);
	assert_int_equal(tc_store_get_delivery(store, alert_id, "a", "mqtt", &got), TC_OK);
	assert_string_equal(got.state, "played");
	assert_int_equal(tc_store_get_delivery(store, alert_id, "b", "mqtt", &got), TC_OK);
	assert_string_equal(got.state, was_b);
	a.rowid = 1000000; /* no row at all */
	snprintf(a.state, sizeof(a.state), "sent");
	a.due_at = NOW + 30;
	assert_int_equal(tc_store_update_delivery(store, &a, "again", NOW), TC_OK);
	assert_int_equal(tc_store_get_delivery(store, alert_id, "a", "mqtt", &got), TC_OK);
	assert_string_equal(got.state, "sent");
	assert_int_equal(got.due_at, NOW + 30);
}

static void test_liveness_acks_escalations(void **state)
{
	(void)state;
	assert_int_equal(tc_store_count_online(store), 0);
	assert_int_equal(tc_store_receiver_seen(store, "a", true, NOW), TC_OK);
	assert_int_equal(tc_store_receiver_seen(store, "ghost", true, NOW), TC_ERR_NOTFOUND);
	assert_int_equal(tc_store_count_online(store), 1);
	assert_int_equal(tc_store_receiver_seen(store, "a", false, NOW + 5), TC_OK);
	assert_int_equal(tc_store_count_online(store), 0);
	assert_int_equal(tc_store_put_ack(store, alert_id, "a", "played", NULL, NOW), TC_OK);
	assert_int_equal(tc_store_ack_count(store, alert_id), 1);
	assert_int_equal(tc_store_put_escalation(store, alert_id, "a", "120116001001", "no receipt", NOW), TC_OK);
	assert_int_equal(tc_store_put_escalation(store, alert_id, "a", "120116001001", "no receipt", NOW), TC_OK);
	assert_int_equal(tc_store_escalation_count(store, alert_id), 1); /* once per village receiver */
}

static void test_expire_and_finish(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char id[17], msg_type[16];
	bool dup;
	long n = -1;
	enum tc_alert_state st;
	int64_t expires;
	const char targets[1][64] = { "c" };
	char *xml = fixture_replace(fixture_alert, "<identifier>", "<identifier>2");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(store, id, targets, 1, "mqtt", NOW), TC_OK);
	assert_int_equal(tc_store_set_alert_state(store, id, TC_ALERT_DISPATCHING, NOW), TC_OK);
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	assert_string_equal(msg_type, "Alert");
	assert_int_equal(st, TC_ALERT_DISPATCHING);
	assert_true(expires > 0);
	/* an open delivery: not finished */
	assert_int_equal(tc_store_finish_alerts(store, NOW, &n), TC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(tc_store_expire_alerts(store, expires - 1, &n), TC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(tc_store_expire_alerts(store, expires, &n), TC_OK);
	assert_int_equal(n, 1);
	struct tc_delivery_row r;
	assert_int_equal(tc_store_get_delivery(store, id, "c", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "expired");
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	assert_int_equal(st, TC_ALERT_EXPIRED);
	/* an expiry the alert has is kept; one without gets its payload's */
	int64_t before = expires;
	assert_int_equal(tc_store_set_default_expiry(store, id, NOW + 5), TC_OK);
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	assert_int_equal(expires, before);
	tc_cap_alert_free(a);
	a = NULL;
	char *other = fixture_replace(xml, "<identifier>2", "<identifier>3");
	char *no_exp = fixture_replace(other, "<expires>2026-08-13T18:00:00+08:00</expires>", "");
	free(other);
	assert_int_equal(fixture_check(no_exp, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	assert_int_equal(expires, 0);
	assert_int_equal(tc_store_set_default_expiry(store, id, NOW + 5), TC_OK);
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	assert_int_equal(expires, NOW + 5);
	free(no_exp);
	tc_cap_alert_free(a);
	free(xml);
}

/* Publishing moves every planned row to sent at once; receipts, or the end of waiting, empty the wait. */
static void test_move_and_awaiting(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	struct tc_delivery_row r;
	char id[17];
	bool dup;
	const char targets[2][64] = { "a", "b" };
	char *xml = fixture_replace(fixture_alert, "<identifier>", "<identifier>3");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(store, id, targets, 2, "mqtt", NOW), TC_OK);
	assert_int_equal(tc_store_awaiting_receipt(store, id), 2);
	assert_int_equal(tc_store_move_deliveries(store, id, "planned", "sent", 1, NOW + 60, NOW), TC_OK);
	assert_int_equal(tc_store_awaiting_receipt(store, id), 2);
	assert_int_equal(tc_store_get_delivery(store, id, "b", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "sent");
	assert_int_equal(r.attempts, 1);
	assert_int_equal(r.due_at, NOW + 60);
	assert_int_equal(tc_store_move_deliveries(store, id, "planned", "sent", 1, NOW + 60, NOW), TC_OK); /* none left */
	snprintf(r.state, sizeof(r.state), "received");
	assert_int_equal(tc_store_update_delivery(store, &r, NULL, NOW), TC_OK);
	assert_int_equal(tc_store_awaiting_receipt(store, id), 1);
	assert_int_equal(tc_store_get_delivery(store, id, "a", "mqtt", &r), TC_OK);
	snprintf(r.state, sizeof(r.state), "escalated");
	assert_int_equal(tc_store_update_delivery(store, &r, NULL, NOW), TC_OK);
	assert_int_equal(tc_store_awaiting_receipt(store, id), 0);
	assert_int_equal(tc_store_awaiting_receipt(store, "0000000000000000"), 0);
	tc_cap_alert_free(a);
	free(xml);
}

struct unsettled {
	char seen[8][128];
	size_t n;
};

static void add_unsettled(const struct tc_delivery_row *r, void *user)
{
	struct unsettled *u = user;
	if (u->n < 8)
		snprintf(u->seen[u->n++], sizeof(u->seen[0]), "%s %s %s", r->alert_id, r->target, r->state);
}

static void set_state(const char *id, const char *target, const char *state, long attempts)
{
	struct tc_delivery_row r;
	assert_int_equal(tc_store_get_delivery(store, id, target, "mqtt", &r), TC_OK);
	snprintf(r.state, sizeof(r.state), "%s", state);
	r.attempts = attempts;
	assert_int_equal(tc_store_update_delivery(store, &r, NULL, NOW), TC_OK);
}

/* What a late acknowledgment may still change: deliveries sent at least once, not yet played,
 * displayed, failed or rejected, of alerts being delivered (or done) and not expired. */
static void test_unsettled(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char id[17], want[128];
	bool dup;
	const char targets[3][64] = { "a", "b", "c" };
	char *xml = fixture_replace(fixture_alert, "<identifier>", "<identifier>4");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(store, id, targets, 3, "mqtt", NOW), TC_OK);
	struct unsettled u = { 0 };
	/* planned: nothing was sent, so nothing can come back */
	assert_int_equal(tc_store_set_alert_state(store, id, TC_ALERT_DISPATCHING, NOW), TC_OK);
	assert_int_equal(tc_store_each_unsettled(store, NOW, add_unsettled, &u), TC_OK);
	assert_int_equal(u.n, 0);
	set_state(id, "a", "received", 1);
	set_state(id, "b", "escalated", 2);
	set_state(id, "c", "played", 1);
	assert_int_equal(tc_store_each_unsettled(store, NOW, add_unsettled, &u), TC_OK);
	assert_int_equal(u.n, 2);
	snprintf(want, sizeof(want), "%s a received", id);
	assert_string_equal(u.seen[0], want);
	snprintf(want, sizeof(want), "%s b escalated", id);
	assert_string_equal(u.seen[1], want);
	/* done alerts still count; ended or expired ones do not */
	u.n = 0;
	assert_int_equal(tc_store_set_alert_state(store, id, TC_ALERT_DONE, NOW), TC_OK);
	assert_int_equal(tc_store_each_unsettled(store, NOW, add_unsettled, &u), TC_OK);
	assert_int_equal(u.n, 2);
	u.n = 0;
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires;
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	assert_int_equal(tc_store_each_unsettled(store, expires, add_unsettled, &u), TC_OK);
	assert_int_equal(u.n, 0);
	assert_int_equal(tc_store_set_alert_state(store, id, TC_ALERT_CANCELLED, NOW), TC_OK);
	assert_int_equal(tc_store_each_unsettled(store, NOW, add_unsettled, &u), TC_OK);
	assert_int_equal(u.n, 0);
	tc_cap_alert_free(a);
	free(xml);
}

static void count_row(const struct tc_delivery_row *r, void *user)
{
	(void)r;
	(*(int *)user)++;
}

struct listed {
	const char *id;
	bool seen;
};

static void find_id(const struct tc_alert_brief *b, void *user)
{
	struct listed *l = user;
	l->seen |= !strcmp(b->id, l->id);
}

/* A target that could not be published to is failed, never sent (attempts 0): final, nothing
 * re-sends it, asks it again or waits for it, and its alert is no longer one to dispatch. */
static void test_unpublishable_target_settled(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	struct tc_delivery_row r;
	char id[17];
	bool dup;
	int pending = 0;
	const char targets[2][64] = { "a", "b" };
	char *xml = fixture_replace(fixture_alert, "<identifier>", "<identifier>5");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(store, id, targets, 2, "mqtt", NOW), TC_OK);
	assert_int_equal(tc_store_set_alert_state(store, id, TC_ALERT_DISPATCHING, NOW), TC_OK);
	struct listed l = { id, false };
	assert_int_equal(tc_store_alerts_to_dispatch(store, find_id, &l), TC_OK);
	assert_true(l.seen); /* planned deliveries: to dispatch */
	set_state(id, "a", "failed", 0);
	set_state(id, "b", "sent", 1);
	assert_int_equal(tc_store_get_delivery_state(store, id, "a", "mqtt", &r), TC_OK);
	assert_string_equal(r.state, "failed");
	assert_int_equal(r.attempts, 0); /* what tells tocsind it was never sent */
	assert_int_equal(tc_store_receiver_pending(store, "a", NOW, count_row, &pending), TC_OK);
	assert_int_equal(pending, 0);
	assert_int_equal(tc_store_receiver_pending(store, "b", NOW, count_row, &pending), TC_OK);
	assert_int_equal(pending, 1);
	l.seen = false;
	assert_int_equal(tc_store_alerts_to_dispatch(store, find_id, &l), TC_OK);
	assert_false(l.seen);
	set_state(id, "b", "played", 1);
	long done = 0;
	assert_int_equal(tc_store_finish_alerts(store, NOW, &done), TC_OK);
	assert_true(done >= 1);
	char msg_type[16];
	enum tc_alert_state st;
	int64_t expires;
	assert_int_equal(tc_store_alert_brief(store, id, msg_type, &st, &expires), TC_OK);
	assert_int_equal(st, TC_ALERT_DONE);
	tc_cap_alert_free(a);
	free(xml);
}

/* An officer's reply in village 120116001001 confirms a, escalated there. */
/* The officer of region at phone was sent alert id's escalation SMS and replied. */
static void officer_confirms(const char *id, const char *phone, const char *region)
{
	struct tc_sms_row m = { .text = "台风橙色预警", .parts = 1 };
	int64_t mid = 0;
	bool added = false;
	snprintf(m.alert_id, sizeof(m.alert_id), "%s", id);
	snprintf(m.phone, sizeof(m.phone), "%s", phone);
	snprintf(m.purpose, sizeof(m.purpose), "escalation");
	snprintf(m.region, sizeof(m.region), "%s", region);
	assert_int_equal(tc_store_sms_add(store, &m, NOW, &added, &mid), TC_OK);
	assert_int_equal(tc_store_sms_confirm(store, mid, "收到", NOW + 1), TC_OK);
}

static void confirm_village_of_a(const char *id)
{
	officer_confirms(id, "+8613800100001", "120116001001");
}

/* An officer answers for the villages under their region, of whatever length its code: a town's
 * officer for its villages, not for another town's; a code longer than the village's, for none. */
static void test_coverage_by_region_prefix(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char id[17];
	bool dup;
	long targets = -1, covered = -1;
	const char targets_of[3][64] = { "a", "b", "c" };
	static const char *const villages[] = { "120116001001", "120116002005", "120116003001" };
	char *xml = fixture_replace(fixture_alert, "<identifier>", "<identifier>6");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(store, id, targets_of, 3, "mqtt", NOW), TC_OK);
	for (int i = 0; i < 3; i++) {
		set_state(id, targets_of[i], "escalated", 3);
		assert_int_equal(tc_store_put_escalation(store, id, targets_of[i], villages[i], "no receipt", NOW), TC_OK);
	}
	officer_confirms(id, "+8613800100011", "120116001");     /* a's town */
	officer_confirms(id, "+8613800100012", "12011600200");   /* b's, by a code of no standard length */
	officer_confirms(id, "+8613800100013", "120116004");     /* another town */
	officer_confirms(id, "+8613800100014", "1201160030019"); /* longer than c's village code */
	assert_int_equal(tc_store_sms_coverage(store, id, &targets, &covered), TC_OK);
	assert_int_equal(targets, 3);
	assert_int_equal(covered, 2); /* a and b */
	tc_cap_alert_free(a);
	free(xml);
}

/* Coverage with people counts each target once: a loudspeaker escalated in a village whose officer
 * confirmed, and that then played late, is one target covered, not two. */
static void test_coverage_with_people(void **state)
{
	(void)state;
	struct tc_cap_alert *a = NULL;
	char id[17];
	bool dup;
	long targets = -1, covered = -1;
	const char targets_of[2][64] = { "a", "b" };
	char *xml = fixture_replace(fixture_alert, "<identifier>", "<identifier>5");
	assert_int_equal(fixture_check(xml, TC_CAP_PROFILE_NONE, false, NULL, &a), TC_OK);
	assert_int_equal(tc_store_put_alert(store, a, NOW, id, &dup, NULL), TC_OK);
	assert_int_equal(tc_store_plan_alert(store, id, targets_of, 2, "mqtt", NOW), TC_OK);
	set_state(id, "a", "escalated", 3);
	set_state(id, "b", "sent", 1);
	assert_int_equal(tc_store_put_escalation(store, id, "a", "120116001001", "no receipt", NOW), TC_OK);
	confirm_village_of_a(id);
	assert_int_equal(tc_store_sms_coverage(store, id, &targets, &covered), TC_OK);
	assert_int_equal(targets, 2);
	assert_int_equal(covered, 1); /* a, by its officer */
	set_state(id, "a", "played", 3); /* a late played wins */
	assert_int_equal(tc_store_sms_coverage(store, id, &targets, &covered), TC_OK);
	assert_int_equal(covered, 1); /* still a alone */
	set_state(id, "b", "played", 1);
	assert_int_equal(tc_store_sms_coverage(store, id, &targets, &covered), TC_OK);
	assert_int_equal(targets, 2);
	assert_int_equal(covered, 2); /* 100 %, never more */
	assert_int_equal(tc_store_sms_coverage(store, "0000000000000000", &targets, &covered), TC_OK);
	assert_int_equal(targets, 0);
	assert_int_equal(covered, 0);
	tc_cap_alert_free(a);
	free(xml);
}

/* A run is clean when its "start" in the audit log has a "stop" after it. */
static void test_last_run(void **state)
{
	(void)state;
	bool clean = false;
	int64_t started = -1;
	assert_int_equal(tc_store_last_run(store, &clean, &started), TC_OK);
	assert_true(clean); /* never run */
	assert_int_equal(started, 0);
	assert_int_equal(tc_store_audit(store, NOW, "system", "start", NULL, "127.0.0.1:8080"), TC_OK);
	assert_int_equal(tc_store_audit(store, NOW + 1, "api", "accepted", alert_id, NULL), TC_OK);
	assert_int_equal(tc_store_last_run(store, &clean, &started), TC_OK);
	assert_false(clean);
	assert_int_equal(started, NOW);
	assert_int_equal(tc_store_audit(store, NOW + 2, "system", "stop", NULL, NULL), TC_OK);
	assert_int_equal(tc_store_audit(store, NOW + 3, "dispatch", "published", alert_id, NULL), TC_OK);
	assert_int_equal(tc_store_last_run(store, &clean, &started), TC_OK);
	assert_true(clean);
	assert_int_equal(started, 0);
	assert_int_equal(tc_store_audit(store, NOW + 10, "system", "start", NULL, NULL), TC_OK);
	assert_int_equal(tc_store_last_run(store, &clean, &started), TC_OK);
	assert_false(clean);
	assert_int_equal(started, NOW + 10);
}

static void note_alert(const char *id, void *user)
{
	char *seen = user;
	strncat(seen, id ? id : "*", 200 - strlen(seen));
	strncat(seen, " ", 200 - strlen(seen));
}

/* Which alerts changed: noted while watching, whatever wrote the rows; each read once; off forgets. */
static void test_change_watching(void **state)
{
	(void)state;
	char seen[201] = "", want[64];
	struct tc_delivery_row r;
	assert_int_equal(tc_store_changed_alerts(store, note_alert, seen), TC_OK);
	assert_string_equal(seen, ""); /* not watching: nothing */
	assert_int_equal(tc_store_watch(store, true), TC_OK);
	assert_int_equal(tc_store_changed_alerts(store, note_alert, seen), TC_OK);
	assert_string_equal(seen, "");
	assert_int_equal(tc_store_get_delivery(store, alert_id, "a", "mqtt", &r), TC_OK);
	snprintf(r.state, sizeof(r.state), "played");
	assert_int_equal(tc_store_update_delivery(store, &r, NULL, NOW + 1), TC_OK);
	assert_int_equal(tc_store_update_delivery(store, &r, NULL, NOW + 2), TC_OK); /* the same row twice */
	assert_int_equal(tc_store_receiver_seen(store, "b", true, NOW), TC_OK);  /* not a watched table */
	assert_int_equal(tc_store_changed_alerts(store, note_alert, seen), TC_OK);
	snprintf(want, sizeof(want), "%s ", alert_id);
	assert_string_equal(seen, want);
	seen[0] = '\0';
	assert_int_equal(tc_store_changed_alerts(store, note_alert, seen), TC_OK);
	assert_string_equal(seen, ""); /* forgotten once read */
	assert_int_equal(tc_store_put_escalation(store, alert_id, "b", "120116001002", "no receipt", NOW), TC_OK);
	assert_int_equal(tc_store_watch(store, false), TC_OK);
	assert_int_equal(tc_store_watch(store, true), TC_OK);
	assert_int_equal(tc_store_changed_alerts(store, note_alert, seen), TC_OK);
	assert_string_equal(seen, ""); /* turning it off forgot the escalation */
	long n = 0;
	assert_int_equal(tc_store_close_alert(store, alert_id, TC_ALERT_CANCELLED, NOW + 3, &n), TC_OK);
	assert_int_equal(tc_store_changed_alerts(store, note_alert, seen), TC_OK);
	assert_string_equal(seen, want); /* the alert's row and its deliveries: one alert */
	assert_int_equal(tc_store_watch(store, false), TC_OK);
}

static void live_row(const struct tc_receiver *r, bool online, int64_t last_seen, void *user)
{
	char *out = user, row[96];
	snprintf(row, sizeof(row), "%s:%s:%d:%lld ", r->id, r->region, online, (long long)last_seen);
	strncat(out, row, 200 - strlen(out));
}

static void test_receivers_with_liveness(void **state)
{
	(void)state;
	char out[201] = "";
	/* b came online in the test before; c never, until it says it is offline */
	assert_int_equal(tc_store_receiver_seen(store, "a", true, NOW + 10), TC_OK);
	assert_int_equal(tc_store_receiver_seen(store, "c", false, NOW + 20), TC_OK);
	assert_int_equal(tc_store_each_receiver_live(store, live_row, out), TC_OK);
	assert_string_equal(out, "a:120116001001:1:1000010 b:120116001002:1:1000000 c:120116002001:0:1000020 ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_audio_and_topics),
		cmocka_unit_test(test_rows_carry_the_receiver),
		cmocka_unit_test(test_update_by_rowid_or_key),
		cmocka_unit_test(test_liveness_acks_escalations),
		cmocka_unit_test(test_expire_and_finish),
		cmocka_unit_test(test_move_and_awaiting),
		cmocka_unit_test(test_unsettled),
		cmocka_unit_test(test_unpublishable_target_settled),
		cmocka_unit_test(test_last_run),
		cmocka_unit_test(test_coverage_with_people),
		cmocka_unit_test(test_coverage_by_region_prefix),
	};
	/* on a store of their own: the tests above leave the alert ended */
	const struct CMUnitTest watching[] = {
		cmocka_unit_test(test_change_watching),
		cmocka_unit_test(test_receivers_with_liveness),
	};
	int failed = cmocka_run_group_tests(tests, setup, teardown);
	return failed + cmocka_run_group_tests(watching, setup, teardown);
}
