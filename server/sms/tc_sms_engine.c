/*
 * tc_sms_engine.c — the SMS channel on the owner thread (tc_sms_engine.h).
 *
 * A part handed to the gateway is named by ref = message id × 16 + part
 * number (a message has at most 16 parts), so results find their row
 * without any state in memory.
 */
#include "tc_sms_engine.h"
#include "tc_cap_check.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "tc_health.h"
#include "tc_log.h"
#include "tc_registry.h"
#include "tc_shelter_near.h"
#include "tc_sms_relay.h"
#include "tc_sms_track.h"
#include "tc_store_audit.h"
#include "tc_store_health.h"
#include "tc_store_relay.h"
#include "tc_store_sms.h"
#include "tc_vec.h"

_Static_assert(TC_STORE_SMS_N_STATES == TC_SMS_N_STATES, "the store keeps tc_sms_track's states");

struct tc_sms {
	struct tc_store *store;
	struct tc_sms_engine_options o;
	char cc[8], roles[256], duty_role[64], maint_role[64];
	struct tc_mailbox *mb;
	struct gateway {
		struct tc_sms_gateway *g;
		struct tc_sms_engine_gateway o;
		int fallback; /* index of the gateway that takes its parts while it is down; -1: none */
		unsigned long moved; /* parts it held when its link dropped, given to the fallback or queued again */
	} gws[TC_SMS_MAX_GATEWAYS];
	size_t n_gws;
	struct tc_sms_engine_stats stats;
	struct tc_mail_held held; /* results the store could not take, handled again first */
	struct tc_vec changed;    /* shelter ids (char[64]) managers changed, told once written */
	int64_t scan_after;       /* a scan that found nothing for the gateways with room: the next one not before */
};

static const char *const adcode_names[] = { "ADCODE", "GB2260", "GBT2260", NULL };

const char *tc_sms_gw_kind_name(enum tc_sms_gw_kind k)
{
	static const char *const names[] = { "none", "smpp", "kannel" };
	return (unsigned)k <= TC_SMS_GW_KANNEL ? names[k] : "unknown";
}

/* Start the gateway of the kind chosen; the rest of the engine sees only tc_sms_gateway.h. */
static enum tc_rc start_gateway(const struct tc_sms_engine_gateway *g, struct tc_mailbox *mb,
				struct tc_sms_gateway **out, struct tc_diags *d)
{
	*out = NULL;
	switch (g->kind) {
	case TC_SMS_GW_SMPP: return tc_smpp_gateway_start(&g->smpp, mb, out, d);
	case TC_SMS_GW_KANNEL: return tc_sms_kannel_start(&g->kannel, mb, out, d);
	default: break;
	}
	tc_err(d, "sms.gateway", "sms_gateway", "no SMS gateway kind chosen (smpp or kannel)");
	return TC_ERR_USAGE;
}

/* The gateway called name; -1 when none is. */
static int gateway_named(const struct tc_sms *e, const char *name)
{
	for (size_t i = 0; i < e->n_gws; i++)
		if (!strcmp(e->gws[i].o.name, name))
			return (int)i;
	return -1;
}

/* Start the first gateway and the further ones, each stamping its index on what it posts. */
static enum tc_rc start_gateways(struct tc_sms *e, struct tc_diags *d)
{
	if (e->o.n_more >= TC_SMS_MAX_GATEWAYS) {
		tc_err(d, "sms.gateway", "sms_gateways_file", "%zu gateways: %d at most", e->o.n_more + 1, TC_SMS_MAX_GATEWAYS);
		return TC_ERR_USAGE;
	}
	for (size_t i = 0; i <= e->o.n_more; i++) {
		struct gateway *g = &e->gws[i];
		g->o = i ? e->o.more[i - 1] : e->o.gw;
		if (!i)
			snprintf(g->o.name, sizeof(g->o.name), "default");
		if (i || g->o.submit_ahead < 1)
			g->o.submit_ahead = i ? g->o.submit_ahead : e->o.submit_ahead;
		if (g->o.submit_ahead < 1)
			g->o.submit_ahead = g->o.smpp.window * 2 + g->o.smpp.tps;
		g->o.smpp.gateway = (unsigned)i;
		g->o.smpp.name = g->o.name;
		e->n_gws = i + 1;
		if (i && g->o.kind != TC_SMS_GW_SMPP) {
			tc_err(d, "sms.gateway", "sms_gateways_file", "gateway %s: only SMPP can be a further gateway", g->o.name);
			return TC_ERR_USAGE;
		}
		enum tc_rc rc = start_gateway(&g->o, e->mb, &g->g, d);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < e->n_gws; i++) {
		const char *fb = e->gws[i].o.fallback;
		e->gws[i].fallback = *fb && strcmp(fb, "none") ? gateway_named(e, fb) : -1;
		if (e->gws[i].fallback == (int)i)
			e->gws[i].fallback = -1;
		if (*fb && strcmp(fb, "none") && e->gws[i].fallback < 0) {
			tc_err(d, "sms.gateway", i ? "sms_gateways_file" : "sms_fallback", "%s: fallback '%s' is no gateway%s",
			       i ? e->gws[i].o.name : "sms_fallback", fb, i ? "" : " of sms_gateways_file");
			return TC_ERR_USAGE;
		}
	}
	return TC_OK;
}

enum tc_rc tc_sms_new(struct tc_store *s, const struct tc_sms_engine_options *o, struct tc_sms **out, struct tc_diags *d)
{
	*out = NULL;
	struct tc_sms *e = calloc(1, sizeof(*e));
	if (e)
		tc_vec_init(&e->changed, 64);
	if (!e)
		return TC_ERR_NOMEM;
	e->store = s;
	e->o = *o;
	snprintf(e->cc, sizeof(e->cc), "%s", o->default_cc && *o->default_cc ? o->default_cc : "86");
	snprintf(e->roles, sizeof(e->roles), "%s", o->escalation_roles ? o->escalation_roles : "");
	e->o.default_cc = e->cc;
	e->o.escalation_roles = e->roles;
	snprintf(e->duty_role, sizeof(e->duty_role), "%s", o->relay_duty_role ? o->relay_duty_role : "");
	e->o.relay_duty_role = e->duty_role;
	snprintf(e->maint_role, sizeof(e->maint_role), "%s", o->maintenance_role ? o->maintenance_role : "");
	e->o.maintenance_role = e->maint_role;
	if (e->o.relay_confirm_s < 1)
		e->o.relay_confirm_s = 600;
	if (e->o.batch_size < 1)
		e->o.batch_size = 1000;
	if (e->o.max_segments < 1 || e->o.max_segments > TC_SMS_MAX_SEGMENTS)
		e->o.max_segments = 3;
	if (e->o.escalation_segments < 1 || e->o.escalation_segments > e->o.max_segments)
		e->o.escalation_segments = e->o.max_segments;
	if (e->o.submit_ahead < 1)
		e->o.submit_ahead = 200;
	e->mb = sodium_init() < 0 ? NULL : tc_mailbox_new(0);
	long n = 0;
	enum tc_rc rc = e->mb ? tc_store_sms_requeue(s, &n) : TC_ERR_NOMEM;
	if (!rc)
		rc = start_gateways(e, d);
	if (rc) {
		tc_sms_free(e);
		return rc;
	}
	if (n)
		tc_log(TC_LOG_INFO, "sms", "%ld part(s) handed over before the last stop go out again", n);
	*out = e;
	return TC_OK;
}

void tc_sms_free(struct tc_sms *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_gws; i++)
		tc_sms_gateway_stop(e->gws[i].g);
	tc_mail_free_list(e->held.mails);
	tc_mailbox_free(e->mb);
	tc_vec_free(&e->changed);
	free(e);
}

struct tc_mailbox *tc_sms_mailbox(struct tc_sms *e)
{
	return e->mb;
}

int tc_sms_fd(const struct tc_sms *e)
{
	return tc_mailbox_fd(e->mb);
}

const struct tc_sms_engine_stats *tc_sms_stats(const struct tc_sms *e)
{
	return &e->stats;
}

/*
 * A code for replies: 6 random digits (libsodium), so that a reply that
 * names it shows its sender read that SMS; nobody can work it out from the
 * alert and the phone.
 */
