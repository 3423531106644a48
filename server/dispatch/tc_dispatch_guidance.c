/*
 * tc_dispatch_guidance.c — the way to shelter at the end of a loudspeaker's
 * programme (docs/protocol.md, "Guidance"; README, "Shelters").
 *
 * When an alert asks people to move (tc_guidance_wanted), each loudspeaker it
 * is planned to gets, per info language (zh-CN, en-US), the sentence of
 * tc_shelter_guidance for its own village. Receivers are grouped by distinct
 * (language, sentence); each group's audio is rendered once, by the render
 * worker in the same job as the alert's message, and kept in the store
 * (guidance_audio) for every later alert that speaks the same words.
 *
 * Ordering: before an alert's region and direct messages, tocsind publishes
 * each group's audio retained on P/audio/<g-id> and then one sealed guidance
 * command per receiver on P/rx/<id>/cmd. One broker delivers a client's
 * QoS-1 messages in the order they were published, so a receiver holds its
 * guidance before the alert it ends. Should it come later (a receiver that
 * was offline and reads the retained region message first), it is played
 * only if the programme has not finished yet; otherwise it is logged.
 *
 * Each direct re-send of an alert to one receiver (its ack timed out, it came
 * online again) sends that receiver's guidance command again first, fresh and
 * sealed, so a receiver that missed the first (its session expired at the
 * broker, it was re-provisioned) still ends its programme with it; its audio
 * stays retained on the broker. After a reconnect the guidance audio of every
 * active alert is published again with the alert's own (the broker may have
 * lost its retained messages). A re-send reads the shelters as the last
 * publication or re-send loaded them, for up to TC_DISPATCH_NEAR_TTL_S (a
 * shelter's change of state or occupancy forgets them at once): thousands of
 * re-sends after a broker comes back do not each load every shelter.
 */
#include "tc_dispatch_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tc_cap_check.h"
#include "tc_guidance.h"
#include "tc_log.h"
#include "tc_proto.h"
#include "tc_shelter_near.h"
#include "tc_sign.h"

static const char *const guidance_langs[] = { "zh-CN", "en-US" };
#define N_LANGS 2

/* The receivers and sentences of one alert's guidance. */
struct plan {
	struct tc_guidance_target *t;
	char (*text)[512];
	size_t n;
	struct tc_guidance_groups g;
};

static void plan_release(struct plan *p)
{
	free(p->t);
	free(p->text);
	tc_guidance_groups_release(&p->g);
	memset(p, 0, sizeof(*p));
}

/* Which of guidance_langs alert id asks to move in; false when none (or it cannot be read). */
static bool wanted_langs(struct tc_dispatch *dp, const char *id, bool want[N_LANGS], bool *read)
{
	struct tc_store_alert sa;
	struct tc_cap_alert *a = NULL;
	struct tc_cap_options co;
	bool any = false;
	memset(want, 0, N_LANGS * sizeof(*want));
	*read = tc_store_get_alert(dp->store, id, &sa) == TC_OK;
	if (!*read)
		return false;
	tc_cap_options_default(&co);
	co.lenient = true; /* checked when it was accepted */
	if (tc_cap_check(sa.xml, sa.xml_len, &co, &a, NULL) == TC_OK && a)
		for (size_t i = 0; i < a->n_infos; i++) {
			const char *lang = a->infos[i].language ? a->infos[i].language : "en-US", *why = "";
			char problem[160];
			bool yes = tc_guidance_wanted(&a->infos[i], &why, problem, sizeof(problem));
			if (problem[0])
				tc_log(TC_LOG_WARN, "dispatch", "alert=%s info[%zu] %s", id, i, problem);
			for (int k = 0; k < N_LANGS; k++)
				if (yes && !strcmp(lang, guidance_langs[k]) && !want[k]) {
					want[k] = any = true;
					tc_log(TC_LOG_INFO, "dispatch", "alert=%s lang=%s guidance: %s", id, lang, why);
				}
		}
	tc_cap_alert_free(a);
	tc_store_alert_release(&sa);
	return any;
}

