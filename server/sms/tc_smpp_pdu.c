/*
 * tc_smpp_pdu.c — the pure half of tc_smpp.h: the session state table,
 * the gateway's parts as submit_sm carries them, and PDUs packed and
 * unpacked through libsmpp34, under one lock because the library keeps its
 * error state in globals.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>
#include <smpp34_heap.h>

#include "tc_smpp.h"
#include "tc_sms_gateway.h"

/* --- the state table ------------------------------------------------------------ */

static const struct transition {
	enum tc_smpp_state from;
	enum tc_smpp_event ev;
	enum tc_smpp_state to;
} table[] = {
	{ TC_SMPP_CLOSED, TC_SMPP_EV_CONNECTED, TC_SMPP_OPEN },
	{ TC_SMPP_CLOSED, TC_SMPP_EV_STOP, TC_SMPP_CLOSED },
	{ TC_SMPP_OPEN, TC_SMPP_EV_BIND_OK, TC_SMPP_BOUND },
	{ TC_SMPP_OPEN, TC_SMPP_EV_BIND_FAIL, TC_SMPP_CLOSED },
	{ TC_SMPP_OPEN, TC_SMPP_EV_LINK_LOST, TC_SMPP_CLOSED },
	{ TC_SMPP_OPEN, TC_SMPP_EV_TIMEOUT, TC_SMPP_CLOSED },
	{ TC_SMPP_OPEN, TC_SMPP_EV_STOP, TC_SMPP_CLOSED },
	{ TC_SMPP_BOUND, TC_SMPP_EV_SUBMIT, TC_SMPP_BOUND },
	{ TC_SMPP_BOUND, TC_SMPP_EV_RESP, TC_SMPP_BOUND },
	{ TC_SMPP_BOUND, TC_SMPP_EV_DELIVER, TC_SMPP_BOUND },
	{ TC_SMPP_BOUND, TC_SMPP_EV_ENQUIRE_DUE, TC_SMPP_BOUND },
	{ TC_SMPP_BOUND, TC_SMPP_EV_ENQUIRE_TIMEOUT, TC_SMPP_CLOSED },
	{ TC_SMPP_BOUND, TC_SMPP_EV_PEER_UNBIND, TC_SMPP_CLOSED },
	{ TC_SMPP_BOUND, TC_SMPP_EV_LINK_LOST, TC_SMPP_CLOSED },
	{ TC_SMPP_BOUND, TC_SMPP_EV_TIMEOUT, TC_SMPP_CLOSED },
	{ TC_SMPP_BOUND, TC_SMPP_EV_STOP, TC_SMPP_UNBINDING },
	{ TC_SMPP_UNBINDING, TC_SMPP_EV_RESP, TC_SMPP_UNBINDING },
	{ TC_SMPP_UNBINDING, TC_SMPP_EV_DELIVER, TC_SMPP_UNBINDING },
	{ TC_SMPP_UNBINDING, TC_SMPP_EV_UNBIND_RESP, TC_SMPP_CLOSED },
	{ TC_SMPP_UNBINDING, TC_SMPP_EV_PEER_UNBIND, TC_SMPP_CLOSED },
	{ TC_SMPP_UNBINDING, TC_SMPP_EV_LINK_LOST, TC_SMPP_CLOSED },
	{ TC_SMPP_UNBINDING, TC_SMPP_EV_TIMEOUT, TC_SMPP_CLOSED },
};

const char *tc_smpp_state_name(enum tc_smpp_state s)
{
	static const char *const names[] = { "closed", "open", "bound", "unbinding" };
	return (unsigned)s < TC_SMPP_N_STATES ? names[s] : "unknown";
}

const char *tc_smpp_event_name(enum tc_smpp_event e)
{
	static const char *const names[] = { "connected", "bind-ok", "bind-fail", "submit", "resp", "deliver",
					     "enquire-due", "enquire-timeout", "peer-unbind", "stop", "unbind-resp",
					     "link-lost", "timeout" };
	return (unsigned)e < TC_SMPP_N_EVENTS ? names[e] : "unknown";
}

