/*
 * tc_script.c — composing broadcast scripts (tc_script.h).
 */
#define _GNU_SOURCE /* strcasestr */
#include "tc_script.h"
#include "tc_sms.h"
#include "tc_vec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A script being written: once an addition fails, the rest are not made and the script is refused. */
struct text {
	struct tc_vec b; /* bytes, a C string once anything was added; NULL until then */
	bool failed;
};

static void add(struct text *t, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n && !t->failed && tc_vec_append_text(&t->b, s, n))
		t->failed = true;
}

static char *str(const struct text *t)
{
	return t->b.v;
}

/* The last byte written, 0 when none. */
static char last(const struct text *t)
{
	return t->b.n ? str(t)[t->b.n - 1] : '\0';
}

/* s with surrounding white space and inner line breaks folded to one space. */
static void add_clean(struct text *t, const char *s)
{
	char piece[2] = { 0 };
	bool space = false;
	for (const char *p = s; p && *p; p++) {
		if (*p == '\n' || *p == '\r' || *p == '\t' || *p == ' ') {
			space = t->b.n > 0;
			continue;
		}
		if (space && last(t) != ' ')
			add(t, " ");
		space = false;
		piece[0] = *p;
		add(t, piece);
	}
}

static bool ends_with_any(const struct text *t, const char *const *marks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(marks[i]);
		if (t->b.n >= l && memcmp(str(t) + t->b.n - l, marks[i], l) == 0)
			return true;
	}
	return false;
}

/* Add s as a sentence: cleaned, with a full stop when it has none. */
static void sentence(struct text *t, const char *s, bool zh)
{
	static const char *const marks[] = { "。", "！", "？", "；", ".", "!", "?", ";" };
	if (!s || !*s)
		return;
	if (!zh && t->b.n && last(t) != ' ')
		add(t, " ");
	add_clean(t, s);
	while (last(t) == ' ')
		str(t)[--t->b.n] = '\0';
	if (!ends_with_any(t, marks, sizeof(marks) / sizeof(marks[0])))
		add(t, zh ? "。" : ".");
}

bool tc_script_is_chinese(const char *lang)
{
	return lang && (strncasecmp(lang, "zh", 2) == 0 || strncasecmp(lang, "cmn", 3) == 0);
}

static bool drill(const struct tc_cap_alert *a)
{
	return a->status == TC_CAP_EXERCISE || a->status == TC_CAP_TEST;
}

static void areas(struct text *t, const struct tc_cap_info *in, const char *sep)
{
	for (size_t i = 0; i < in->n_areas; i++) {
		if (!in->areas[i].area_desc)
			continue;
		if (i)
			add(t, sep);
		add_clean(t, in->areas[i].area_desc);
	}
}

/* Whether the headline already says the event and the colour (then it is not repeated). */
static bool headline_redundant(const struct tc_cap_info *in, const char *colour)
{
	if (!in->headline)
		return true;
	return in->event && strstr(in->headline, in->event) && (!*colour || strcasestr(in->headline, colour));
}

static void compose_zh(struct text *t, const struct tc_cap_alert *a, const struct tc_cap_info *in)
{
	static const char *const verb[] = { [TC_CAP_ALERT] = "发布", [TC_CAP_UPDATE] = "更新",
					    [TC_CAP_CANCEL] = "解除" };
	const char *colour = tc_cap_colour_zh(tc_cap_info_colour(in));
	const char *v = a->msg_type <= TC_CAP_CANCEL && verb[a->msg_type] ? verb[a->msg_type] : "发布";
	if (drill(a))
		add(t, "演练信息，演练信息。");
	add(t, "请注意，请注意！");
	add_clean(t, in->sender_name ? in->sender_name : "");
	add(t, v);
	add_clean(t, in->event);
	add(t, colour);
	add(t, "预警。");
	if (in->n_areas) {
		add(t, "预警区域：");
		areas(t, in, "、");
		add(t, "。");
	}
	if (!headline_redundant(in, colour))
		sentence(t, in->headline, true);
	sentence(t, in->description, true);
	if (a->msg_type != TC_CAP_CANCEL)
		sentence(t, in->instruction, true);
	add(t, a->msg_type == TC_CAP_CANCEL ? "请相互转告。" : "请大家做好防范，并相互转告。");
	if (drill(a))
		add(t, "以上是演练信息。");
}

static void compose_en(struct text *t, const struct tc_cap_alert *a, const struct tc_cap_info *in)
{
	static const char *const verb[] = { [TC_CAP_ALERT] = " has issued a", [TC_CAP_UPDATE] = " has updated the",
					    [TC_CAP_CANCEL] = " has lifted the" };
	static const char *const colour_en[] = { "", "blue ", "yellow ", "orange ", "red " };
	enum tc_cap_colour c = tc_cap_info_colour(in);
	const char *v = a->msg_type <= TC_CAP_CANCEL && verb[a->msg_type] ? verb[a->msg_type] : verb[TC_CAP_ALERT];
	const char *next = c ? colour_en[c] : (in->event ? in->event : "");
	bool vowel = strchr("aeiouAEIOU", next[0]) != NULL && next[0];
	if (drill(a))
		add(t, "This is a drill. ");
	add(t, "Attention, attention! ");
	add_clean(t, in->sender_name ? in->sender_name : "The warning office");
	add(t, v);
	add(t, v == verb[TC_CAP_ALERT] && vowel ? "n " : " ");
	add(t, colour_en[c]);
	add_clean(t, in->event);
	add(t, " warning.");
	if (in->n_areas) {
		add(t, " Area: ");
		areas(t, in, "; ");
		add(t, ".");
	}
	if (!headline_redundant(in, c ? colour_en[c] : ""))
		sentence(t, in->headline, false);
	sentence(t, in->description, false);
	if (a->msg_type != TC_CAP_CANCEL)
		sentence(t, in->instruction, false);
	add(t, " Please pass this message on.");
	if (drill(a))
		add(t, " This was a drill.");
}