/* wanted_langs, read from the alert's cached payload entry when it was worked out before. */
static bool wanted(struct tc_dispatch *dp, const char *id, bool want[N_LANGS])
{
	struct tc_dispatch_payload *pl = tc_dispatch_payload(dp, id);
	bool read = false;
	if (!pl || !pl->guidance_known) {
		bool any = wanted_langs(dp, id, want, &read);
		if (!pl || !read) /* an alert that could not be read now is read again next time */
			return any;
		pl->guidance_langs = 0;
		for (int k = 0; k < N_LANGS; k++)
			pl->guidance_langs |= want[k] ? 1u << k : 0;
		pl->guidance_known = true;
	}
	bool any = false;
	for (int k = 0; k < N_LANGS; k++)
		any |= want[k] = (pl->guidance_langs >> k) & 1u;
	return any;
}

void tc_dispatch_guidance_forget(struct tc_dispatch *dp)
{
	tc_shelter_near_free(dp->near);
	dp->near = NULL;
}

/* The shelters as guidance reads them: loaded again unless fresh is false and they are recent. */
static enum tc_rc shelters(struct tc_dispatch *dp, bool fresh, struct tc_shelter_near **x)
{
	int64_t now = (int64_t)time(NULL);
	if (fresh || !dp->near || now - dp->near_at >= TC_DISPATCH_NEAR_TTL_S || now < dp->near_at) {
		struct tc_shelter_near *loaded = NULL;
		enum tc_rc rc = tc_shelter_near_load(dp->store, dp->o.shelter_walk_m, false, &loaded);
		if (rc)
			return rc;
		tc_dispatch_guidance_forget(dp);
		dp->near = loaded;
		dp->near_at = now;
	}
	*x = dp->near;
	return TC_OK;
}

/* The guidance of alert id's loudspeaker rows, grouped; p is empty when none is asked for. */
static enum tc_rc make_plan(struct tc_dispatch *dp, const char *id, const struct tc_delivery_row *rows, size_t n,
			    bool fresh, struct plan *p)
{
	bool want[N_LANGS];
	struct tc_shelter_near *x = NULL;
	memset(p, 0, sizeof(*p));
	if (!n || !wanted(dp, id, want))
		return TC_OK;
	enum tc_rc rc = shelters(dp, fresh, &x);
	p->t = calloc(n * N_LANGS, sizeof(*p->t));
	p->text = calloc(n * N_LANGS, sizeof(*p->text));
	if (!rc && (!p->t || !p->text))
		rc = TC_ERR_NOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		struct tc_receiver r;
		struct tc_shelter_guide gd;
		if (strcmp(rows[i].channel, "mqtt") || tc_store_get_receiver(dp->store, rows[i].target, &r) != TC_OK ||
		    strcmp(r.kind, "loudspeaker"))
			continue;
		tc_shelter_guidance(x, &r, &gd);
		for (int k = 0; k < N_LANGS; k++) {
			if (!want[k] || gd.shelter == TC_SHELTER_NONE)
				continue;
			snprintf(p->text[p->n], sizeof(p->text[0]), "%s", k == 0 ? gd.zh : gd.en);
			p->t[p->n] = (struct tc_guidance_target){ rows[i].target, guidance_langs[k], p->text[p->n] };
			p->n++;
		}
	}
	if (!rc)
		rc = tc_guidance_group(p->t, p->n, &p->g);
	if (rc)
		plan_release(p);
	return rc;
}

char *tc_dispatch_guidance_jobs(struct tc_dispatch *dp, const char *id, const struct tc_delivery_row *rows, size_t n,
				const char *scope)
{
	struct plan p;
	size_t cap = strlen(scope) + 1, cached = 0, todo = 0;
	if (make_plan(dp, id, rows, n, true, &p)) {
		tc_log(TC_LOG_WARN, "render", "alert=%s its guidance cannot be worked out now; rendered without new guidance", id);
		return strdup(scope);
	}
	for (size_t i = 0; i < p.g.n_groups; i++)
		cap += strlen(p.g.groups[i].text) + 80;
	char *out = malloc(cap), *w = out;
	if (out) {
		w += sprintf(w, "%s", scope);
		for (size_t i = 0; i < p.g.n_groups; i++) {
			const struct tc_guidance_group *g = &p.g.groups[i];
			struct tc_guidance_audio ga;
			if (tc_store_get_guidance_audio(dp->store, g->audio_id, &ga) == TC_OK) {
				cached++;
				continue;
			}
			w += sprintf(w, "guidance %s\t%s\t%s\n", g->audio_id, g->lang, g->text);
			todo++;
		}
	}
	if (p.g.n_groups)
		tc_log(TC_LOG_INFO, "render", "alert=%s guidance: %zu receiver sentence(s), %zu distinct, %zu to render, "
		       "%zu cached", id, p.n, p.g.n_groups, todo, cached);
	dp->stats.guidance_cached += cached;
	plan_release(&p);
	return out;
}