static void reply_code(char code[9])
{
	snprintf(code, 9, "%06u", (unsigned)randombytes_uniform(1000000));
}

/* row's addressing: the alert, the person (phone, name, role, region) and the text's language */
static void address_row(struct tc_sms_row *row, const char *alert_id, const char *phone, const char *purpose,
			const char *name, const char *role, const char *region, const char *lang)
{
	snprintf(row->alert_id, sizeof(row->alert_id), "%s", alert_id);
	snprintf(row->phone, sizeof(row->phone), "%s", phone);
	snprintf(row->purpose, sizeof(row->purpose), "%s", purpose);
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->role, sizeof(row->role), "%s", role);
	snprintf(row->region, sizeof(row->region), "%s", region);
	snprintf(row->language, sizeof(row->language), "%.*s", (int)sizeof(row->language) - 1, lang);
}

/* --- the alert's texts and areas ---------------------------------------------------------- */

struct alert_view {
	char id[17];
	struct tc_sms_texts texts;
	struct tc_vec regions; /* char[16] each, each once */
	enum tc_rc regions_rc; /* not TC_OK: a region could not be kept */
	bool test;             /* CAP status Test: a silent check of the receivers, told to nobody */
	bool cancel;           /* msgType Cancel: people are told, nobody must confirm */
};

static const char (*regions_of(const struct alert_view *av))[16]
{
	return av->regions.v;
}

static void add_region(struct alert_view *av, const char *code)
{
	if (!code || !*code || strlen(code) >= 16)
		return;
	for (size_t i = 0; i < av->regions.n; i++)
		if (!strcmp(regions_of(av)[i], code))
			return;
	char *slot = tc_vec_push(&av->regions);
	if (!slot) {
		av->regions_rc = TC_ERR_NOMEM;
		return;
	}
	snprintf(slot, av->regions.size, "%s", code);
}

static void add_delivery_region(const struct tc_delivery_row *r, void *user)
{
	add_region(user, r->region);
}

static void view_release(struct alert_view *av)
{
	tc_sms_texts_release(&av->texts);
	tc_vec_free(&av->regions);
	memset(av, 0, sizeof(*av));
	tc_vec_init(&av->regions, sizeof(char[16]));
}

/* Whether a failure to read an alert may pass (memory, a busy store): then it is tried again next round. */
static bool passing(enum tc_rc rc)
{
	return rc == TC_ERR_NOMEM || rc == TC_ERR_IO || rc == TC_ERR_INTERNAL;
}

/* The alert's SMS texts and the region codes it reaches (geocodes and its receivers' villages). */
static enum tc_rc view_alert(struct tc_sms *e, const char *id, struct alert_view *av, bool with_regions)
{
	struct tc_store_alert sa;
	struct tc_cap_alert *a = NULL;
	struct tc_diags *d = tc_diags_new();
	memset(av, 0, sizeof(*av));
	tc_vec_init(&av->regions, sizeof(char[16]));
	snprintf(av->id, sizeof(av->id), "%s", id);
	enum tc_rc rc = tc_store_get_alert(e->store, id, &sa);
	if (rc) {
		tc_diags_free(d);
		return rc;
	}
	struct tc_cap_options co;
	tc_cap_options_default(&co);
	co.lenient = true; /* checked when accepted; read again here */
	rc = tc_cap_check(sa.xml, sa.xml_len, &co, &a, d);
	if (rc == TC_OK && !a)
		rc = TC_ERR_INVALID;
	if (!rc) {
		rc = tc_sms_texts_build(a, e->o.max_segments, &av->texts, d);
		av->test = a->status == TC_CAP_TEST;
		av->cancel = a->msg_type == TC_CAP_CANCEL;
	}
	for (size_t i = 0; !rc && with_regions && i < a->n_infos; i++)
		for (size_t k = 0; k < a->infos[i].n_areas; k++) {
			const struct tc_cap_area *ar = &a->infos[i].areas[k];
			for (size_t g = 0; g < ar->n_geocodes; g++)
				if (tc_cap_name_is(ar->geocodes[g].name, adcode_names))
					add_region(av, ar->geocodes[g].value);
		}
	if (!rc && with_regions)
		rc = tc_store_each_delivery_row(e->store, id, NULL, add_delivery_region, av);
	if (!rc)
		rc = av->regions_rc;
	if (passing(rc))
		tc_log(TC_LOG_ERROR, "sms", "alert=%s: its texts and regions could not be read (%s); tried again next round",
		       id, tc_rc_name(rc));
	else if (rc)
		tc_log(TC_LOG_ERROR, "sms", "alert=%s has no SMS text: %s", id,
		       tc_diags_count(d) ? tc_diags_get(d, 0)->message : tc_rc_name(rc));
	tc_cap_alert_free(a);
	tc_store_alert_release(&sa);
	tc_diags_free(d);
	return rc;
}

/* --- the relay with confirmation (叫应, tc_sms_relay.h) ------------------------------------------ */

/* Queue the relay SMS to c, the person at its place in the chain of c->region: *id its message. */
static enum tc_rc relay_tell(struct tc_sms *e, const struct alert_view *av, const struct tc_contact *c, int64_t now,
			     int64_t *id)
{
	char phone[24], code[9];
	*id = 0;
	if (!tc_registry_phone(c->phone, e->cc, phone, sizeof(phone)))
		return TC_OK; /* the registry keeps E.164: only a changed tocsin could tell otherwise */
	reply_code(code);
	size_t t = tc_sms_texts_pick(&av->texts, c->language);
	char *text = tc_sms_relay_text(av->texts.v[t].lang, c->region, code, (e->o.relay_confirm_s + 59) / 60,
				       av->texts.v[t].text, e->o.max_segments);
	if (!text)
		return TC_ERR_NOMEM;
	struct tc_sms_row row = { .text = text, .batch = c->relay,
				  .parts = (long)tc_sms_count_segments(text, strlen(text), false, NULL) };
	address_row(&row, av->id, phone, "relay", c->name, c->role, c->region, av->texts.v[t].lang);
	snprintf(row.code, sizeof(row.code), "%s", code);
	bool added = false;
	enum tc_rc rc = tc_store_sms_add(e->store, &row, now, &added, id);
	free(text);
	if (!rc && added) {
		e->stats.relay_sent++;
		tc_log(TC_LOG_INFO, "sms", "alert=%s region=%s relay=%d phone=%s role=%s told; confirmation due in %lds",
		       av->id, c->region, c->relay, phone, c->role, e->o.relay_confirm_s);
	}
	return rc;
}

struct chained {
	struct tc_vec v; /* struct tc_contact: the contacts with a relay place */
	enum tc_rc rc;
};

static void add_chained(const struct tc_contact *c, void *user)
{
	struct chained *ch = user;
	struct tc_contact *slot;
	if (ch->rc || c->relay <= 0)
		return;
	if (!(slot = tc_vec_push(&ch->v)))
		ch->rc = TC_ERR_NOMEM;
	else
		*slot = *c;
}

/*
 * Start the chains of every town and village the alert reaches, once, when its colour asks for
 * it. A Cancel starts none: the warning is lifted, there is nothing to confirm.
 */
static enum tc_rc relay_start(struct tc_sms *e, const struct alert_view *av, int64_t now)
{
	struct chained ch = { .v = TC_VEC_OF(struct tc_contact) };
	size_t *order = NULL;
	bool first = false;
	long chains = 0;
	if (!e->o.relay_min_colour || (int)av->texts.colour < e->o.relay_min_colour || av->cancel)
		return TC_OK;
	enum tc_rc rc = tc_store_each_contact(e->store, add_chained, &ch);
	rc = rc ? rc : ch.rc;
	if (!rc && !(order = calloc(ch.v.n ? ch.v.n : 1, sizeof(size_t))))
		rc = TC_ERR_NOMEM;
	for (size_t i = 0; !rc && i < ch.v.n; i++) {
		const struct tc_contact *c = tc_vec_at(&ch.v, i);
		if (!tc_relay_reaches(c->region, regions_of(av), av->regions.n))
			continue;
		if (tc_relay_chain(ch.v.v, ch.v.n, c->region, order, ch.v.n) == 0 || order[0] != i)
			continue; /* not the first of its chain */
		int64_t id = 0;
		rc = relay_tell(e, av, c, now, &id);
		if (!rc && id)
			rc = tc_store_relay_start(e->store, av->id, c->region, c->relay, id, now, now + e->o.relay_confirm_s);
		chains += id != 0;
	}
	if (!rc)
		rc = tc_store_relay_mark_started(e->store, av->id, chains, now, &first);
	if (!rc)
		tc_log(chains ? TC_LOG_INFO : TC_LOG_DEBUG, "sms", "alert=%s colour=%s relay: %ld chain(s) started", av->id,
		       tc_cap_colour_name(av->texts.colour), chains);
	free(order);
	tc_vec_free(&ch.v);
	return rc;
}

