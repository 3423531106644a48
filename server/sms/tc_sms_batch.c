/*
 * tc_sms_batch.c — policy, recipients, texts and the CSV field
 * (tc_sms_batch.h). No I/O but the CSV writer's FILE.
 */
#include "tc_sms_batch.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tc_hash.h"
#include "tc_registry.h"
#include "tc_script.h"
#include "tc_vec.h"

/* --- policy ------------------------------------------------------------------------------ */

static int level_of(const char *w, size_t n)
{
	static const char *const names[] = { "none", "blue", "yellow", "orange", "red" };
	for (int i = 0; i <= TC_CAP_COLOUR_RED; i++)
		if (strlen(names[i]) == n && !strncasecmp(w, names[i], n))
			return i;
	return -1;
}

static enum tc_rc rule_parse(const char *r, size_t len, struct tc_sms_policy *out, struct tc_diags *d)
{
	const char *colon = memchr(r, ':', len);
	if (!colon || colon == r || (size_t)(colon - r) >= sizeof(out->rules[0].role) || out->n == TC_SMS_POLICY_MAX) {
		tc_err(d, "sms.policy", "sms_policy", "sms_policy: '%.*s' is not role:levels (e.g. 信息员:orange,red)",
		       (int)len, r);
		return TC_ERR_INVALID;
	}
	unsigned levels = 0;
	for (const char *p = colon + 1, *end = r + len; p < end;) {
		size_t n = strcspn(p, ",");
		if (p + n > end)
			n = (size_t)(end - p);
		int lv = level_of(p, n);
		if (n == 3 && !strncasecmp(p, "all", 3))
			levels = 0x1F;
		else if (lv >= 0)
			levels |= 1u << lv;
		else {
			tc_err(d, "sms.policy", "sms_policy",
			       "sms_policy: '%.*s' is not a level (none, blue, yellow, orange, red, all)", (int)n, p);
			return TC_ERR_INVALID;
		}
		p += n + 1;
	}
	snprintf(out->rules[out->n].role, sizeof(out->rules[0].role), "%.*s", (int)(colon - r), r);
	out->rules[out->n++].levels = levels;
	return TC_OK;
}

enum tc_rc tc_sms_policy_parse(const char *text, struct tc_sms_policy *out, struct tc_diags *d)
{
	memset(out, 0, sizeof(*out));
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, ";");
		while (n && *p == ' ')
			p++, n--;
		if (n) {
			enum tc_rc rc = rule_parse(p, n, out, d);
			if (rc)
				return rc;
		}
		p += n;
		if (*p == ';')
			p++;
	}
	return TC_OK;
}

bool tc_sms_policy_wants(const struct tc_sms_policy *p, const char *role, enum tc_cap_colour c)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->rules[i].role, role) && (p->rules[i].levels & (1u << c)))
			return true;
	return false;
}

bool tc_sms_role_in(const char *list, const char *role)
{
	size_t k = strlen(role);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == k && !strncmp(p, role, k))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

bool tc_sms_regions_nest(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	if (!na || !nb)
		return false;
	return !strncmp(a, b, na < nb ? na : nb);
}

/* --- recipients: a list with an open-addressing set of numbers ---------------------------- */

struct tc_sms_batch {
	char cc[8];
	struct tc_vec list; /* struct tc_sms_recipient, in the order added */
	uint32_t *slots;    /* index + 1 into list; 0 empty */
	size_t n_slots;
	size_t dups, bad;
};

struct tc_sms_batch *tc_sms_batch_new(const char *default_cc)
{
	struct tc_sms_batch *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	snprintf(b->cc, sizeof(b->cc), "%s", default_cc && *default_cc ? default_cc : "86");
	tc_vec_init(&b->list, sizeof(struct tc_sms_recipient));
	return b;
}

static struct tc_sms_recipient *recipient(const struct tc_sms_batch *b, size_t i)
{
	return tc_vec_at(&b->list, i);
}

void tc_sms_batch_free(struct tc_sms_batch *b)
{
	if (!b)
		return;
	tc_vec_free(&b->list);
	free(b->slots);
	free(b);
}

static uint32_t hash(const char *s)
{
	return tc_fnv1a(TC_FNV1A_INIT, s);
}

static bool grow_slots(struct tc_sms_batch *b)
{
	size_t n = b->n_slots ? b->n_slots * 2 : 1024;
	uint32_t *slots = calloc(n, sizeof(*slots));
	if (!slots)
		return false;
	for (size_t i = 0; i < b->list.n; i++) {
		size_t h = hash(recipient(b, i)->phone) & (n - 1);
		while (slots[h])
			h = (h + 1) & (n - 1);
		slots[h] = (uint32_t)(i + 1);
	}
	free(b->slots);
	b->slots = slots;
	b->n_slots = n;
	return true;
}

const char *tc_sms_add_name(enum tc_sms_add a)
{
	static const char *const names[] = { "added", "duplicate", "bad-number", "no-memory" };
	return (unsigned)a <= TC_SMS_NO_MEMORY ? names[a] : "unknown";
}

enum tc_sms_add tc_sms_batch_add(struct tc_sms_batch *b, const struct tc_contact *c)
{
	char phone[24];
	if (!tc_registry_phone(c->phone, b->cc, phone, sizeof(phone))) {
		b->bad++;
		return TC_SMS_BAD_NUMBER;
	}
	if ((b->list.n + 1) * 2 > b->n_slots && !grow_slots(b))
		return TC_SMS_NO_MEMORY;
	size_t h = hash(phone) & (b->n_slots - 1);
	for (; b->slots[h]; h = (h + 1) & (b->n_slots - 1))
		if (!strcmp(recipient(b, b->slots[h] - 1)->phone, phone)) {
			b->dups++;
			return TC_SMS_DUPLICATE;
		}
	struct tc_sms_recipient *r = tc_vec_push(&b->list);
	if (!r)
		return TC_SMS_NO_MEMORY;
	snprintf(r->phone, sizeof(r->phone), "%s", phone);
	snprintf(r->name, sizeof(r->name), "%s", c->name);
	snprintf(r->role, sizeof(r->role), "%s", c->role);
	snprintf(r->region, sizeof(r->region), "%s", c->region);
	snprintf(r->language, sizeof(r->language), "%s", c->language);
	b->slots[h] = (uint32_t)b->list.n;
	return TC_SMS_ADDED;
}

