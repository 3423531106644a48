/*
 * tc_preview.h — an alert as the public would meet it, before it is
 * submitted: per info language the text the speech engine is given, the
 * message audio (Ogg/Opus, exactly what receivers would get) and the SMS;
 * and the shelter display's screen as tocsin-signage draws it. Nothing of
 * it is stored, sealed or sent.
 *
 * A preview is made by the render worker (tc_renderer.c), the one thread
 * that owns espeak-ng, and handed to the owner thread, where the HTTP API
 * keeps it a while (struct tc_previews) so that the console can play its
 * audio: in memory only, for its maker only.
 *
 * Ownership: tc_preview_make() returns a preview the caller frees with
 * tc_preview_free(); tc_previews_put() takes it.
 */
#ifndef TC_PREVIEW_H
#define TC_PREVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "rx_signage_view.h"
#include "tc_render.h"

#define TC_PREVIEW_ID_LEN 32 /* lowercase hex digits of a preview's random id */

struct tc_preview_lang {
	char lang[36];
	char *script;         /* the speech engine's input text */
	unsigned char *audio; /* the message alone, Ogg/Opus */
	size_t audio_len;
	unsigned duration_ms;
	char *sms_text;
	const char *sms_encoding; /* "GSM7" or "UCS2" */
	size_t sms_segments;
};

struct tc_preview {
	char id[TC_PREVIEW_ID_LEN + 1];
	enum tc_rc rc;       /* TC_OK, or why nothing could be made (code, path and error say it) */
	char code[64], path[128], error[512];
	struct tc_preview_lang *langs;
	size_t n_langs;
	int width;           /* the display's columns */
	size_t n_lines;      /* and lines */
	struct rx_view_line *lines;
};

/*
 * The preview id of alert xml (checked already: it is read leniently here), rendered with tts
 * and ro as a real alert is; the display's clock reads now. NULL only when out of memory; a
 * failure is a preview with rc set.
 */
struct tc_preview *tc_preview_make(const char *id, const char *xml, size_t len, struct tc_tts *tts,
				   const struct tc_render_options *ro, int64_t now);
/* NULL is a no-op (a void * for tc_mail's ptr_free). */
void tc_preview_free(void *p);
/* The bytes p holds (what its keeping costs). */
size_t tc_preview_bytes(const struct tc_preview *p);

/* --- the previews kept ------------------------------------------------------------------------- */

#define TC_PREVIEWS_MAX 32                   /* previews kept at once */
#define TC_PREVIEWS_BYTES ((size_t)64 << 20) /* bytes they may hold together */
#define TC_PREVIEW_TTL_S 600                 /* how long each is kept */

struct tc_previews;

/* At most max_n previews of max_bytes together, each for ttl_s seconds; NULL when out of memory. */
struct tc_previews *tc_previews_new(size_t max_n, size_t max_bytes, int64_t ttl_s);
/* Frees every preview kept; NULL is a no-op. */
void tc_previews_free(struct tc_previews *ps);

/*
 * Keep p (taken) for owner from now: the expired go, then the oldest until it fits.
 * TC_ERR_LIMIT (p is freed) when p alone holds more than all may.
 */
enum tc_rc tc_previews_put(struct tc_previews *ps, struct tc_preview *p, const char *owner, int64_t now);

/*
 * The language lang of preview id when owner made it and it has not expired; NULL otherwise
 * (unknown, expired, dropped, another's: all alike). Valid until the next put or free.
 */
const struct tc_preview_lang *tc_previews_get(struct tc_previews *ps, const char *id, const char *lang,
					      const char *owner, int64_t now);

/* How many previews are kept, and the bytes they hold. */
size_t tc_previews_count(const struct tc_previews *ps);
size_t tc_previews_bytes(const struct tc_previews *ps);

#endif