struct relay_ctx {
	struct tc_sms *e;
	int64_t now;
	struct alert_view av; /* the last alert seen ("" id: none) */
};

/* The alert's texts, read once for a run of its chains; false when they cannot be read now. */
static bool relay_view(struct relay_ctx *rx, const char *alert_id)
{
	if (!strcmp(rx->av.id, alert_id))
		return true;
	view_release(&rx->av);
	if (view_alert(rx->e, alert_id, &rx->av, false) == TC_OK)
		return true;
	view_release(&rx->av);
	return false;
}

/* A chain's step is over with no confirmation: the next person is told, or the chain ran out. */
static void on_relay_due(const struct tc_relay_chain *c, void *user)
{
	struct relay_ctx *rx = user;
	struct tc_sms *e = rx->e;
	struct tc_contact next;
	enum tc_rc found = tc_store_relay_next(e->store, c->region, c->position, &next);
	if (found != TC_OK && found != TC_ERR_NOTFOUND)
		return; /* tried again next round */
	enum tc_relay_action act = tc_relay_decide(c->state, c->due_at, rx->now, found == TC_OK);
	if (act == TC_RELAY_RAN_OUT) {
		if (tc_store_relay_ran_out(e->store, c->alert_id, c->region, rx->now) == TC_OK) {
			e->stats.relay_ran_out++;
			tc_log(TC_LOG_WARN, "sms", "alert=%s region=%s relay ran out: nobody of its chain confirmed", c->alert_id,
			       c->region);
		}
		return;
	}
	int64_t id = 0;
	if (act != TC_RELAY_TELL_NEXT || !relay_view(rx, c->alert_id) || relay_tell(e, &rx->av, &next, rx->now, &id))
		return;
	if (id)
		tc_store_relay_advance(e->store, c->alert_id, c->region, next.relay, id, rx->now + e->o.relay_confirm_s);
	else /* told before (a chain that came back to a person): go on after them */
		tc_store_relay_advance(e->store, c->alert_id, c->region, next.relay, c->message_id, rx->now);
}

struct duty_ctx {
	struct tc_vec regions; /* char[16]: the chains that ran out, duty room not told */
	struct tc_vec rooms;   /* struct tc_contact: the duty rooms */
	const char *role;
	enum tc_rc rc;
};

static void add_ran_out(const struct tc_relay_chain *c, void *user)
{
	struct duty_ctx *dc = user;
	char *slot;
	if (strcmp(c->state, "ran-out") != 0 || c->duty_told)
		return;
	if (!(slot = tc_vec_push(&dc->regions)))
		dc->rc = TC_ERR_NOMEM;
	else
		snprintf(slot, 16, "%s", c->region);
}

static void add_duty_room(const struct tc_contact *c, void *user)
{
	struct duty_ctx *dc = user;
	struct tc_contact *slot;
	if (strcmp(c->role, dc->role) != 0)
		return;
	if (!(slot = tc_vec_push(&dc->rooms)))
		dc->rc = TC_ERR_NOMEM;
	else
		*slot = *c;
}

/* One duty room's SMS: the chains of its district that ran out. */
static void duty_tell(struct tc_sms *e, const struct alert_view *av, const struct duty_ctx *dc,
		      const struct tc_contact *room, int64_t now, long *told)
{
	struct tc_vec list = TC_VEC_OF(char);
	long n = 0;
	size_t len = strlen(room->region);
	char phone[24];
	for (size_t i = 0; i < dc->regions.n; i++) {
		const char *r = tc_vec_at(&dc->regions, i);
		if (strncmp(r, room->region, len) != 0)
			continue;
		if ((n && tc_vec_append_text(&list, "、", strlen("、"))) || tc_vec_append_text(&list, r, strlen(r)))
			goto out;
		n++;
	}
	if (!n || tc_vec_append_text(&list, "", 1) || !tc_registry_phone(room->phone, e->cc, phone, sizeof(phone)))
		goto out;
	size_t t = tc_sms_texts_pick(&av->texts, room->language);
	char *text = tc_sms_relay_duty_text(av->texts.v[t].lang, list.v, n, av->texts.v[t].text, e->o.max_segments);
	if (!text)
		goto out;
	struct tc_sms_row row = { .text = text, .parts = (long)tc_sms_count_segments(text, strlen(text), false, NULL) };
	address_row(&row, av->id, phone, "relay-duty", room->name, room->role, room->region, av->texts.v[t].lang);
	reply_code(row.code);
	bool added = false;
	if (tc_store_sms_add(e->store, &row, now, &added, NULL) == TC_OK && added) {
		(*told)++;
		tc_log(TC_LOG_WARN, "sms", "alert=%s phone=%s role=%s told of %ld relay chain(s) that ran out: %s", av->id, phone,
		       room->role, n, (char *)list.v);
	}
	free(text);
out:
	tc_vec_free(&list);
}

/* Every chain of the alert has ended, some ran out: the district duty room gets one SMS naming them. */
static void on_duty_due(const char *alert_id, void *user)
{
	struct relay_ctx *rx = user;
	struct tc_sms *e = rx->e;
	struct duty_ctx dc = { .regions = TC_VEC_OF(char[16]), .rooms = TC_VEC_OF(struct tc_contact),
			       .role = e->duty_role };
	long told = 0;
	enum tc_rc rc = tc_store_relay_each(e->store, alert_id, add_ran_out, &dc);
	if (!rc)
		rc = tc_store_each_contact(e->store, add_duty_room, &dc);
	if (!rc && !dc.rc && relay_view(rx, alert_id)) {
		for (size_t i = 0; i < dc.rooms.n; i++)
			duty_tell(e, &rx->av, &dc, tc_vec_at(&dc.rooms, i), rx->now, &told);
		if (!told)
			tc_log(TC_LOG_WARN, "sms", "alert=%s: %zu relay chain(s) ran out, and no %s is registered for them",
			       alert_id, dc.regions.n, e->duty_role);
		e->stats.relay_duty += (unsigned long)told;
		tc_store_relay_duty_told(e->store, alert_id);
	}
	tc_vec_free(&dc.regions);
	tc_vec_free(&dc.rooms);
}

/* Fire the relay's timers and tell the duty rooms. */
static void relay_work(struct tc_sms *e, int64_t now)
{
	struct relay_ctx rx = { .e = e, .now = now };
	view_release(&rx.av);
	tc_store_relay_due(e->store, now, 500, on_relay_due, &rx);
	tc_store_relay_duty_due(e->store, on_duty_due, &rx);
	view_release(&rx.av);
	tc_vec_free(&rx.av.regions);
}

/* --- policy batches ------------------------------------------------------------------------- */

struct policy_ctx {
	struct tc_sms *e;
	struct alert_view *av;
	struct tc_sms_batch *batch;
	enum tc_rc rc; /* not TC_OK: a recipient could not be kept */
};

static void policy_contact(const struct tc_contact *c, void *user)
{
	struct policy_ctx *pc = user;
	if (!tc_sms_policy_wants(&pc->e->o.policy, c->role, pc->av->texts.colour))
		return;
	for (size_t i = 0; i < pc->av->regions.n; i++)
		if (tc_sms_regions_nest(c->region, regions_of(pc->av)[i])) {
			if (tc_sms_batch_add(pc->batch, c) == TC_SMS_NO_MEMORY)
				pc->rc = TC_ERR_NOMEM;
			return;
		}
}