bool tc_smpp_next(enum tc_smpp_state st, enum tc_smpp_event ev, enum tc_smpp_state *next)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].from == st && table[i].ev == ev) {
			*next = table[i].to;
			return true;
		}
	*next = st;
	return false;
}

const char *tc_smpp_status_name(uint32_t status)
{
	static const struct { uint32_t v; const char *name; } names[] = {
		{ ESME_ROK, "ok" }, { ESME_RINVMSGLEN, "invalid message length" },
		{ ESME_RINVCMDID, "invalid command" }, { ESME_RINVBNDSTS, "not bound" },
		{ ESME_RALYBND, "already bound" }, { ESME_RSYSERR, "SMSC system error" },
		{ ESME_RINVDSTADR, "invalid destination address" }, { ESME_RBINDFAIL, "bind failed" },
		{ ESME_RINVPASWD, "wrong password" }, { ESME_RINVSYSID, "unknown system id" },
		{ ESME_RMSGQFUL, "message queue full" }, { ESME_RINVESMCLASS, "invalid esm_class" },
		{ ESME_RSUBMITFAIL, "submit failed" }, { ESME_RTHROTTLED, "throttled" },
		{ ESME_RINVDSTTON, "invalid destination TON" }, { ESME_RUNKNOWNERR, "unknown error" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].v == status)
			return names[i].name;
	return "error";
}

/* --- packing -------------------------------------------------------------------- */

static pthread_mutex_t codec = PTHREAD_MUTEX_INITIALIZER;

/*
 * libsmpp34 loses a TLV it has allocated when a PDU breaks off in the middle
 * of its optional part, so what it allocates while unpacking is tracked
 * (under the codec lock) and what is left after destroy_tlv() is freed.
 * A PDU of TC_SMPP_MAX_PDU bytes holds at most a TLV per 4 bytes.
 */
#define TRACKED_MAX (TC_SMPP_MAX_PDU / 4 + 8)
static void *tracked[TRACKED_MAX];
static size_t n_tracked;
static pthread_once_t allocator_once = PTHREAD_ONCE_INIT;

static void track(void *p)
{
	if (p && n_tracked < TRACKED_MAX)
		tracked[n_tracked++] = p;
}

static void untrack(void *p)
{
	for (size_t i = n_tracked; i-- > 0;)
		if (tracked[i] == p) {
			tracked[i] = tracked[--n_tracked];
			return;
		}
}

static void *lib_malloc(size_t n)
{
	void *p = malloc(n);
	track(p);
	return p;
}

static void *lib_realloc(void *old, size_t n)
{
	uintptr_t key = (uintptr_t)old; /* the old block's address, taken while it is live */
	void *p = realloc(old, n);
	if (p) {
		for (size_t i = n_tracked; i-- > 0;)
			if ((uintptr_t)tracked[i] == key) {
				tracked[i] = p;
				return p;
			}
		track(p);
	}
	return p;
}

static void lib_free(void *p)
{
	untrack(p);
	free(p);
}

static void install_allocator(void)
{
	static const struct smpp34_memory_functions mf = { lib_malloc, lib_realloc, lib_free };
	smpp34_set_memory_functions(&mf);
}

/* Free what the library allocated and did not give back (called with the codec lock held). */
static void free_lost(void)
{
	while (n_tracked)
		free(tracked[--n_tracked]);
}

static size_t pack(void *pdu, uint8_t *out, size_t cap)
{
	int len = 0;
	pthread_mutex_lock(&codec);
	int r = smpp34_pack2(out, (int)cap, &len, pdu);
	pthread_mutex_unlock(&codec);
	return r == 0 && len > 0 ? (size_t)len : 0;
}

/* Copy text into a C-octet field, cut to fit. */
static void copy_text(uint8_t *field, size_t cap, const char *text)
{
	size_t n = text ? strlen(text) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(field, text ? text : "", n);
	field[n] = '\0';
}
#define COPY(field, text) copy_text((field), sizeof(field), (text))

