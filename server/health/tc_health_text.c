/*
 * tc_health_text.c — the maintenance SMS texts (tc_health.h), apart from the
 * rules so that the store, which reads the rules' facts, needs no encoders.
 */
#include "tc_health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_sms.h"

static bool english(const char *lang)
{
	return lang && !strncmp(lang, "en", 2);
}

/* The problems of mask in lang, joined: "offline, self-check" or "离线、自检失败". */
static void problem_words(const char *lang, unsigned mask, char *out, size_t len)
{
	static const char *const zh[TC_HEALTH_N] = { "离线", "自检失败", "多次无应答", "时钟偏差" };
	size_t k = 0;
	out[0] = 0;
	for (int p = 0; p < TC_HEALTH_N && k < len; p++)
		if (mask & (1u << p))
			k += (size_t)snprintf(out + k, len - k, "%s%s", k ? (english(lang) ? ", " : "、") : "",
					      english(lang) ? tc_health_problem_name((enum tc_health_problem)p) : zh[p]);
}

static bool fits(const char *text, unsigned max_segments)
{
	return tc_sms_count_segments(text, strlen(text), false, NULL) <= max_segments;
}

char *tc_health_daily_text(const char *lang, const struct tc_health_item *v, size_t n, unsigned max_segments)
{
	bool en = english(lang);
	size_t cap = 4096;
	char *text = malloc(cap), *item = malloc(512), tail[160], words[96];
	size_t shown = 0;
	if (!text || !item) {
		free(text);
		free(item);
		return NULL;
	}
	snprintf(text, cap, en ? "[tocsin maintenance] %zu receiver(s) in your area are on the maintenance list:"
			       : "【tocsin维护】你负责区域内有%zu台接收终端在维护清单上：", n);
	for (; shown < n; shown++) {
		size_t k = strlen(text);
		problem_words(lang, v[shown].problems, words, sizeof(words));
		snprintf(item, 512, en ? " %s %s (%s);" : "%s %s（%s）；", v[shown].id, v[shown].name, words);
		snprintf(tail, sizeof(tail), en ? " and %zu more. Details: tocsin health." : "另有%zu台。详见 tocsin health。",
			 n - shown - 1);
		if (k + strlen(item) + strlen(tail) + 1 > cap)
			break;
		strcat(text, item);
		strcat(text, tail);
		bool ok = fits(text, max_segments);
		text[k] = 0;
		if (!ok)
			break;
		strcat(text, item);
	}
	if (shown < n)
		snprintf(tail, sizeof(tail), en ? " and %zu more. Details: tocsin health." : "另有%zu台。详见 tocsin health。",
			 n - shown);
	else
		snprintf(tail, sizeof(tail), en ? " Details: tocsin health." : "详见 tocsin health。");
	if (strlen(text) + strlen(tail) < cap)
		strcat(text, tail);
	free(item);
	return text;
}

char *tc_health_escalation_text(const char *lang, const char *id, const char *name, const char *region,
				const char *alert_id)
{
	char *text = malloc(512);
	if (!text)
		return NULL;
	if (english(lang))
		snprintf(text, 512, "[tocsin maintenance] Loudspeaker %s (%s, region %s) did not play alert %s (no answer "
			 "or a fault); the village officers were told. Please check it.", id, name, region, alert_id);
	else
		snprintf(text, 512, "【tocsin维护】广播终端 %s（%s，区划 %s）未能播放预警 %s（无应答或故障），已通知村级人员。请尽快检修。",
			 id, name, region, alert_id);
	return text;
}