/* Queue every recipient of a batch with the text of its language. */
static enum tc_rc queue_batch(struct tc_sms *e, const struct alert_view *av, const struct tc_sms_batch *b,
			      const char *purpose, int64_t now, long *added)
{
	enum tc_rc rc = TC_OK;
	*added = 0;
	for (size_t i = 0; !rc && i < tc_sms_batch_count(b); i++) {
		const struct tc_sms_recipient *r = tc_sms_batch_get(b, i);
		size_t t = tc_sms_texts_pick(&av->texts, r->language);
		struct tc_sms_row row = { .batch = (long)i / e->o.batch_size, .text = av->texts.v[t].text,
					  .parts = (long)av->texts.v[t].segments };
		address_row(&row, av->id, r->phone, purpose, r->name, r->role, r->region, av->texts.v[t].lang);
		reply_code(row.code);
		bool ok = false;
		rc = tc_store_sms_add(e->store, &row, now, &ok, NULL);
		*added += ok;
	}
	return rc;
}

static void build_policy(const char *id, void *user)
{
	struct tc_sms *e = ((void **)user)[0];
	int64_t now = *(int64_t *)((void **)user)[1];
	struct alert_view av;
	long added = 0;
	enum tc_rc rc = view_alert(e, id, &av, true);
	if (rc) {
		view_release(&av);
		if (!passing(rc))
			tc_store_sms_mark_built(e->store, id, 0, now);
		return;
	}
	if (av.test) { /* a silent test checks receivers; people hear of it only through its report */
		if (!tc_store_sms_mark_built(e->store, id, 0, now))
			tc_log(TC_LOG_INFO, "sms", "alert=%s is a Test: no SMS to anyone", id);
		view_release(&av);
		return;
	}
	struct tc_sms_batch *b = tc_sms_batch_new(e->cc);
	struct policy_ctx pc = { e, &av, b, TC_OK };
	rc = b ? tc_store_each_contact(e->store, policy_contact, &pc) : TC_ERR_NOMEM;
	if (!rc)
		rc = pc.rc;
	if (!rc)
		rc = queue_batch(e, &av, b, "policy", now, &added);
	if (!rc)
		rc = relay_start(e, &av, now);
	if (!rc)
		rc = tc_store_sms_mark_built(e->store, id, added, now);
	if (!rc) {
		e->stats.batches++;
		e->stats.recipients += (unsigned long)added;
		tc_log(TC_LOG_INFO, "sms", "alert=%s colour=%s policy batch: %ld recipient(s) in %ld batch(es)%s", id,
		       tc_cap_colour_name(av.texts.colour), added, (added + e->o.batch_size - 1) / e->o.batch_size,
		       tc_sms_batch_duplicates(b) ? " (duplicates dropped)" : "");
	} else {
		tc_log(TC_LOG_ERROR, "sms", "alert=%s policy batch could not be built (%s); tried again next round", id,
		       tc_rc_name(rc));
	}
	tc_sms_batch_free(b);
	view_release(&av);
}

/* --- escalations ------------------------------------------------------------------------------- */

struct officers {
	struct tc_vec v; /* struct tc_contact */
	const char *roles;
	enum tc_rc rc;   /* not TC_OK: not every officer could be listed */
};

static void add_officer(const struct tc_contact *c, void *user)
{
	struct officers *os = user;
	if (os->rc || !tc_sms_role_in(os->roles, c->role))
		return;
	struct tc_contact *slot = tc_vec_push(&os->v);
	if (!slot) {
		os->rc = TC_ERR_NOMEM;
		return;
	}
	*slot = *c;
}

struct esc_ctx {
	struct tc_sms *e;
	int64_t now;
	struct officers os;
	struct officers maint; /* the maintenance contacts */
	bool loaded;
	struct alert_view av; /* the last alert seen */
};

/* Queue the SMS telling maintenance contact c of the escalated receiver x; true when queued. */
static bool maint_tell(struct esc_ctx *ec, const struct tc_contact *c, const struct tc_sms_escalation *x,
		       const struct tc_receiver *r)
{
	struct tc_sms *e = ec->e;
	char phone[24];
	bool told = true, added = false;
	/* once a receiver a Beijing day, restarts included: what was sent is in the store */
	if (!tc_registry_phone(c->phone, e->cc, phone, sizeof(phone)) ||
	    tc_store_health_told(e->store, phone, x->target, tc_health_day_start(ec->now), &told) || told)
		return false;
	char *text = tc_health_escalation_text(c->language, x->target, r->name, x->region, x->alert_id);
	if (!text)
		return false;
	struct tc_sms_row row = { .text = text, .parts = (long)tc_sms_count_segments(text, strlen(text), false, NULL) };
	address_row(&row, x->alert_id, phone, "maintenance", c->name, c->role, c->region,
		    !strncmp(c->language, "en", 2) ? "en-US" : "zh-CN");
	snprintf(row.subject, sizeof(row.subject), "%s", x->target);
	tc_store_sms_add(e->store, &row, ec->now, &added, NULL);
	free(text);
	if (added)
		tc_log(TC_LOG_INFO, "sms", "alert=%s target=%s phone=%s maintenance contact told", x->alert_id, x->target,
		       phone);
	return added;
}

/* The most specific maintenance contacts of the escalated receiver's region are told. */
static void maint_escalation(struct esc_ctx *ec, const struct tc_sms_escalation *x)
{
	struct tc_receiver r;
	int best = -1;
	const char *role = ec->e->maint_role;
	if (!ec->maint.v.n || tc_store_get_receiver(ec->e->store, x->target, &r) != TC_OK)
		return;
	for (size_t i = 0; i < ec->maint.v.n; i++) {
		const struct tc_contact *c = tc_vec_at(&ec->maint.v, i);
		int k = tc_health_covers(c->region, c->role, role, x->region);
		best = k > best ? k : best;
	}
	for (size_t i = 0; best >= 0 && i < ec->maint.v.n; i++) {
		const struct tc_contact *c = tc_vec_at(&ec->maint.v, i);
		if (tc_health_covers(c->region, c->role, role, x->region) == best)
			ec->e->stats.maintenance += maint_tell(ec, c, x, &r);
	}
}

static void on_escalation(const struct tc_sms_escalation *x, void *user)
{
	struct esc_ctx *ec = user;
	struct tc_sms *e = ec->e;
	if (!ec->loaded) {
		ec->os.roles = e->roles;
		ec->maint.roles = e->maint_role;
		enum tc_rc rc = tc_store_each_contact(e->store, add_officer, &ec->os);
		ec->os.rc = rc ? rc : ec->os.rc;
		if (!rc && e->maint_role[0])
			rc = tc_store_each_contact(e->store, add_officer, &ec->maint);
		ec->os.rc = rc ? rc : ec->maint.rc ? ec->maint.rc : ec->os.rc;
		ec->loaded = true;
		if (ec->os.rc)
			tc_log(TC_LOG_ERROR, "sms", "the information officers could not be listed (%s); escalations are "
			       "tried again next round", tc_rc_name(ec->os.rc));
	}
	if (ec->os.rc) /* left unhandled: the next round tries again */
		return;
	if (strcmp(ec->av.id, x->alert_id) != 0) {
		view_release(&ec->av);
		enum tc_rc rc = view_alert(e, x->alert_id, &ec->av, false);
		if (rc) {
			view_release(&ec->av);
			if (!passing(rc))
				tc_store_sms_escalation_handled(e->store, x->id);
			return;
		}
	}
	long told = 0, officers = 0;
	/* a silent Test that failed is a fault to mend, not a warning to pass on: maintenance only */
	for (size_t i = 0; !ec->av.test && i < ec->os.v.n; i++) {
		const struct tc_contact *c = tc_vec_at(&ec->os.v, i);
		size_t len = strlen(c->region);
		if (!len || strncmp(c->region, x->region, len) != 0)
			continue;
		officers++;
		char phone[24], code[9];
		if (!tc_registry_phone(c->phone, e->cc, phone, sizeof(phone)))
			continue;
		reply_code(code);
		size_t t = tc_sms_texts_pick(&ec->av.texts, c->language);
		char *text = tc_sms_escalation_text(ec->av.texts.v[t].lang, x->region, code, ec->av.texts.v[t].text,
						    e->o.escalation_segments);
		if (!text)
			continue;
		struct tc_sms_row row = { .text = text, .parts = (long)tc_sms_count_segments(text, strlen(text), false, NULL) };
		address_row(&row, x->alert_id, phone, "escalation", c->name, c->role, c->region, ec->av.texts.v[t].lang);
		snprintf(row.code, sizeof(row.code), "%s", code);
		bool added = false;
		tc_store_sms_add(e->store, &row, ec->now, &added, NULL);
		told += added;
		free(text);
	}
	maint_escalation(ec, x);
	tc_store_sms_escalation_handled(e->store, x->id);
	e->stats.escalations++;
	e->stats.officers += (unsigned long)told;
	if (ec->av.test)
		tc_log(TC_LOG_INFO, "sms", "alert=%s target=%s region=%s failed a Test: its maintenance contact is told, "
		       "not the village's %s", x->alert_id, x->target, x->region, e->roles);
	else if (!officers)
		tc_log(TC_LOG_WARN, "sms", "alert=%s target=%s region=%s escalated, but no %s is registered for the village",
		       x->alert_id, x->target, x->region, e->roles);
	else
		tc_log(told ? TC_LOG_INFO : TC_LOG_DEBUG, "sms", "alert=%s target=%s region=%s escalated: %ld officer(s) told%s",
		       x->alert_id, x->target, x->region, told, told ? "" : " (already told for this alert)");
}