size_t tc_smpp_pack_bind(uint8_t *out, size_t cap, uint32_t seq, const char *system_id, const char *password,
			 const char *system_type)
{
	bind_transceiver_t b;
	memset(&b, 0, sizeof(b));
	b.command_id = BIND_TRANSCEIVER;
	b.sequence_number = seq;
	COPY(b.system_id, system_id);
	COPY(b.password, password);
	COPY(b.system_type, system_type);
	b.interface_version = SMPP_VERSION;
	b.addr_ton = TON_International;
	b.addr_npi = NPI_ISDN_E163_E164;
	return pack(&b, out, cap);
}

size_t tc_smpp_pack_submit(uint8_t *out, size_t cap, uint32_t seq, const struct tc_smpp_msg *m, const char *source)
{
	submit_sm_t s;
	if (m->sm_len > TC_SMPP_SM_MAX)
		return 0;
	memset(&s, 0, sizeof(s));
	s.command_id = SUBMIT_SM;
	s.sequence_number = seq;
	bool alpha = source && *source && strspn(source, "+0123456789") != strlen(source);
	s.source_addr_ton = !source || !*source ? TON_Unknown : alpha ? TON_Alphanumeric : TON_International;
	s.source_addr_npi = alpha || !source || !*source ? NPI_Unknown : NPI_ISDN_E163_E164;
	COPY(s.source_addr, source && *source == '+' ? source + 1 : source);
	s.dest_addr_ton = TON_International;
	s.dest_addr_npi = NPI_ISDN_E163_E164;
	COPY(s.destination_addr, m->dest[0] == '+' ? m->dest + 1 : m->dest);
	s.esm_class = m->esm_class;
	s.priority_flag = 1; /* warnings go before the operator's bulk traffic */
	s.registered_delivery = SMPP34_DELIVERY_RECEIPT_ON;
	s.data_coding = m->data_coding;
	s.sm_length = (uint8_t)m->sm_len;
	memcpy(s.short_message, m->sm, m->sm_len);
	return pack(&s, out, cap);
}

size_t tc_smpp_pack_simple(uint8_t *out, size_t cap, uint32_t command_id, uint32_t status, uint32_t seq)
{
	/* enquire_link, enquire_link_resp, unbind, unbind_resp, generic_nack: the header alone */
	if (cap < 16)
		return 0;
	uint32_t v[4] = { 16, command_id, status, seq };
	for (int i = 0; i < 4; i++) {
		out[4 * i] = (uint8_t)(v[i] >> 24);
		out[4 * i + 1] = (uint8_t)(v[i] >> 16);
		out[4 * i + 2] = (uint8_t)(v[i] >> 8);
		out[4 * i + 3] = (uint8_t)v[i];
	}
	return 16;
}

size_t tc_smpp_pack_deliver_resp(uint8_t *out, size_t cap, uint32_t seq)
{
	deliver_sm_resp_t r;
	memset(&r, 0, sizeof(r));
	r.command_id = DELIVER_SM_RESP;
	r.sequence_number = seq;
	return pack(&r, out, cap);
}

void tc_smpp_msg_from_submit(const struct tc_sms_submit *p, struct tc_smpp_msg *out)
{
	size_t n = p->ud_len < sizeof(out->sm) ? p->ud_len : sizeof(out->sm);
	memset(out, 0, sizeof(*out));
	out->ref = p->ref;
	snprintf(out->dest, sizeof(out->dest), "%s", p->dest);
	out->data_coding = p->encoding == TC_SMS_UCS2 ? 8 : 0;
	out->esm_class = p->udh_len ? SMPP34_UDHI_IND : 0;
	memcpy(out->sm, p->ud, n);
	out->sm_len = n;
}

