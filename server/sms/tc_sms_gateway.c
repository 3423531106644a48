/*
 * tc_sms_gateway.c — the gateway ops table (tc_sms_gateway.h) and its SMPP
 * kind, a thin face over tc_smpp.
 */
#include "tc_sms_gateway.h"

#include <stdlib.h>
#include <string.h>

#include "tc_log.h"

struct tc_sms_gateway {
	const struct tc_sms_gateway_ops *ops;
	void *impl;
};

static void event_free(void *p)
{
	free(p);
}

void tc_sms_event_post(struct tc_mailbox *mb, int kind, const struct tc_sms_event *ev)
{
	struct tc_mail *m = tc_mail_new(kind, NULL, NULL, 0);
	struct tc_sms_event *copy = malloc(sizeof(*copy));
	if (!m || !copy) {
		free(copy);
		tc_mail_free(m);
		return;
	}
	if (ev)
		*copy = *ev;
	else
		memset(copy, 0, sizeof(*copy));
	m->ptr = copy;
	m->ptr_free = event_free;
	if (tc_mailbox_post(mb, m) != TC_OK)
		tc_log(TC_LOG_WARN, "sms", "the owner's mailbox is full; an SMS event was dropped");
}

const char *tc_sms_gw_mail_name(int kind)
{
	static const char *const names[] = { "up", "down", "submitted", "refused", "receipt", "mo" };
	return kind >= TC_SMS_GW_UP && kind <= TC_SMS_GW_MO ? names[kind - TC_SMS_GW_UP] : "unknown";
}

const char *tc_sms_gw_kind_name(enum tc_sms_gw_kind k)
{
	static const char *const names[] = { "none", "smpp", "kannel" };
	return (unsigned)k <= TC_SMS_GW_KANNEL ? names[k] : "unknown";
}

/* --- the SMPP kind ----------------------------------------------------------------- */

static enum tc_rc smpp_start(const struct tc_sms_gateway_options *o, struct tc_mailbox *mb, void **impl,
			     struct tc_diags *d)
{
	struct tc_smpp *s = NULL;
	enum tc_rc rc = tc_smpp_start(&o->smpp, mb, &s, d);
	*impl = s;
	return rc;
}

static void smpp_stop(void *impl)
{
	tc_smpp_stop(impl);
}

static enum tc_rc smpp_submit(void *impl, const struct tc_smpp_msg *m)
{
	return tc_smpp_submit(impl, m);
}

static bool smpp_up(void *impl)
{
	return tc_smpp_bound(impl);
}

static size_t smpp_pending(void *impl)
{
	return tc_smpp_pending(impl);
}

static void smpp_metrics(void *impl, FILE *f)
{
	struct tc_smpp_stats st;
	tc_smpp_get_stats(impl, &st);
	fprintf(f, "# HELP tocsin_smpp_bound Whether tocsind is bound to the SMSC.\n# TYPE tocsin_smpp_bound gauge\n"
		   "tocsin_smpp_bound %d\n", tc_smpp_bound(impl) ? 1 : 0);
	fprintf(f, "# HELP tocsin_smpp_pdus_total SMPP traffic, by what happened.\n# TYPE tocsin_smpp_pdus_total counter\n");
	fprintf(f, "tocsin_smpp_pdus_total{event=\"submitted\"} %lu\n", st.submitted);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"refused\"} %lu\n", st.refused);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"throttled\"} %lu\n", st.throttled);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"queue_full\"} %lu\n", st.queue_full);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"resent\"} %lu\n", st.resent);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"receipt\"} %lu\n", st.receipts);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"mo\"} %lu\n", st.mo);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"bind\"} %lu\n", st.binds);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"disconnect\"} %lu\n", st.disconnects);
	fprintf(f, "tocsin_smpp_pdus_total{event=\"enquire_link\"} %lu\n", st.enquires);
}

static void smpp_answer(void *impl, uint32_t link, uint32_t seq)
{
	tc_smpp_answer(impl, link, seq);
}

const struct tc_sms_gateway_ops tc_sms_smpp_ops = {
	"smpp", smpp_start, smpp_stop, smpp_submit, smpp_up, smpp_pending, smpp_metrics, smpp_answer,
};

/* --- the table ---------------------------------------------------------------------- */

enum tc_rc tc_sms_gateway_start(const struct tc_sms_gateway_options *o, struct tc_mailbox *mb,
				struct tc_sms_gateway **out, struct tc_diags *d)
{
	const struct tc_sms_gateway_ops *ops = o->kind == TC_SMS_GW_SMPP     ? &tc_sms_smpp_ops
					       : o->kind == TC_SMS_GW_KANNEL ? &tc_sms_kannel_ops
									     : NULL;
	*out = NULL;
	if (!ops) {
		tc_err(d, "sms.gateway", "sms_gateway", "no SMS gateway kind chosen (smpp or kannel)");
		return TC_ERR_USAGE;
	}
	struct tc_sms_gateway *g = calloc(1, sizeof(*g));
	if (!g)
		return TC_ERR_NOMEM;
	g->ops = ops;
	enum tc_rc rc = ops->start(o, mb, &g->impl, d);
	if (rc) {
		free(g);
		return rc;
	}
	*out = g;
	return TC_OK;
}

void tc_sms_gateway_stop(struct tc_sms_gateway *g)
{
	if (!g)
		return;
	g->ops->stop(g->impl);
	free(g);
}

enum tc_rc tc_sms_gateway_submit(struct tc_sms_gateway *g, const struct tc_smpp_msg *m)
{
	return g->ops->submit(g->impl, m);
}

bool tc_sms_gateway_up(const struct tc_sms_gateway *g)
{
	return g && g->ops->up(g->impl);
}

size_t tc_sms_gateway_pending(const struct tc_sms_gateway *g)
{
	return g ? g->ops->pending(g->impl) : 0;
}

const char *tc_sms_gateway_name(const struct tc_sms_gateway *g)
{
	return g ? g->ops->name : "none";
}

void tc_sms_gateway_metrics(const struct tc_sms_gateway *g, FILE *f)
{
	if (g)
		g->ops->metrics(g->impl, f);
}

void tc_sms_gateway_answer(struct tc_sms_gateway *g, const struct tc_sms_event *ev)
{
	if (g && g->ops->answer && ev && ev->answer_seq)
		g->ops->answer(g->impl, ev->answer_link, ev->answer_seq);
}