/* --- handing parts over ------------------------------------------------------------------------- */

/* Queued parts looked at in a round, at most, for gateways with room: past this many of a full one's, the rest wait. */
#define TC_SMS_SCAN 20000

struct send_ctx {
	struct tc_sms *e;
	int64_t cached_id;
	struct tc_sms_message msg;
	long room[TC_SMS_MAX_GATEWAYS]; /* parts each gateway takes this round; 0: none (down, full) */
	long room_left;                 /* their sum */
	long seen;                      /* queued parts the scan offered */
};

/* The gateway whose prefix is the longest match of phone (E.164, '+' or not); 0, the default, when none. */
static size_t route(const struct tc_sms *e, const char *phone)
{
	const char *d = phone[0] == '+' ? phone + 1 : phone;
	size_t best = 0, at = 0;
	for (size_t i = 1; i < e->n_gws; i++)
		for (size_t k = 0; k < e->gws[i].o.n_prefixes; k++) {
			size_t len = strlen(e->gws[i].o.prefixes[k]);
			if (len > best && !strncmp(d, e->gws[i].o.prefixes[k], len)) {
				best = len;
				at = i;
			}
		}
	return at;
}

/* The gateway that carries phone's parts now: its own, else its fallback (one step, never further); -1: none. */
static int carrier(const struct tc_sms *e, const char *phone)
{
	size_t at = route(e, phone);
	if (tc_sms_gateway_up(e->gws[at].g))
		return (int)at;
	int fb = e->gws[at].fallback;
	return fb >= 0 && tc_sms_gateway_up(e->gws[fb].g) ? fb : -1;
}

/* A queued part is taken when the gateway that carries its phone now has room this round. */
static enum tc_sms_pick pick_part(const char *phone, void *user)
{
	struct send_ctx *sc = user;
	if (sc->room_left <= 0)
		return TC_SMS_PICK_ENOUGH;
	sc->seen++;
	int g = carrier(sc->e, phone);
	if (g < 0 || sc->room[g] <= 0)
		return TC_SMS_PICK_SKIP;
	sc->room[g]--;
	sc->room_left--;
	return TC_SMS_PICK_TAKE;
}

/*
 * Part seq of message msg to gateway g, encoded once per message. False when it did not go: the
 * gateway would not take it (it goes back to the queue), or the text has no such part (rejected).
 */
static bool hand(struct send_ctx *sc, const struct tc_sms_row *msg, long seq, int g)
{
	struct tc_store *s = sc->e->store;
	struct tc_sms_submit m;
	if (sc->cached_id != msg->id) {
		struct tc_sms_options so = { .max_segments = TC_SMS_MAX_SEGMENTS, .ref = (uint16_t)msg->id };
		if (tc_sms_encode(msg->text, strlen(msg->text), &so, &sc->msg, NULL) != TC_OK) {
			tc_store_sms_part_set(s, msg->id, seq, "rejected", NULL);
			tc_store_sms_set_state(s, msg->id, "rejected", 0, 0);
			return false;
		}
		sc->cached_id = msg->id;
	}
	if (tc_sms_submit_from_segment(&sc->msg, (size_t)seq, msg->phone, (uint64_t)msg->id * 16 + (uint64_t)seq, &m) !=
	    TC_OK) { /* the text has no such part */
		tc_store_sms_part_set(s, msg->id, seq, "rejected", NULL);
		return false;
	}
	if (g < 0 || tc_sms_gateway_submit(sc->e->gws[g].g, &m) != TC_OK) {
		tc_store_sms_part_queued(s, msg->id, seq);
		return false;
	}
	return true;
}

static void send_part(const struct tc_sms_part *p, void *user)
{
	struct send_ctx *sc = user;
	/* its gateway may have gone down since it was picked: then it waits in the store */
	if (!hand(sc, &p->msg, p->seq, carrier(sc->e, p->msg.phone)))
		return;
	sc->e->stats.parts_sent++;
	sc->e->stats.parts_sent_class[tc_sms_class_of(p->msg.purpose)]++;
}

/* One part a gateway gave back: to the gateway that carries its phone now, else to the queue. */
struct moved {
	struct send_ctx *sc;
	size_t from;
	long seq;
	bool handed;
};

static void move_part(const struct tc_sms_row *r, void *user)
{
	struct moved *mv = user;
	int g = carrier(mv->sc->e, r->phone);
	mv->handed = hand(mv->sc, r, mv->seq, g == (int)mv->from ? -1 : g);
}

/*
 * A gateway whose link dropped gives what it held (about a second of its work) to its fallback
 * when that one is up, rather than keeping it until it binds again. A part that was on the wire
 * unanswered when the link dropped may have reached the SMSC: the gateway would have sent it again
 * itself, and the fallback does so instead.
 */
static void move_back(struct tc_sms *e, struct send_ctx *sc, size_t from)
{
	int fb = e->gws[from].fallback;
	uint64_t refs[256];
	size_t n, moved = 0, waiting = 0;
	if (fb < 0 || tc_sms_gateway_up(e->gws[from].g) || !tc_sms_gateway_up(e->gws[fb].g))
		return;
	while ((n = tc_sms_gateway_take_back(e->gws[from].g, refs, sizeof(refs) / sizeof(refs[0]))) > 0)
		for (size_t i = 0; i < n; i++) {
			struct moved mv = { sc, from, (long)(refs[i] % 16), false };
			int64_t id = (int64_t)(refs[i] / 16);
			if (tc_store_sms_get(e->store, id, move_part, &mv) != TC_OK)
				tc_store_sms_part_queued(e->store, id, mv.seq);
			mv.handed ? moved++ : waiting++;
		}
	if (moved + waiting == 0)
		return;
	e->gws[from].moved += moved + waiting;
	tc_log(TC_LOG_WARN, "sms", "gateway %s is down: %zu parts it held go to %s, %zu back to the queue",
	       e->gws[from].o.name, moved, e->gws[fb].o.name, waiting);
}

/* --- state changes ------------------------------------------------------------------------------- */

struct row_copy {
	struct tc_sms_row r;
	bool found;
};

static void copy_row(const struct tc_sms_row *r, void *user)
{
	struct row_copy *rc = user;
	rc->r = *r;
	rc->r.text = NULL;
	rc->found = true;
}