void tc_dispatch_guidance_keep(struct tc_dispatch *dp, const struct tc_rendered *r, int64_t now, enum tc_rc *rc)
{
	for (size_t i = 0; !*rc && i < r->n_guidance; i++) {
		const struct tc_rendered_guidance *g = &r->guidance[i];
		*rc = tc_store_put_guidance_audio(dp->store, g->au.id, g->au.lang, g->text, "ogg-opus", g->au.sha256,
						  g->au.duration_ms, g->au.data, g->au.len, now);
		if (!*rc) {
			dp->stats.guidance_rendered++;
			tc_log(TC_LOG_INFO, "render", "alert=%s guidance=%s lang=%s rendered once: %u ms, %zu bytes", r->alert_id,
			       g->au.id, g->au.lang, g->au.duration_ms, g->au.len);
		}
	}
}

/* One receiver's sealed guidance command with the entries of groups that include it. */
static enum tc_rc send_one(struct tc_dispatch *dp, const char *alert_id, const char *rx, const struct tc_cmd_guidance *gs,
			   size_t n, uint32_t expiry, int64_t now)
{
	static struct tc_cmd cmd; /* the owner thread alone sends */
	uint8_t nonce[8];
	static char text[4096];
	static unsigned char sealed[4096 + TC_SIGN_HEADER_LEN];
	size_t len = 0;
	memset(&cmd, 0, sizeof(cmd));
	cmd.kind = TC_CMD_GUIDANCE;
	cmd.at = now;
	snprintf(cmd.alert_id, sizeof(cmd.alert_id), "%s", alert_id);
	snprintf(cmd.rx, sizeof(cmd.rx), "%s", rx);
	tc_sign_kid_of_secret(dp->o.secret_key, cmd.kid);
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(cmd.nonce, sizeof(cmd.nonce), nonce, sizeof(nonce));
	for (size_t i = 0; i < n && i < TC_CMD_GUIDANCE_MAX; i++)
		cmd.guidance[cmd.n_guidance++] = gs[i];
	size_t m = tc_cmd_encode(&cmd, text, sizeof(text));
	if (!m || tc_sign_seal(text, m, dp->o.secret_key, sealed, sizeof(sealed), &len))
		return TC_ERR_INVALID;
	return tc_dispatch_send_direct(dp, rx, sealed, len, expiry);
}

/*
 * Each group's command entry (entries[g]; length 0 when its audio is not in the store) and the
 * group of each target (group_of[k]): a receiver's entries are then found in one pass over the
 * targets, which make_plan adds row by row.
 */
static enum tc_rc entries_of_groups(struct tc_dispatch *dp, const struct plan *p, struct tc_cmd_guidance **entries,
				    size_t **group_of)
{
	*entries = calloc(p->g.n_groups ? p->g.n_groups : 1, sizeof(**entries));
	*group_of = calloc(p->n ? p->n : 1, sizeof(**group_of));
	if (!*entries || !*group_of)
		return TC_ERR_NOMEM;
	for (size_t i = 0; i < p->g.n_groups; i++) {
		const struct tc_guidance_group *g = &p->g.groups[i];
		struct tc_cmd_guidance *e = &(*entries)[i];
		struct tc_guidance_audio ga;
		for (size_t k = 0; k < g->n; k++)
			(*group_of)[p->g.members[g->first + k]] = i;
		if (tc_store_get_guidance_audio(dp->store, g->audio_id, &ga) != TC_OK)
			continue;
		snprintf(e->lang, sizeof(e->lang), "%s", g->lang);
		snprintf(e->text, sizeof(e->text), "%s", g->text);
		snprintf(e->audio_id, sizeof(e->audio_id), "%s", g->audio_id);
		snprintf(e->format, sizeof(e->format), "%s", ga.format);
		snprintf(e->sha256, sizeof(e->sha256), "%s", ga.sha256);
		e->length = ga.length;
		e->duration_ms = ga.duration_ms;
	}
	return TC_OK;
}

