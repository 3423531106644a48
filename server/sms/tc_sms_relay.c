/*
 * tc_sms_relay.c — the relay's rules (tc_sms_relay.h).
 */
#include "tc_sms_relay.h"

#include <string.h>

bool tc_relay_reaches(const char *chain_region, const char (*regions)[16], size_t n_regions)
{
	size_t len = strlen(chain_region);
	if (len != 9 && len != 12)
		return false;
	for (size_t i = 0; i < n_regions; i++) {
		size_t k = strlen(regions[i]);
		size_t m = k < len ? k : len;
		if (k && !strncmp(chain_region, regions[i], m))
			return true;
	}
	return false;
}

/* Whether a comes before b in a chain: by place, then by phone. */
static bool before(const struct tc_contact *a, const struct tc_contact *b)
{
	return a->relay != b->relay ? a->relay < b->relay : strcmp(a->phone, b->phone) < 0;
}

size_t tc_relay_chain(const struct tc_contact *v, size_t n, const char *region, size_t *order, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].relay <= 0 || strcmp(v[i].region, region) != 0)
			continue;
		size_t at = k < max ? k : max;
		while (at > 0 && before(&v[i], &v[order[at - 1]])) {
			if (at < max)
				order[at] = order[at - 1];
			at--;
		}
		if (at < max)
			order[at] = i;
		k++;
	}
	return k;
}

const char *tc_relay_action_name(enum tc_relay_action a)
{
	static const char *const names[] = { "wait", "tell-next", "ran-out" };
	return (unsigned)a <= TC_RELAY_RAN_OUT ? names[a] : "unknown";
}

enum tc_relay_action tc_relay_decide(const char *state, int64_t due_at, int64_t now, bool someone_after)
{
	if (strcmp(state, "waiting") != 0 || due_at <= 0 || now < due_at)
		return TC_RELAY_WAIT;
	return someone_after ? TC_RELAY_TELL_NEXT : TC_RELAY_RAN_OUT;
}
