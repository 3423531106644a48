/*
 * tc_sms_kannel.h — the Kannel kind of SMS gateway (tc_sms_gateway.h):
 * Kannel's smsbox HTTP sendsms interface, and the delivery reports and
 * replies Kannel calls tocsind back with on its HTTP API.
 */
#ifndef TC_SMS_KANNEL_H
#define TC_SMS_KANNEL_H

#include "tc_diag.h"
#include "tc_mailbox.h"
#include "tc_sms_gateway.h"

struct tc_sms_kannel_options {
	const char *url;             /* http://host:13013/cgi-bin/sendsms */
	const char *user, *password;
	const char *dlr_url;         /* where Kannel calls back: http://127.0.0.1:PORT/api/v1/sms/dlr */
	const char *source;          /* Kannel's "from" (NULL or "": Kannel's own) */
};

/* Start the client thread; events go to mb. The options are copied. */
enum tc_rc tc_sms_kannel_start(const struct tc_sms_kannel_options *o, struct tc_mailbox *mb,
			       struct tc_sms_gateway **out, struct tc_diags *d);

/*
 * url as it may be logged: without user:password@ and without its query
 * (which may carry a password), shown as "?(hidden)". Into out (cap bytes).
 */
void tc_sms_kannel_url_shown(const char *url, char *out, size_t cap);

/*
 * A Kannel callback on tocsind's HTTP API: GET /api/v1/sms/dlr?ref=R[&n=N]&type=T
 * (T: Kannel's dlr type, 1 delivered, 2 failed, 4 buffered, 8 submitted,
 * 16 rejected) or /api/v1/sms/mo?from=P&text=T, posted to mb as the
 * gateway's events. arg looks up a query argument. Returns the HTTP status
 * (200, or 400 for a bad call; 0 when the path is not a Kannel callback).
 */
unsigned tc_sms_kannel_http(struct tc_mailbox *mb, const char *path,
			    const char *(*arg)(void *conn, const char *name), void *conn);

#endif
