/*
 * tc_renderer.h — the render worker: the one thread that owns espeak-ng.
 *
 * The owner thread hands it an alert (id and original XML); the worker
 * renders each info language once (tc_render: recorded audio first, else
 * speech; Ogg/Opus for receivers), builds the receivers' payload naming the
 * audio by id and SHA-256, seals it with the bureau's key, and mails the
 * result (struct tc_rendered, kind TC_RENDER_DONE) back. It never touches
 * the store.
 *
 * It also makes previews (tc_preview.h) for the HTTP API: a drafter's
 * alert rendered as a real one would be, mailed back as TC_RENDER_PREVIEW
 * (the mail's ptr a struct tc_preview). A preview never delays an alert:
 * the worker takes every queued alert first, and at most
 * TC_RENDERER_PREVIEWS previews wait at once.
 */
#ifndef TC_RENDERER_H
#define TC_RENDERER_H

#include <stddef.h>
#include <stdint.h>

#include "tc_mailbox.h"
#include "tc_render.h"
#include "tc_sign.h"

enum { TC_RENDER_DONE = 200, TC_RENDER_PREVIEW = 201 };

/* Previews queued or being made at once; tc_renderer_preview refuses more. */
#define TC_RENDERER_PREVIEWS 4

struct tc_rendered_audio {
	char id[64];    /* <alert id>-<lang>: the topic suffix P/audio/<id> */
	char lang[36];
	char sha256[65];
	unsigned char *data; /* Ogg/Opus */
	size_t len;
	unsigned duration_ms;
};

/* A guidance sentence rendered for the first time (id: g-<16 hex>). */
struct tc_rendered_guidance {
	struct tc_rendered_audio au;
	char text[512];
};
struct tc_rendered {
	char alert_id[17];
	enum tc_rc rc;             /* TC_OK, or why nothing could be rendered (error says it) */
	char error[512];
	unsigned char *sealed;     /* the sealed payload */
	size_t sealed_len;
	int priority;
	int64_t expires_at;        /* the payload's: the alert's <expires>, else default_expiry_s after sealing */
	struct tc_rendered_audio *audio;
	size_t n_audio;
	struct tc_rendered_guidance *guidance; /* the scope's "guidance" lines, in order */
	size_t n_guidance;
};
void tc_rendered_free(void *r);

struct tc_renderer_options {
	struct tc_render_options render; /* repeats, SMS segments, Opus rate, ... */
	const char *lexicon_path;        /* extra pronunciation lexicon; NULL: the built-in one only */
	int default_repeats;
	long default_expiry_s;           /* an alert without <expires> expires this long after it is sealed */
	uint8_t secret_key[TC_SIGN_SECRET_BYTES];
};

struct tc_renderer;

/* Start the worker (it starts espeak-ng); results are mailed to out. */
enum tc_rc tc_renderer_start(const struct tc_renderer_options *o, struct tc_mailbox *out, struct tc_renderer **r,
			     struct tc_diags *d);
/* Stop it (the job in progress is finished first); NULL is a no-op. */
void tc_renderer_stop(struct tc_renderer *r);

/*
 * Queue alert id for rendering (xml and scope are copied). scope says who
 * may act on the payload, one entry a line: "region CODE" or "rx ID"
 * (docs/protocol.md, "What a receiver checks").
 */
enum tc_rc tc_renderer_submit(struct tc_renderer *r, const char *alert_id, const char *xml, size_t len,
			      const char *scope);

/*
 * Queue a preview of xml (copied), named id (TC_PREVIEW_ID_LEN hex digits), behind every alert.
 * TC_ERR_LIMIT when TC_RENDERER_PREVIEWS are waiting already.
 */
enum tc_rc tc_renderer_preview(struct tc_renderer *r, const char *id, const char *xml, size_t len);

/* Seal what is rendered from now on with sk (a key reload); the worker takes it between two alerts. */
enum tc_rc tc_renderer_set_key(struct tc_renderer *r, const uint8_t sk[TC_SIGN_SECRET_BYTES]);

#endif
