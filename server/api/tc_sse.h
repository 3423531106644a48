/*
 * tc_sse.h — Server-Sent Events as text (the HTML standard's text/event-stream):
 * events, comments, and JSON strings written into them. Pure: bytes are
 * appended to a growable buffer, nothing else is touched.
 *
 * An event is written as
 *
 *     id: 7
 *     event: report
 *     retry: 3000
 *     data: {"id":"…"}
 *                                   (a blank line ends it)
 *
 * Each line of data becomes its own "data:" line (a browser joins them with
 * "\n" again); a CR or CR LF in data counts as a line end, as the standard
 * reads them.
 */
#ifndef TC_SSE_H
#define TC_SSE_H

#include <stddef.h>

#include "tc_rc.h"
#include "tc_vec.h"

/* How long a browser waits before it connects again after a stream ends (the retry field). */
#define TC_SSE_RETRY_MS 3000

/*
 * Event `event` (a name without CR or LF) with id and data (len bytes) appended to out, a byte
 * vector. TC_ERR_USAGE for a name with a line end; TC_ERR_NOMEM (out unchanged) when out cannot grow.
 */
enum tc_rc tc_sse_event(struct tc_vec *out, unsigned long id, const char *event, const char *data, size_t len);
/* A comment line (": text"), which clients ignore: it keeps idle connections open. */
enum tc_rc tc_sse_comment(struct tc_vec *out, const char *text);
/*
 * s as a JSON string (quotes included) appended to out: ", \ and control characters escaped, and
 * each byte that is not part of well-formed UTF-8 written as U+FFFD, so the result is always
 * valid JSON.
 */
enum tc_rc tc_sse_json_string(struct tc_vec *out, const char *s);

#endif