/*
 * Each group's audio retained on P/audio/<g-id> (in a broker tree once per county of rows, with several brokers once on each of theirs),
 * expiring with the alert; a group not rendered is skipped.
 */
static enum tc_rc publish_group_audio(struct tc_dispatch *dp, const char *alert_id, const struct plan *pp,
				      const struct tc_delivery_row *rows, size_t n, uint32_t expiry)
{
	const struct plan p = *pp;
	struct tc_vec counties = TC_VEC_OF(char[16]);
	enum tc_rc rc = tc_dispatch_counties_of_rows(dp, rows, n, &counties);
	for (size_t i = 0; !rc && i < p.g.n_groups; i++) {
		unsigned char *data = NULL;
		size_t len = 0;
		const char *gid = p.g.groups[i].audio_id;
		if (tc_store_get_guidance_data(dp->store, gid, &data, &len) != TC_OK) {
			tc_log(TC_LOG_WARN, "dispatch", "alert=%s guidance=%s was not rendered; its receivers go without it",
			       alert_id, gid);
			continue;
		}
		rc = tc_dispatch_send_audio(dp, &counties, gid, data, len, expiry, NULL);
		dp->stats.guidance_audio += !rc;
		free(data);
	}
	tc_vec_free(&counties);
	return rc;
}

enum tc_rc tc_dispatch_guidance_audio(struct tc_dispatch *dp, const char *alert_id, const struct tc_delivery_row *rows,
				      size_t n, uint32_t expiry)
{
	struct plan p;
	if (make_plan(dp, alert_id, rows, n, false, &p))
		return TC_OK; /* logged by the next send */
	enum tc_rc rc = publish_group_audio(dp, alert_id, &p, rows, n, expiry);
	plan_release(&p);
	return rc;
}

enum tc_rc tc_dispatch_guidance_send(struct tc_dispatch *dp, const char *alert_id, const struct tc_delivery_row *rows,
				     size_t n, uint32_t expiry, int64_t now, bool resend)
{
	struct plan p;
	size_t told = 0;
	if (make_plan(dp, alert_id, rows, n, !resend, &p)) { /* the alert must not wait for its guidance */
		tc_log(TC_LOG_WARN, "dispatch", "alert=%s its guidance cannot be worked out now; published without it", alert_id);
		return TC_OK;
	}
	enum tc_rc rc = resend ? TC_OK : publish_group_audio(dp, alert_id, &p, rows, n, expiry);
	struct tc_cmd_guidance gs[TC_CMD_GUIDANCE_MAX], *entries = NULL;
	size_t *group_of = NULL, at = 0;
	if (!rc && p.g.n_groups)
		rc = entries_of_groups(dp, &p, &entries, &group_of);
	for (size_t i = 0; !rc && i < n && p.g.n_groups; i++) {
		size_t k = 0;
		for (; at < p.n && !strcmp(p.t[at].rx, rows[i].target); at++)
			if (k < TC_CMD_GUIDANCE_MAX && entries[group_of[at]].length)
				gs[k++] = entries[group_of[at]];
		if (!k)
			continue;
		rc = send_one(dp, alert_id, rows[i].target, gs, k, expiry, now);
		if (rc == TC_ERR_INVALID) { /* this receiver alone; the alert still goes out */
			tc_log(TC_LOG_WARN, "dispatch", "alert=%s target=%s the guidance command cannot be sent to it", alert_id,
			       rows[i].target);
			rc = TC_OK;
			continue;
		}
		if (!rc) {
			told++;
			tc_log(TC_LOG_DEBUG, "dispatch", "alert=%s target=%s guidance=%s told", alert_id, rows[i].target,
			       gs[0].audio_id);
		}
	}
	if (!rc && told) {
		dp->stats.guidance_sent += told;
		tc_log(TC_LOG_INFO, "dispatch", "alert=%s guidance sent to %zu receiver(s), %zu distinct text(s)", alert_id, told,
		       p.g.n_groups);
	}
	free(entries);
	free(group_of);
	plan_release(&p);
	return rc;
}
