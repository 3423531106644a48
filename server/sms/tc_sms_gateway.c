/*
 * tc_sms_gateway.c — the gateway ops table and the messages that cross it
 * (tc_sms_gateway.h): parts made from the text codec's segments, their
 * characters read back as UTF-8, events posted to the owner.
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

void tc_sms_event_post(struct tc_mailbox *mb, unsigned gw, int kind, const struct tc_sms_event *ev)
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
	copy->gw = gw;
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

/* --- parts ------------------------------------------------------------------------------- */

enum tc_rc tc_sms_submit_from_segment(const struct tc_sms_message *m, size_t k, const char *dest, uint64_t ref,
				      struct tc_sms_submit *out)
{
	if (k >= m->n_segments)
		return TC_ERR_INVALID;
	const struct tc_sms_segment *sg = &m->segments[k];
	bool ucs2 = m->encoding == TC_SMS_UCS2;
	const uint8_t *chars = ucs2 ? sg->ud + sg->udh_len : sg->septets; /* UCS-2 is not packed: ud as it is */
	size_t n = ucs2 ? sg->ud_len - sg->udh_len : sg->n_septets;
	if (sg->udh_len + n > sizeof(out->ud))
		return TC_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	out->ref = ref;
	snprintf(out->dest, sizeof(out->dest), "%s", dest);
	out->encoding = m->encoding;
	out->part = (uint8_t)(k + 1);
	out->parts = (uint8_t)m->n_segments;
	out->udh_len = sg->udh_len;
	memcpy(out->ud, sg->ud, sg->udh_len);
	memcpy(out->ud + sg->udh_len, chars, n);
	out->ud_len = sg->udh_len + n;
	return TC_OK;
}

/* --- the table ---------------------------------------------------------------------- */

struct tc_sms_gateway *tc_sms_gateway_new(const struct tc_sms_gateway_ops *ops, void *impl)
{
	struct tc_sms_gateway *g = calloc(1, sizeof(*g));
	if (!g) {
		ops->stop(impl);
		return NULL;
	}
	g->ops = ops;
	g->impl = impl;
	return g;
}

void tc_sms_gateway_stop(struct tc_sms_gateway *g)
{
	if (!g)
		return;
	g->ops->stop(g->impl);
	free(g);
}

enum tc_rc tc_sms_gateway_submit(struct tc_sms_gateway *g, const struct tc_sms_submit *m)
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

void tc_sms_gateway_metrics(const struct tc_sms_gateway *g, FILE *f, bool head)
{
	if (g)
		g->ops->metrics(g->impl, f, head);
}

size_t tc_sms_gateway_take_back(struct tc_sms_gateway *g, uint64_t *refs, size_t max)
{
	return g && g->ops->take_back ? g->ops->take_back(g->impl, refs, max) : 0;
}

void tc_sms_gateway_answer(struct tc_sms_gateway *g, const struct tc_sms_event *ev)
{
	if (g && g->ops->answer && ev && ev->answer)
		g->ops->answer(g->impl, ev->answer);
}