/* Apply ev to message id. */
static void apply(struct tc_sms *e, int64_t id, enum tc_sms_sevent ev, int64_t now)
{
	struct row_copy rc = { 0 };
	enum tc_sms_state st, next;
	if (tc_store_sms_get(e->store, id, copy_row, &rc) != TC_OK || tc_sms_state_parse(rc.r.state, &st) != TC_OK)
		return;
	if (!tc_sms_next(st, ev, &next)) {
		tc_log(TC_LOG_DEBUG, "sms", "alert=%s phone=%s state=%s refused the event %s", rc.r.alert_id, rc.r.phone,
		       rc.r.state, tc_sms_sevent_name(ev));
		return;
	}
	int64_t due = next == TC_SMS_SUBMITTED ? now + e->o.receipt_timeout_s : 0;
	tc_store_sms_set_state(e->store, id, tc_sms_state_name(next), due, now);
	tc_log(TC_LOG_DEBUG, "sms", "alert=%s phone=%s purpose=%s state=%s", rc.r.alert_id, rc.r.phone, rc.r.purpose,
	       tc_sms_state_name(next));
}

/*
 * Part ref went to the gateway as message_id. Done once: Kannel can call back with a part's
 * delivery report before its own answer to the request reaches tocsind, and the report then
 * did this first (on_receipt); the answer finds the part moved on. False when no part waited.
 */
static bool submitted(struct tc_sms *e, uint64_t ref, const char *message_id, int64_t now)
{
	int64_t id = (int64_t)(ref / 16);
	if (tc_store_sms_part_submitted(e->store, id, (long)(ref % 16), message_id) != TC_OK)
		return false;
	tc_store_sms_mark_sent(e->store, id, now); /* a reply may confirm it from now on */
	if (tc_store_sms_parts_in(e->store, id, "queued") == 0 && tc_store_sms_parts_in(e->store, id, "sending") == 0)
		apply(e, id, TC_SMS_EV_ALL_SUBMITTED, now);
	return true;
}

/*
 * The store's name of the part ev's gateway calls ev->message_id: the first gateway's ids as
 * they are (so that parts stored before there were several keep matching), "NAME:ID" for the
 * others' (two SMSCs may give the same id).
 */
static const char *part_key(const struct tc_sms *e, const struct tc_sms_event *ev, char out[100])
{
	if (!ev->gw || ev->gw >= e->n_gws)
		return ev->message_id;
	snprintf(out, 100, "%s:%s", e->gws[ev->gw].o.name, ev->message_id);
	return out;
}

static void on_submitted(struct tc_sms *e, const struct tc_sms_event *ev, int64_t now)
{
	char key[100];
	submitted(e, ev->ref, part_key(e, ev, key), now);
}

static void on_refused(struct tc_sms *e, const struct tc_sms_event *ev, int64_t now)
{
	int64_t id = (int64_t)(ev->ref / 16);
	tc_store_sms_part_set(e->store, id, (long)(ev->ref % 16), "rejected", NULL);
	tc_log(TC_LOG_WARN, "sms", "message=%lld part %llu refused by the SMSC: %s", (long long)id,
	       (unsigned long long)(ev->ref % 16), ev->reason);
	apply(e, id, TC_SMS_EV_REFUSED, now);
}

static void on_receipt(struct tc_sms *e, const struct tc_sms_event *ev, int64_t now)
{
	int64_t id = 0;
	long seq = 0;
	enum tc_sms_sevent sev;
	if (!tc_sms_receipt_event(ev->stat, &sev))
		return; /* ENROUTE, ACCEPTD: not final */
	/* A gateway whose message ids name the part (Kannel) says which: the report may have
	 * overtaken the answer that would have recorded the id. */
	char key[100];
	const char *smsc_id = part_key(e, ev, key);
	bool found = tc_store_sms_part_find(e->store, smsc_id, &id, &seq) == TC_OK;
	if (!found && ev->ref && submitted(e, ev->ref, smsc_id, now)) {
		id = (int64_t)(ev->ref / 16);
		seq = (long)(ev->ref % 16);
		found = true;
	}
	if (!found) {
		e->stats.receipts_unknown++;
		tc_log(TC_LOG_DEBUG, "sms", "a receipt for message id %s, which tocsind did not send", smsc_id);
		return;
	}
	e->stats.receipts++;
	static const char *const part_state[] = { [TC_SMS_EV_DELIVERED] = "delivered",
						  [TC_SMS_EV_UNDELIVERABLE] = "undeliverable",
						  [TC_SMS_EV_EXPIRED] = "expired", [TC_SMS_EV_REJECTED] = "rejected" };
	tc_store_sms_part_set(e->store, id, seq, part_state[sev], NULL);
	if (sev == TC_SMS_EV_DELIVERED) {
		struct row_copy rc = { 0 };
		if (tc_store_sms_get(e->store, id, copy_row, &rc) != TC_OK ||
		    tc_store_sms_parts_in(e->store, id, "delivered") < rc.r.parts)
			return;
	}
	apply(e, id, sev, now);
}

/* An MO sender as E.164: SMSCs give international numbers without '+'. */
static bool mo_phone(const char *from, const char *cc, char out[24])
{
	char plus[32];
	size_t n = strlen(from);
	if (n > 11 && strspn(from, "0123456789") == n && from[0] != '0') {
		snprintf(plus, sizeof(plus), "+%s", from);
		from = plus;
	}
	return tc_registry_phone(from, cc, out, 24);
}

const char *tc_sms_refusal_name(enum tc_sms_refusal r)
{
	static const char *const names[] = { "not-a-reply", "no-message", "no-code", "wrong-code", "never-sent", "expired",
					     "locked" };
	return (unsigned)r < TC_SMS_N_REFUSALS ? names[r] : "unknown";
}

/*
 * Which message a reply confirms (*id), or why it confirms none: a code must
 * be one tocsind gave that phone, for a message the SMSC accepted no longer
 * than the reply window ago; a plain reply confirms the latest such message
 * unless that is an escalation (whose text shows the code, and whose
 * confirmation counts in coverage: only its code proves it was read).
 */
static int reply_check(struct tc_sms *e, const struct tc_sms_event *ev, int64_t now, char phone[24], int64_t *id)
{
	char code[9];
	int64_t sent_at = 0, since = now - e->o.reply_window_s;
	enum tc_sms_reply kind = tc_sms_reply_parse(ev->text, strlen(ev->text), code);
	if (!mo_phone(ev->from, e->cc, phone) || kind == TC_SMS_REPLY_NONE)
		return TC_SMS_REFUSED_NOT_A_REPLY;
	if (kind == TC_SMS_REPLY_ACK && e->o.reply_code_required)
		return TC_SMS_REFUSED_NO_CODE;
	bool coded = kind == TC_SMS_REPLY_ACK_CODE;
	long wrong = 0;
	/* a code is 1 in a million: after a few wrong ones from a phone, its codes stop counting (guessing) */
	if (coded && tc_store_sms_wrong_replies(e->store, phone, since) >= TC_SMS_MAX_WRONG_CODES)
		return TC_SMS_REFUSED_LOCKED;
	if (tc_store_sms_reply_target(e->store, phone, coded ? code : NULL, since, id, &sent_at) != TC_OK) {
		if (coded && tc_store_sms_wrong_reply(e->store, phone, since, &wrong) == TC_OK &&
		    wrong == TC_SMS_MAX_WRONG_CODES)
			tc_log(TC_LOG_WARN, "sms", "phone=%s sent %ld wrong reply codes: its replies with a code confirm "
			       "nothing more for sms_reply_window_s", phone, wrong);
		return coded ? TC_SMS_REFUSED_WRONG_CODE : TC_SMS_REFUSED_NO_MESSAGE;
	}
	if (!sent_at)
		return TC_SMS_REFUSED_NEVER_SENT;
	if (sent_at < since)
		return TC_SMS_REFUSED_EXPIRED;
	struct row_copy rc = { 0 };
	if (!coded && (tc_store_sms_get(e->store, *id, copy_row, &rc) != TC_OK || !strcmp(rc.r.purpose, "escalation") ||
		       !strcmp(rc.r.purpose, "relay")))
		return TC_SMS_REFUSED_NO_CODE;
	return -1;
}

const char *tc_sms_shelter_outcome_name(enum tc_sms_shelter_outcome o)
{
	static const char *const names[] = { "applied", "not-understood", "several-shelters" };
	return (unsigned)o < TC_SMS_N_SHELTER_OUTCOMES ? names[o] : "unknown";
}