enum tc_rc tc_script_compose(const struct tc_cap_alert *a, const struct tc_cap_info *in, char **out,
			     struct tc_diags *d)
{
	struct text t = { .b = TC_VEC_OF(char) };
	*out = NULL;
	if (tc_script_is_chinese(in->language))
		compose_zh(&t, a, in);
	else if (!in->language || strncasecmp(in->language, "en", 2) == 0)
		compose_en(&t, a, in);
	else
		sentence(&t, in->description ? in->description : in->headline, false);
	if (t.failed) {
		tc_vec_free(&t.b);
		return TC_ERR_NOMEM;
	}
	if (!t.b.n) {
		tc_vec_free(&t.b);
		tc_err(d, "script.empty", "", "the info block (%s) has nothing to say: no description or headline",
		       in->language ? in->language : "en-US");
		return TC_ERR_INVALID;
	}
	*out = tc_vec_take(&t.b);
	return TC_OK;
}

/* Non-Chinese text for the engine: URLs dropped, brackets to commas, emoji dropped. */
static enum tc_rc clean_other(const char *text, char **out)
{
	struct text t = { .b = TC_VEC_OF(char) };
	const unsigned char *p = (const unsigned char *)text;
	char piece[5];
	while (*p) {
		if (!strncmp((const char *)p, "http://", 7) || !strncmp((const char *)p, "https://", 8) ||
		    !strncmp((const char *)p, "www.", 4)) {
			while (*p > 0x20)
				p++;
			continue;
		}
		size_t n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
		for (size_t i = 1; i < n; i++)
			if (!p[i])
				n = i;
		if (n == 4 && p[0] == 0xF0 && p[1] == 0x9F) { /* emoji block */
			p += n;
			continue;
		}
		if (*p == '(' || *p == ')' || *p == '[' || *p == ']') {
			add(&t, ",");
			p++;
			continue;
		}
		memcpy(piece, p, n);
		piece[n] = '\0';
		add(&t, piece);
		p += n;
	}
	if (t.failed) {
		tc_vec_free(&t.b);
		return TC_ERR_NOMEM;
	}
	*out = t.b.v ? tc_vec_take(&t.b) : strdup("");
	return *out ? TC_OK : TC_ERR_NOMEM;
}

enum tc_rc tc_script_engine_text(const char *lang, const char *text, const struct tc_lexicon *lex, char **out,
				 struct tc_diags *d)
{
	if (tc_script_is_chinese(lang))
		return tc_zh_normalise(text, lex, out, d);
	return clean_other(text, out);
}

enum tc_rc tc_script_sms(const struct tc_cap_alert *a, const struct tc_cap_info *in, unsigned max_segments,
			 char **out, struct tc_diags *d)
{
	struct text t = { .b = TC_VEC_OF(char) };
	enum tc_cap_colour c = tc_cap_info_colour(in);
	*out = NULL;
	if (tc_script_is_chinese(in->language)) {
		add(&t, drill(a) ? "【演练】" : "");
		add(&t, "【");
		add_clean(&t, in->sender_name ? in->sender_name : a->sender);
		add(&t, "】");
		add(&t, a->msg_type == TC_CAP_CANCEL ? "解除" : "");
		add_clean(&t, in->event);
		add(&t, tc_cap_colour_zh(c));
		add(&t, "预警：");
		if (!headline_redundant(in, tc_cap_colour_zh(c)))
			sentence(&t, in->headline, true);
		if (a->msg_type != TC_CAP_CANCEL)
			sentence(&t, in->instruction, true);
	} else {
		static const char *const colour_en[] = { "", "Blue ", "Yellow ", "Orange ", "Red " };
		add(&t, drill(a) ? "[DRILL] " : "");
		add(&t, "[");
		add_clean(&t, in->sender_name ? in->sender_name : a->sender);
		add(&t, "] ");
		add(&t, a->msg_type == TC_CAP_CANCEL ? "Lifted: " : "");
		add(&t, colour_en[c]);
		add_clean(&t, in->event);
		add(&t, " warning:");
		sentence(&t, in->headline, false);
		if (a->msg_type != TC_CAP_CANCEL)
			sentence(&t, in->instruction, false);
	}
	if (t.failed || !t.b.v) {
		tc_vec_free(&t.b);
		return TC_ERR_NOMEM;
	}
	size_t keep = tc_sms_fit(str(&t), t.b.n, max_segments ? max_segments : 1, false);
	if (keep == 0) {
		tc_vec_free(&t.b);
		tc_err(d, "sms.text", "", "the SMS text could not be composed");
		return TC_ERR_INVALID;
	}
	str(&t)[keep] = '\0';
	*out = tc_vec_take(&t.b);
	return TC_OK;
}