size_t tc_sms_batch_count(const struct tc_sms_batch *b)
{
	return b->list.n;
}

const struct tc_sms_recipient *tc_sms_batch_get(const struct tc_sms_batch *b, size_t i)
{
	return i < b->list.n ? recipient(b, i) : NULL;
}

size_t tc_sms_batch_duplicates(const struct tc_sms_batch *b)
{
	return b->dups;
}

size_t tc_sms_batch_bad(const struct tc_sms_batch *b)
{
	return b->bad;
}

/* --- texts -------------------------------------------------------------------------------- */

enum tc_rc tc_sms_texts_build(const struct tc_cap_alert *a, unsigned max_segments, struct tc_sms_texts *out,
			      struct tc_diags *d)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < a->n_infos && out->n < TC_SMS_MAX_LANGS; i++) {
		const struct tc_cap_info *in = &a->infos[i];
		const char *lang = in->language ? in->language : "en-US";
		enum tc_cap_colour c = tc_cap_info_colour(in);
		if (c > out->colour)
			out->colour = c;
		bool seen = false;
		for (size_t k = 0; k < out->n; k++)
			seen |= !strcasecmp(out->v[k].lang, lang);
		if (seen)
			continue;
		char *text = NULL;
		enum tc_rc rc = tc_script_sms(a, in, max_segments, &text, d);
		if (rc) {
			tc_sms_texts_release(out);
			return rc;
		}
		snprintf(out->v[out->n].lang, sizeof(out->v[0].lang), "%s", lang);
		out->v[out->n].text = text;
		out->v[out->n].segments = tc_sms_count_segments(text, strlen(text), false, NULL);
		out->n++;
	}
	if (!out->n) {
		tc_err(d, "sms.text", "alert/info", "the alert has no info block to make an SMS of");
		return TC_ERR_INVALID;
	}
	return TC_OK;
}

void tc_sms_texts_release(struct tc_sms_texts *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].text);
	memset(t, 0, sizeof(*t));
}

size_t tc_sms_texts_pick(const struct tc_sms_texts *t, const char *language)
{
	if (!language || !*language)
		return 0;
	for (size_t i = 0; i < t->n; i++)
		if (!strcasecmp(t->v[i].lang, language))
			return i;
	size_t k = strcspn(language, "-_");
	for (size_t i = 0; i < t->n; i++)
		if (strcspn(t->v[i].lang, "-_") == k && !strncasecmp(t->v[i].lang, language, k))
			return i;
	return 0;
}

/* head then as much of alert_text as fits max_segments (at a sentence end). */
static char *head_and_text(const char *head, const char *alert_text, unsigned max_segments)
{
	size_t h = strlen(head), t = alert_text ? strlen(alert_text) : 0;
	char *out = malloc(h + t + 1);
	if (!out)
		return NULL;
	memcpy(out, head, h);
	memcpy(out + h, alert_text ? alert_text : "", t);
	out[h + t] = '\0';
	out[tc_sms_fit(out, h + t, max_segments ? max_segments : 3, false)] = '\0';
	return out;
}

char *tc_sms_relay_text(const char *language, const char *region, const char *code, long minutes,
			const char *alert_text, unsigned max_segments)
{
	char head[512];
	if (language && !strncasecmp(language, "zh", 2))
		snprintf(head, sizeof(head), "【应急广播】叫应：请于%ld分钟内回复“收到 %s”或“ACK %s”确认已收到区划%s的预警，"
			 "未确认将通知下一位责任人。", minutes, code, code, region);
	else
		snprintf(head, sizeof(head), "[Warning] Reply ACK %s within %ld min to confirm you received the alert for "
			 "region %s; otherwise the next person is told. ", code, minutes, region);
	return head_and_text(head, alert_text, max_segments);
}

char *tc_sms_relay_duty_text(const char *language, const char *regions, long n_regions, const char *alert_text,
			     unsigned max_segments)
{
	size_t n = strlen(regions) + 512;
	char *head = malloc(n), *out;
	if (!head)
		return NULL;
	if (language && !strncasecmp(language, "zh", 2))
		snprintf(head, n, "【应急广播】叫应无人确认：%ld个镇村（%s）的责任人均未确认收到预警，请立即处置。", n_regions,
			 regions);
	else
		snprintf(head, n, "[Warning] Nobody confirmed the alert in %ld town(s) and village(s) (%s); act now. ",
			 n_regions, regions);
	out = head_and_text(head, alert_text, max_segments);
	free(head);
	return out;
}

char *tc_sms_escalation_text(const char *language, const char *village, const char *code, const char *alert_text,
			     unsigned max_segments)
{
	char head[512];
	if (language && !strncasecmp(language, "zh", 2))
		snprintf(head, sizeof(head), "【应急广播】回复“收到 %s”或“ACK %s”确认。区划%s的大喇叭未确认播放预警，请立即通知村民。",
			 code, code, village);
	else
		snprintf(head, sizeof(head),
			 "[Warning] Reply ACK %s to confirm. The loudspeaker of village %s did not confirm the alert; "
			 "tell the villagers now. ", code, village);
	return head_and_text(head, alert_text, max_segments);
}