/* --- unpacking ------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long tc_smpp_frame(const uint8_t *buf, size_t len)
{
	if (len < 4)
		return 0;
	uint32_t n = be32(buf);
	if (n < 16 || n > TC_SMPP_MAX_PDU)
		return -1;
	return len >= n ? (long)n : 0;
}

static void take_tlvs(tlv_t *t, struct tc_smpp_pdu *out)
{
	for (; t; t = t->next) {
		if (t->tag == TLVID_receipted_message_id) {
			size_t n = t->length < sizeof(out->message_id) ? t->length : sizeof(out->message_id) - 1;
			memcpy(out->message_id, t->value.octet, n);
			out->message_id[n] = '\0';
		} else if (t->tag == TLVID_message_state && t->length >= 1) {
			out->message_state = t->value.val08;
		} else if (t->tag == TLVID_message_payload && out->sm_len == 0) {
			size_t n = t->length < TC_SMPP_SM_MAX ? t->length : TC_SMPP_SM_MAX;
			memcpy(out->sm, t->value.octet, n);
			out->sm_len = n;
		}
	}
}

/* The offset after a C-octet string of at most max bytes (its NUL included) at o; 0 when it does not end in time. */
static size_t skip_cstr(const uint8_t *b, size_t len, size_t o, size_t max)
{
	for (size_t i = 0; i < max && o + i < len; i++)
		if (b[o + i] == 0)
			return o + i + 1;
	return 0;
}

/* Where a deliver_sm's optional part starts; 0 when its mandatory part does not fit the PDU. */
static size_t deliver_body_end(const uint8_t *b, size_t len)
{
	size_t o = skip_cstr(b, len, 16, 6); /* service_type */
	if (o)
		o = skip_cstr(b, len, o + 2, 21); /* source TON, NPI, address */
	if (o)
		o = skip_cstr(b, len, o + 2, 21); /* destination */
	if (o)
		o = skip_cstr(b, len, o + 3, 17); /* esm_class, protocol_id, priority, schedule_delivery_time */
	if (o)
		o = skip_cstr(b, len, o, 17);     /* validity_period */
	if (!o || o + 5 > len)
		return 0;
	o += 4; /* registered_delivery, replace_if_present, data_coding, sm_default_msg_id */
	o += 1 + (size_t)b[o];
	return o <= len ? o : 0;
}

/*
 * A copy of a deliver_sm with only the TLVs tocsind reads handed on, small
 * (receipted_message_id, message_state): libsmpp34 logs every field into a
 * fixed global buffer, which many or long TLVs overrun. message_payload is
 * taken here. 0 when the optional part is malformed.
 */
static size_t trim_deliver(const uint8_t *b, size_t len, uint8_t *out, struct tc_smpp_pdu *pdu)
{
	size_t o = deliver_body_end(b, len), n;
	if (!o)
		return 0;
	memcpy(out, b, o);
	n = o;
	bool have_id = false, have_state = false;
	while (o < len) {
		if (o + 4 > len)
			return 0;
		unsigned tag = (unsigned)b[o] << 8 | b[o + 1], l = (unsigned)b[o + 2] << 8 | b[o + 3];
		if (o + 4 + l > len)
			return 0;
		bool keep = (tag == TLVID_receipted_message_id && l <= 65 && !have_id) ||
			    (tag == TLVID_message_state && l == 1 && !have_state);
		if (keep) { /* the first of each */
			have_id |= tag == TLVID_receipted_message_id;
			have_state |= tag == TLVID_message_state;
			memcpy(out + n, b + o, 4 + l);
			n += 4 + l;
		} else if (tag == TLVID_message_payload) {
			size_t k = l < TC_SMPP_SM_MAX ? l : TC_SMPP_SM_MAX;
			memcpy(pdu->sm, b + o + 4, k);
			pdu->sm_len = k;
		}
		o += 4 + l;
	}
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(n >> (24 - 8 * i));
	return n;
}

