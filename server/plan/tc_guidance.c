/*
 * tc_guidance.c — when the programme ends with the way to shelter, and the
 * grouping of receivers by guidance sentence (tc_guidance.h).
 */
#include "tc_guidance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tc_sign.h"

/* Chinese events whose warning asks people to move, from this colour up. */
static const struct {
	const char *code, *name;
	enum tc_cap_colour from;
} cn_moves[] = {
	{ "11B01", "typhoon", TC_CAP_COLOUR_ORANGE },
	{ "11B03", "rainstorm", TC_CAP_COLOUR_RED },
	{ "11E02", "storm surge", TC_CAP_COLOUR_ORANGE },
};

/* Rule 1: 1 true, 0 false, -1 not said (or not readable: problem says why). */
static int explicit_param(const struct tc_cap_info *in, char *problem, size_t len)
{
	char buf[32];
	for (size_t i = 0; i < in->n_parameters; i++) {
		const struct tc_cap_pair *p = &in->parameters[i];
		if (!p->name || strcasecmp(tc_cap_trim(p->name, buf, sizeof(buf)), TC_GUIDANCE_PARAM))
			continue;
		const char *v = tc_cap_trim(p->value ? p->value : "", buf, sizeof(buf));
		if (!strcasecmp(v, "true"))
			return 1;
		if (!strcasecmp(v, "false"))
			return 0;
		if (problem && len)
			snprintf(problem, len, "parameter %s: '%s' is neither true nor false; ignored", TC_GUIDANCE_PARAM,
				 p->value ? p->value : "");
	}
	return -1;
}

static bool response_moves(const struct tc_cap_info *in, const char **why)
{
	for (size_t i = 0; i < in->n_response_types; i++) {
		const char *r = in->response_types[i];
		if (r && (!strcmp(r, "Evacuate") || !strcmp(r, "Shelter"))) {
			*why = !strcmp(r, "Evacuate") ? "responseType Evacuate" : "responseType Shelter";
			return true;
		}
	}
	return false;
}

static bool cn_event_moves(const struct tc_cap_info *in, const char **why)
{
	enum tc_cap_colour c = tc_cap_info_colour(in);
	for (size_t i = 0; i < in->n_event_codes; i++) {
		const char *v = in->event_codes[i].value;
		for (size_t k = 0; v && k < sizeof(cn_moves) / sizeof(cn_moves[0]); k++)
			if (!strcmp(v, cn_moves[k].code) && c >= cn_moves[k].from) {
				*why = c == TC_CAP_COLOUR_RED ? "cn event and colour: red" : "cn event and colour: orange";
				return true;
			}
	}
	return false;
}

bool tc_guidance_wanted(const struct tc_cap_info *in, const char **why, char *problem, size_t len)
{
	const char *w = "not asked";
	bool yes = false;
	if (problem && len)
		problem[0] = '\0';
	int e = explicit_param(in, problem, len);
	if (e >= 0) {
		yes = e == 1;
		w = yes ? "parameter " TC_GUIDANCE_PARAM "=true" : "parameter " TC_GUIDANCE_PARAM "=false";
	} else {
		yes = response_moves(in, &w) || cn_event_moves(in, &w);
	}
	if (why)
		*why = w;
	return yes;
}

bool tc_guidance_alert_wanted(const struct tc_cap_alert *a)
{
	for (size_t i = 0; i < a->n_infos; i++)
		if (tc_guidance_wanted(&a->infos[i], NULL, NULL, 0))
			return true;
	return false;
}

void tc_guidance_audio_id(const char *lang, const char *text, char out[TC_GUIDANCE_ID_LEN + 1])
{
	size_t nl = strlen(lang), nt = strlen(text);
	char hex[65], *buf = malloc(nl + 1 + nt);
	if (!buf) { /* the id must still be the same for the same words: hash the parts */
		snprintf(out, TC_GUIDANCE_ID_LEN + 1, "g-0000000000000000");
		return;
	}
	memcpy(buf, lang, nl);
	buf[nl] = '\n';
	memcpy(buf + nl + 1, text, nt);
	tc_sign_sha256_hex(buf, nl + 1 + nt, hex);
	free(buf);
	snprintf(out, TC_GUIDANCE_ID_LEN + 1, "g-%.16s", hex);
}

/* Targets by lang, then text, then their place in the input (pointers into one array). */
static int by_words(const void *x, const void *y)
{
	const struct tc_guidance_target *a = *(const struct tc_guidance_target *const *)x,
					*b = *(const struct tc_guidance_target *const *)y;
	int c = strcmp(a->lang, b->lang);
	if (!c)
		c = strcmp(a->text, b->text);
	if (!c)
		c = a < b ? -1 : a > b;
	return c;
}

enum tc_rc tc_guidance_group(const struct tc_guidance_target *t, size_t n, struct tc_guidance_groups *out)
{
	memset(out, 0, sizeof(*out));
	size_t m = 0;
	const struct tc_guidance_target **order = malloc((n ? n : 1) * sizeof(*order));
	out->members = malloc((n ? n : 1) * sizeof(*out->members));
	out->groups = malloc((n ? n : 1) * sizeof(*out->groups));
	if (!order || !out->members || !out->groups) {
		free(order);
		tc_guidance_groups_release(out);
		return TC_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].text && t[i].text[0] && t[i].lang)
			order[m++] = &t[i];
	qsort(order, m, sizeof(*order), by_words);
	for (size_t i = 0; i < m; i++)
		out->members[i] = (size_t)(order[i] - t);
	free(order);
	out->n_members = m;
	for (size_t i = 0; i < m; i++) {
		const struct tc_guidance_target *x = &t[out->members[i]];
		struct tc_guidance_group *g = out->n_groups ? &out->groups[out->n_groups - 1] : NULL;
		if (g && !strcmp(g->lang, x->lang) && !strcmp(g->text, x->text)) {
			g->n++;
			continue;
		}
		g = &out->groups[out->n_groups++];
		g->lang = x->lang;
		g->text = x->text;
		g->first = i;
		g->n = 1;
		tc_guidance_audio_id(x->lang, x->text, g->audio_id);
	}
	return TC_OK;
}

void tc_guidance_groups_release(struct tc_guidance_groups *g)
{
	if (!g)
		return;
	free(g->groups);
	free(g->members);
	memset(g, 0, sizeof(*g));
}