static void copy_shelter(const struct tc_shelter *sh, void *user)
{
	*(struct tc_shelter *)user = *sh;
}

/*
 * A message from a shelter manager's registered phone is a report on that shelter, never a
 * confirmation; only a reply with a code (收到 483920) still goes to the replies, for a
 * manager who is also an officer. False when the message is for the replies.
 */
static bool on_shelter_sms(struct tc_sms *e, const struct tc_sms_event *ev, int64_t now)
{
	char phone[24], code[9];
	struct tc_shelter sh;
	size_t n = 0;
	long count = 0;
	if (!mo_phone(ev->from, e->cc, phone) ||
	    tc_store_shelters_of_phone(e->store, phone, copy_shelter, &sh, &n) != TC_OK || !n ||
	    tc_sms_reply_parse(ev->text, strlen(ev->text), code) == TC_SMS_REPLY_ACK_CODE)
		return false;
	enum tc_shelter_sms_kind k = tc_shelter_sms_parse(ev->text, &count);
	enum tc_sms_shelter_outcome o = n > 1 ? TC_SMS_SHELTER_SEVERAL
				      : k == TC_SHELTER_SMS_NONE ? TC_SMS_SHELTER_NOT_UNDERSTOOD : TC_SMS_SHELTER_APPLIED;
	if (o == TC_SMS_SHELTER_APPLIED) {
		tc_shelter_apply(&sh, k, count, now);
		if (tc_store_shelter_report(e->store, sh.id, sh.occupancy, sh.state, now) != TC_OK)
			return true; /* the transaction fails: the message is handled again */
	}
	e->stats.shelter_reports[o]++;
	if (o != TC_SMS_SHELTER_APPLIED) {
		tc_log(TC_LOG_WARN, "sms", "phone=%s (a shelter manager) sent '%.60s', which changes nothing (reason=%s)",
		       phone, ev->text, tc_sms_shelter_outcome_name(o));
		return true;
	}
	char detail[160];
	snprintf(detail, sizeof(detail), "by SMS from %s: %s, occupancy %ld, state %s%s", phone,
		 tc_shelter_sms_kind_name(k), sh.occupancy, sh.state, tc_store_shelter_full(&sh) ? " (full)" : "");
	tc_log(TC_LOG_INFO, "sms", "shelter=%s phone=%s occupancy=%ld state=%s%s", sh.id, phone, sh.occupancy, sh.state,
	       tc_store_shelter_full(&sh) ? " (full)" : "");
	tc_store_audit_by(e->store, now, NULL, "sms", "shelter-occupancy", NULL, sh.id, detail, NULL, 0);
	char *id = tc_vec_push(&e->changed);
	if (id)
		snprintf(id, 64, "%s", sh.id);
	else if (e->o.shelter_changed) /* no memory to wait for the commit: now, then */
		e->o.shelter_changed(sh.id, e->o.shelter_user);
	return true;
}

static void on_mo(struct tc_sms *e, const struct tc_sms_event *ev, int64_t now)
{
	char phone[24] = "";
	int64_t id = 0;
	if (on_shelter_sms(e, ev, now))
		return;
	e->stats.replies++;
	int why = reply_check(e, ev, now, phone, &id);
	if (why >= 0) {
		e->stats.replies_unmatched++;
		e->stats.replies_refused[why]++;
		tc_log(why >= TC_SMS_REFUSED_NO_CODE ? TC_LOG_WARN : TC_LOG_INFO, "sms",
		       "phone=%s replied '%.60s', which confirms nothing tocsind sent: refused (reason=%s)", ev->from, ev->text,
		       tc_sms_refusal_name((enum tc_sms_refusal)why));
		return;
	}
	struct row_copy rc = { 0 };
	tc_store_sms_confirm(e->store, id, ev->text, now);
	tc_store_sms_get(e->store, id, copy_row, &rc);
	e->stats.replies_matched++;
	tc_log(TC_LOG_INFO, "sms", "alert=%s phone=%s region=%s purpose=%s confirmed by reply '%.40s'", rc.r.alert_id,
	       phone, rc.r.region, rc.r.purpose, ev->text);
	bool chain = false;
	if (!strcmp(rc.r.purpose, "relay") && tc_store_relay_confirmed(e->store, id, now, &chain) == TC_OK && chain) {
		e->stats.relay_confirmed++;
		tc_log(TC_LOG_INFO, "sms", "alert=%s region=%s relay=%ld phone=%s: the relay chain is confirmed",
		       rc.r.alert_id, rc.r.region, rc.r.batch, phone);
	}
	tc_store_audit(e->store, now, "sms", "confirmed", rc.r.alert_id, phone);
}

/* What ev brought is written: its gateway is answered. */
static void answer(struct tc_sms *e, const struct tc_sms_event *ev)
{
	if (ev->gw < e->n_gws)
		tc_sms_gateway_answer(e->gws[ev->gw].g, ev);
}

/* The store refused the results: keep them whole, to be handled again before what comes next. */
static bool hold(struct tc_sms *e, struct tc_mail *mails, const char *what)
{
	if (tc_mail_held_keep(&e->held, mails))
		tc_log(TC_LOG_ERROR, "store", "%s SMS results; they are kept and tried again (the SMSC is not answered "
		       "for its receipts and replies meanwhile)", what);
	return false;
}

bool tc_sms_handle(struct tc_sms *e, int64_t now)
{
	struct tc_mail *mails = tc_mailbox_take(e->mb);
	mails = tc_mail_held_take(&e->held, mails); /* what the store refused last time first */
	if (!mails)
		return true;
	struct tc_sms_engine_stats before = e->stats; /* counted once written */
	if (tc_store_begin(e->store) != TC_OK)
		return hold(e, mails, "the store is locked or failing and cannot take");
	for (struct tc_mail *m = mails; m; m = m->next) {
		const struct tc_sms_event *ev = m->ptr;
		switch (m->kind) {
		case TC_SMS_GW_SUBMITTED: on_submitted(e, ev, now); break;
		case TC_SMS_GW_REFUSED: on_refused(e, ev, now); break;
		case TC_SMS_GW_RECEIPT: on_receipt(e, ev, now); break;
		case TC_SMS_GW_MO: on_mo(e, ev, now); break;
		default: break; /* up, down: the gateway keeps its own state */
		}
	}
	if (tc_store_commit(e->store) != TC_OK) {
		tc_store_rollback(e->store);
		e->stats = before;
		e->changed.n = 0;
		return hold(e, mails, "the store could not write");
	}
	for (size_t i = 0; e->o.shelter_changed && i < e->changed.n; i++)
		e->o.shelter_changed(tc_vec_at(&e->changed, i), e->o.shelter_user);
	e->changed.n = 0;
	unsigned tries = tc_mail_held_done(&e->held);
	if (tries)
		tc_log(TC_LOG_INFO, "store", "the held SMS results are written, after %u tries", tries);
	/* Receipts and replies are answered only now that they are written. */
	while (mails) {
		struct tc_mail *next = mails->next;
		if (mails->kind == TC_SMS_GW_RECEIPT || mails->kind == TC_SMS_GW_MO)
			answer(e, mails->ptr);
		tc_mail_free(mails);
		mails = next;
	}
	return true;
}

static void on_overdue(const struct tc_sms_row *r, void *user)
{
	struct tc_sms *e = ((void **)user)[0];
	int64_t now = *(int64_t *)((void **)user)[1];
	apply(e, r->id, TC_SMS_EV_TIMEOUT, now);
	tc_log(TC_LOG_INFO, "sms", "alert=%s phone=%s state=no-receipt", r->alert_id, r->phone);
}

