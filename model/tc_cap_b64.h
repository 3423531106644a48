/*
 * tc_cap_b64.h — base64 as CAP carries it (derefUri), decoded a piece at a
 * time. tc_cap_base64_decode() in tc_cap.h decodes a text whole.
 */
#ifndef TC_CAP_B64_H
#define TC_CAP_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Base64 as CAP carries it, decoded a piece at a time (tc_cap_b64.c), so
 * that megabytes of embedded audio can be measured and hashed without being
 * held. The text must outlive the decoder; nothing is allocated.
 */
struct tc_cap_b64 {
	const unsigned char *p, *end; /* what is left to read */
	uint32_t acc;                 /* bits of the group being read */
	unsigned have, pad;           /* its characters so far, '=' seen */
	bool bad;                     /* not base64 (a stray character, bad padding) */
	bool done;                    /* the whole text is decoded */
};
void tc_cap_b64_start(struct tc_cap_b64 *b, const char *text);
/*
 * Decode the next bytes into out (cap >= 3): returns how many, 0 once the
 * text is done (b->done) or found bad (b->bad, and no bytes of that call).
 */
size_t tc_cap_b64_read(struct tc_cap_b64 *b, unsigned char *out, size_t cap);

#endif
