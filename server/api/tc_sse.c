/*
 * tc_sse.c — Server-Sent Events as text (tc_sse.h).
 */
#include "tc_sse.h"

#include <stdio.h>
#include <string.h>

#include "tc_utf8.h"

static enum tc_rc put(struct tc_vec *out, const char *s, size_t n)
{
	return tc_vec_append_text(out, s, n);
}

/* Back to n bytes, the text still NUL-terminated: what a failed append half wrote is gone. */
static void cut(struct tc_vec *out, size_t n)
{
	out->n = n;
	if (out->v)
		((char *)out->v)[n] = '\0';
}

enum tc_rc tc_sse_event(struct tc_vec *out, unsigned long id, const char *event, const char *data, size_t len)
{
	char head[160];
	if (strpbrk(event, "\r\n"))
		return TC_ERR_USAGE;
	int n = snprintf(head, sizeof(head), "id: %lu\nevent: %.64s\nretry: %d\n", id, event, TC_SSE_RETRY_MS);
	size_t was = out->n;
	enum tc_rc rc = put(out, head, (size_t)n);
	for (size_t at = 0; !rc;) {
		size_t line = at;
		while (line < len && data[line] != '\n' && data[line] != '\r')
			line++;
		rc = put(out, "data: ", 6);
		if (!rc)
			rc = put(out, data + at, line - at);
		if (!rc)
			rc = put(out, "\n", 1);
		if (line >= len)
			break;
		at = line + 1 + (data[line] == '\r' && line + 1 < len && data[line + 1] == '\n');
	}
	if (!rc)
		rc = put(out, "\n", 1);
	if (rc)
		cut(out, was); /* nothing of a half-written event */
	return rc;
}

enum tc_rc tc_sse_comment(struct tc_vec *out, const char *text)
{
	size_t was = out->n;
	enum tc_rc rc = put(out, ": ", 2);
	if (!rc)
		rc = put(out, text, strcspn(text, "\r\n"));
	if (!rc)
		rc = put(out, "\n\n", 2);
	if (rc)
		cut(out, was);
	return rc;
}

enum tc_rc tc_sse_json_string(struct tc_vec *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	size_t was = out->n;
	enum tc_rc rc = put(out, "\"", 1);
	while (!rc && p < end) {
		const unsigned char *run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			rc = put(out, (const char *)run, (size_t)(p - run));
		if (rc || p >= end)
			break;
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p++;
			rc = put(out, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p++);
			rc = put(out, esc, 6);
		} else {
			const unsigned char *start = p;
			if (tc_utf8_next(&p, end) < 0) {
				p++;
				rc = put(out, "\xef\xbf\xbd", 3); /* U+FFFD */
			} else {
				rc = put(out, (const char *)start, (size_t)(p - start));
			}
		}
	}
	if (!rc)
		rc = put(out, "\"", 1);
	if (rc)
		cut(out, was);
	return rc;
}