enum tc_rc tc_smpp_parse(const uint8_t *buf, size_t len, struct tc_smpp_pdu *out, struct tc_diags *d)
{
	union {
		generic_nack_t header;
		deliver_sm_t deliver;
		submit_sm_resp_t submit_resp;
	} *u = NULL;
	memset(out, 0, sizeof(*out));
	out->message_state = -1;
	if (len < 16 || len > TC_SMPP_MAX_PDU || be32(buf) != len) {
		tc_err(d, "smpp.length", "", "a PDU of %zu bytes says it has %u", len, len >= 4 ? be32(buf) : 0);
		return TC_ERR_INVALID;
	}
	out->command_id = be32(buf + 4);
	out->status = be32(buf + 8);
	out->seq = be32(buf + 12);
	uint32_t id = out->command_id;
	/*
	 * Only what tocsind reads goes through the codec: deliver_sm (trimmed to
	 * the TLVs it needs) and the message id of a submit_sm_resp. A response
	 * with an error status is read from its header alone: its body may be
	 * missing or, as SMSCs send it, an empty message id, which libsmpp34
	 * refuses.
	 */
	bool body = id == DELIVER_SM || (id == SUBMIT_SM_RESP && len > 16 && out->status == 0);
	if (!body) /* bind_transceiver_resp: its status is all tocsind needs */
		return TC_OK;
	uint8_t trimmed[TC_SMPP_MAX_PDU];
	size_t payload_len = 0;
	if (id == DELIVER_SM) {
		len = trim_deliver(buf, len, trimmed, out);
		payload_len = out->sm_len;
		if (!len) {
			tc_err(d, "smpp.pdu", "", "the SMSC sent a deliver_sm whose fields do not fit its length");
			return TC_ERR_INVALID;
		}
		buf = trimmed;
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return TC_ERR_NOMEM;
	pthread_once(&allocator_once, install_allocator);
	pthread_mutex_lock(&codec);
	n_tracked = 0;
	int r = smpp34_unpack2(u, buf, (int)len);
	char why[160];
	copy_text((uint8_t *)why, sizeof(why), smpp34_strerror);
	enum tc_rc rc = TC_OK;
	if (r != 0) {
		why[strcspn(why, "\r\n")] = '\0';
		tc_err(d, "smpp.pdu", "", "the SMSC sent a PDU 0x%08x that cannot be read: %s", id,
		       why[0] ? why : "malformed");
		rc = TC_ERR_INVALID;
	} else if (id == SUBMIT_SM_RESP) {
		snprintf(out->message_id, sizeof(out->message_id), "%.65s", (const char *)u->submit_resp.message_id);
	} else if (id == DELIVER_SM) {
		const deliver_sm_t *dl = &u->deliver;
		snprintf(out->source, sizeof(out->source), "%.21s", (const char *)dl->source_addr);
		snprintf(out->dest, sizeof(out->dest), "%.21s", (const char *)dl->destination_addr);
		out->esm_class = dl->esm_class;
		out->data_coding = dl->data_coding;
		if (dl->sm_length || !payload_len) {
			out->sm_len = dl->sm_length <= TC_SMPP_SM_MAX ? dl->sm_length : TC_SMPP_SM_MAX;
			memcpy(out->sm, dl->short_message, out->sm_len);
		}
		take_tlvs(dl->tlv, out);
	}
	if (id == DELIVER_SM)
		destroy_tlv(u->deliver.tlv);
	free_lost();
	pthread_mutex_unlock(&codec);
	free(u);
	return rc;
}

/* --- text ------------------------------------------------------------------------- */

size_t tc_smpp_text(const uint8_t *sm, size_t len, uint8_t data_coding, bool has_udh, char *out, size_t cap)
{
	size_t o = 0, i = 0;
	if (!cap)
		return 0;
	if (has_udh && len)
		i = (size_t)sm[0] + 1 < len ? (size_t)sm[0] + 1 : len;
	if (data_coding == 8 || data_coding == 0)
		return tc_sms_decode(data_coding == 8 ? TC_SMS_UCS2 : TC_SMS_GSM7, i < len ? sm + i : NULL, len - i,
					   out, cap);
	/* IA5/ASCII (1) and Latin-1 (3), and anything else read as Latin-1: one or two UTF-8 octets each */
	for (; i < len; i++) {
		size_t n = sm[i] < 0x80 ? 1 : 2;
		if (o + n >= cap)
			continue;
		if (n == 2)
			out[o++] = (char)(0xC0 | sm[i] >> 6);
		out[o++] = (char)(n == 2 ? (0x80 | (sm[i] & 0x3F)) : sm[i]);
	}
	out[o] = '\0';
	return o;
}
