/*
 * tc_dispatch_shelter.c — a shelter display's own shelter: when its
 * occupancy or state changes, and when the display comes online, tocsind
 * sends it the shelter command (tc_dispatch.h), sealed like a cancel.
 */
#include "tc_dispatch_int.h"

#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "tc_log.h"
#include "tc_proto.h"
#include "tc_sign.h"

struct tell_ctx {
	struct tc_dispatch *dp;
	const struct tc_shelter *sh;
	int64_t now;
	size_t told;
};

static void tell_one(const char *rx, void *user)
{
	struct tell_ctx *t = user;
	uint8_t nonce[8];
	char text[768];
	unsigned char sealed[768 + TC_SIGN_HEADER_LEN];
	size_t len = 0;
	struct tc_cmd cmd = { .kind = TC_CMD_SHELTER, .at = t->now, .capacity = t->sh->capacity,
			      .occupancy = t->sh->occupancy, .full = tc_store_shelter_full(t->sh) };
	snprintf(cmd.rx, sizeof(cmd.rx), "%s", rx);
	snprintf(cmd.shelter_name, sizeof(cmd.shelter_name), "%s", t->sh->name);
	tc_sign_kid_of_secret(t->dp->o.secret_key, cmd.kid);
	randombytes_buf(nonce, sizeof(nonce));
	sodium_bin2hex(cmd.nonce, sizeof(cmd.nonce), nonce, sizeof(nonce));
	size_t n = tc_cmd_encode(&cmd, text, sizeof(text));
	if (!n || tc_sign_seal(text, n, t->dp->o.secret_key, sealed, sizeof(sealed), &len) ||
	    tc_dispatch_send_direct(t->dp, rx, sealed, len, (uint32_t)t->dp->o.default_expiry_s) != TC_OK) {
		tc_log(TC_LOG_WARN, "dispatch", "target=%s shelter=%s the shelter command could not be sent; it is sent "
		       "again when the display comes online", rx, t->sh->id);
		return;
	}
	t->told++;
	tc_log(TC_LOG_INFO, "dispatch", "target=%s shelter=%s occupancy=%ld%s told", rx, t->sh->id, t->sh->occupancy,
	       cmd.full ? " full" : "");
}

void tc_dispatch_shelter_changed(struct tc_dispatch *dp, const char *shelter_id, int64_t now)
{
	struct tc_shelter sh;
	tc_dispatch_guidance_forget(dp); /* full or closed: the way to shelter changes */
	if (!tc_dispatch_up(dp) || tc_store_get_shelter(dp->store, shelter_id, &sh) != TC_OK)
		return;
	struct tell_ctx t = { dp, &sh, now, 0 };
	tc_store_displays_of_shelter(dp->store, shelter_id, tell_one, &t);
}

void tc_dispatch_shelter_online(struct tc_dispatch *dp, const char *rx, int64_t now)
{
	struct tc_receiver r;
	struct tc_shelter sh;
	if (!tc_dispatch_up(dp) || tc_store_get_receiver(dp->store, rx, &r) != TC_OK || strcmp(r.kind, "signage") ||
	    !r.shelter_id[0] || tc_store_get_shelter(dp->store, r.shelter_id, &sh) != TC_OK)
		return;
	struct tell_ctx t = { dp, &sh, now, 0 };
	tell_one(rx, &t);
}
