/*
 * sim_source.c — parsing --source-addresses: the loopback addresses the
 * simulated receivers connect from, so a fleet larger than one address's
 * ephemeral ports reaches one broker (sim_source.h).
 */
#include "sim_source.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* One dotted 127/8 address of len bytes at p into *out; -1 when it is not one. */
static int loopback(const char *p, size_t len, uint32_t *out)
{
	char buf[SIM_SOURCE_LEN];
	struct in_addr a;
	if (!len || len >= sizeof(buf))
		return -1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return *out >> 24 == 127 ? 0 : -1;
}

static enum tc_rc add(struct sim_sources *s, uint32_t ip, struct tc_diags *d)
{
	if (s->n == SIM_SOURCE_MAX)
		return tc_err(d, "sim.sources", "--source-addresses", "--source-addresses: more than %d addresses",
			      SIM_SOURCE_MAX), TC_ERR_INVALID;
	snprintf(s->addr[s->n++], SIM_SOURCE_LEN, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255,
		 ip & 255);
	return TC_OK;
}

/* One item, "A" or "A-B", of len bytes at p. */
static enum tc_rc item(struct sim_sources *s, const char *p, size_t len, struct tc_diags *d)
{
	const char *dash = memchr(p, '-', len);
	size_t first_len = dash ? (size_t)(dash - p) : len;
	uint32_t lo, hi;
	if (loopback(p, first_len, &lo) || (dash && loopback(dash + 1, len - first_len - 1, &hi)))
		return tc_err(d, "sim.sources", "--source-addresses",
			      "--source-addresses: '%.*s' is not a 127.x.x.x address or a range A-B of them "
			      "(the simulated receivers stay on this machine's loopback)", (int)len, p),
		       TC_ERR_INVALID;
	if (!dash)
		hi = lo;
	if (hi < lo)
		return tc_err(d, "sim.sources", "--source-addresses",
			      "--source-addresses: the range '%.*s' ends before it starts", (int)len, p),
		       TC_ERR_INVALID;
	if (hi - lo >= SIM_SOURCE_MAX)
		return tc_err(d, "sim.sources", "--source-addresses",
			      "--source-addresses: the range '%.*s' holds more than %d addresses", (int)len, p,
			      SIM_SOURCE_MAX), TC_ERR_INVALID;
	for (uint32_t ip = lo;; ip++) {
		enum tc_rc rc = add(s, ip, d);
		if (rc || ip == hi)
			return rc;
	}
}

enum tc_rc sim_source_parse(struct sim_sources *s, const char *v, struct tc_diags *d)
{
	s->n = 0;
	if (!*v)
		return tc_err(d, "sim.sources", "--source-addresses", "--source-addresses: empty"), TC_ERR_INVALID;
	for (const char *p = v;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		enum tc_rc rc = item(s, p, len, d);
		if (rc)
			return rc;
		if (!comma)
			return TC_OK;
		p = comma + 1;
	}
}

const char *sim_source_pick(const struct sim_sources *s, size_t i)
{
	return s && s->n ? s->addr[i % s->n] : NULL;
}
