/*
 * tc_rc.h — the one result type every tocsin function returns.
 *
 * A function that can fail returns enum tc_rc; the human explanation goes into
 * a caller-supplied struct tc_diags (see tc_diag.h), never to stdout or stderr.
 */
#ifndef TC_RC_H
#define TC_RC_H

enum tc_rc {
	TC_OK = 0,
	TC_ERR_INVALID,  /* the input broke a rule; the diagnostics say which */
	TC_ERR_LIMIT,    /* the input exceeds a configured size, depth or count */
	TC_ERR_IO,       /* a file or socket could not be read or written */
	TC_ERR_NOMEM,    /* an allocation failed */
	TC_ERR_USAGE,    /* the caller passed arguments that make no sense */
	TC_ERR_NOTFOUND, /* the thing asked for does not exist */
	TC_ERR_INTERNAL, /* a library we call failed in a way we did not expect */
};

/* Stable lower-case name of a result code ("ok", "invalid", ...). */
const char *tc_rc_name(enum tc_rc rc);

#endif