void tc_sms_work(struct tc_sms *e, int64_t now)
{
	void *ctx[2] = { e, &now };
	if (e->held.mails && !tc_sms_handle(e, now)) /* results the store refused come first */
		return;
	if (tc_store_begin(e->store) != TC_OK)
		return;
	tc_store_sms_alerts_to_build(e->store, now, build_policy, ctx);
	struct esc_ctx ec = { .e = e, .now = now, .os.v = TC_VEC_OF(struct tc_contact),
			      .maint.v = TC_VEC_OF(struct tc_contact) };
	tc_store_sms_escalations(e->store, now, 500, on_escalation, &ec);
	view_release(&ec.av);
	relay_work(e, now);
	tc_vec_free(&ec.os.v);
	tc_vec_free(&ec.maint.v);
	/* each gateway is handed its own submit-ahead; what does not fit goes back to the queue */
	struct send_ctx sc = { .e = e, .cached_id = -1 };
	for (size_t i = 0; e->n_gws > 1 && i < e->n_gws; i++)
		move_back(e, &sc, i);
	for (size_t i = 0; i < e->n_gws; i++) {
		long pending = (long)tc_sms_gateway_pending(e->gws[i].g);
		sc.room[i] = tc_sms_gateway_up(e->gws[i].g) && pending < e->gws[i].o.submit_ahead
				     ? e->gws[i].o.submit_ahead - pending : 0;
		sc.room_left += sc.room[i];
	}
	/*
	 * With one gateway every part is its; with several the scan looks past a full one's. When the
	 * gateways with room have nothing queued while the others' parts fill the queue, the scan is
	 * done again within a second, not every round.
	 */
	long room = sc.room_left;
	if (room > 0 && now >= e->scan_after) {
		tc_store_sms_take_parts(e->store, e->n_gws > 1 ? TC_SMS_SCAN : (size_t)room, pick_part, send_part, &sc);
		e->scan_after = sc.seen && sc.room_left == room ? now + 1 : 0;
	}
	tc_store_sms_overdue(e->store, now, 1000, on_overdue, ctx);
	if (now != e->stats.queued_at && tc_store_sms_queued(e->store, NULL, e->stats.queued) == TC_OK)
		e->stats.queued_at = now; /* once a second: a count over the queue */
	if (tc_store_commit(e->store) != TC_OK) {
		tc_log(TC_LOG_ERROR, "store", "SMS work could not be written; it will be done again");
		tc_store_rollback(e->store);
	}
}

unsigned tc_sms_http(struct tc_sms *e, const char *path, const char *(*arg)(void *conn, const char *name), void *conn)
{
	unsigned status = tc_sms_kannel_http(e->mb, path, arg, conn);
	/* Kannel hears 200 only once what it brought is written: a tocsind that dies later has it. */
	if (status == 200 && !tc_sms_handle(e, (int64_t)time(NULL)))
		return 503;
	return status;
}

void tc_sms_metrics(const struct tc_sms *e, FILE *f)
{
	const struct tc_sms_engine_stats *s = &e->stats;
	fprintf(f, "# HELP tocsin_sms_gateway_up Whether the SMS gateway takes messages, by gateway (kind: smpp, kannel).\n"
		   "# TYPE tocsin_sms_gateway_up gauge\n");
	for (size_t i = 0; i < e->n_gws; i++)
		fprintf(f, "tocsin_sms_gateway_up{gateway=\"%s\",kind=\"%s\"} %d\n", e->gws[i].o.name,
			tc_sms_gateway_name(e->gws[i].g), tc_sms_gateway_up(e->gws[i].g) ? 1 : 0);
	fprintf(f, "# HELP tocsin_sms_total SMS work, by what happened.\n# TYPE tocsin_sms_total counter\n");
	fprintf(f, "tocsin_sms_total{event=\"batch\"} %lu\n", s->batches);
	fprintf(f, "tocsin_sms_total{event=\"policy_recipient\"} %lu\n", s->recipients);
	fprintf(f, "tocsin_sms_total{event=\"escalation\"} %lu\n", s->escalations);
	fprintf(f, "tocsin_sms_total{event=\"officer_told\"} %lu\n", s->officers);
	fprintf(f, "tocsin_sms_total{event=\"maintenance_told\"} %lu\n", s->maintenance);
	fprintf(f, "tocsin_sms_total{event=\"part_sent\"} %lu\n", s->parts_sent);
	fprintf(f, "tocsin_sms_total{event=\"receipt\"} %lu\n", s->receipts);
	fprintf(f, "tocsin_sms_total{event=\"receipt_unknown\"} %lu\n", s->receipts_unknown);
	fprintf(f, "tocsin_sms_total{event=\"reply_matched\"} %lu\n", s->replies_matched);
	fprintf(f, "tocsin_sms_total{event=\"reply_unmatched\"} %lu\n", s->replies_unmatched);
	fprintf(f, "# HELP tocsin_relay_total The relay with confirmation (叫应), by what happened.\n"
		   "# TYPE tocsin_relay_total counter\n");
	fprintf(f, "tocsin_relay_total{event=\"sent\"} %lu\n", s->relay_sent);
	fprintf(f, "tocsin_relay_total{event=\"confirmed\"} %lu\n", s->relay_confirmed);
	fprintf(f, "tocsin_relay_total{event=\"ran_out\"} %lu\n", s->relay_ran_out);
	fprintf(f, "tocsin_relay_total{event=\"duty_told\"} %lu\n", s->relay_duty);
	fprintf(f, "# HELP tocsin_sms_replies_refused_total Replies that confirmed nothing, by reason.\n"
		   "# TYPE tocsin_sms_replies_refused_total counter\n");
	for (int r = 0; r < TC_SMS_N_REFUSALS; r++)
		fprintf(f, "tocsin_sms_replies_refused_total{reason=\"%s\"} %lu\n", tc_sms_refusal_name((enum tc_sms_refusal)r),
			s->replies_refused[r]);
	fprintf(f, "# HELP tocsin_sms_shelter_reports_total Messages from shelter managers' phones, by outcome.\n"
		   "# TYPE tocsin_sms_shelter_reports_total counter\n");
	for (int o = 0; o < TC_SMS_N_SHELTER_OUTCOMES; o++)
		fprintf(f, "tocsin_sms_shelter_reports_total{outcome=\"%s\"} %lu\n",
			tc_sms_shelter_outcome_name((enum tc_sms_shelter_outcome)o), s->shelter_reports[o]);
	fprintf(f, "# HELP tocsin_sms_queued_parts SMS parts waiting to be handed over, by class (highest first).\n"
		   "# TYPE tocsin_sms_queued_parts gauge\n");
	for (int c = 0; c < TC_SMS_N_CLASSES; c++)
		fprintf(f, "tocsin_sms_queued_parts{class=\"%s\"} %ld\n", tc_sms_class_name((enum tc_sms_class)c),
			s->queued[c]);
	fprintf(f, "# HELP tocsin_sms_gateway_pending_parts SMS parts handed to the gateway and not yet answered"
		   " (throttled ones included), by gateway.\n# TYPE tocsin_sms_gateway_pending_parts gauge\n");
	for (size_t i = 0; i < e->n_gws; i++)
		fprintf(f, "tocsin_sms_gateway_pending_parts{gateway=\"%s\"} %zu\n", e->gws[i].o.name,
			tc_sms_gateway_pending(e->gws[i].g));
	fprintf(f, "# HELP tocsin_sms_gateway_parts_moved_total SMS parts a gateway held when its link dropped, given to"
		   " its fallback or queued again, by gateway.\n# TYPE tocsin_sms_gateway_parts_moved_total counter\n");
	for (size_t i = 0; i < e->n_gws; i++)
		fprintf(f, "tocsin_sms_gateway_parts_moved_total{gateway=\"%s\"} %lu\n", e->gws[i].o.name, e->gws[i].moved);
	fprintf(f, "# HELP tocsin_sms_parts_sent_total SMS parts handed to the gateway, by class.\n"
		   "# TYPE tocsin_sms_parts_sent_total counter\n");
	for (int c = 0; c < TC_SMS_N_CLASSES; c++)
		fprintf(f, "tocsin_sms_parts_sent_total{class=\"%s\"} %lu\n", tc_sms_class_name((enum tc_sms_class)c),
			s->parts_sent_class[c]);
	for (size_t i = 0; i < e->n_gws; i++) /* the HELP of a kind once: the further gateways are SMPP */
		tc_sms_gateway_metrics(e->gws[i].g, f, i == 0 || (i == 1 && e->gws[0].o.kind != TC_SMS_GW_SMPP));
}
