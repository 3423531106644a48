/*
 * sim_source.h — the loopback source addresses the simulator's receivers
 * connect from (--source-addresses).
 *
 * The kernel gives one source address about 28,000 ephemeral ports
 * (net.ipv4.ip_local_port_range), so one address cannot carry 100,000
 * connections to one broker. Every 127.x.x.x address is the machine itself
 * and needs no set-up; receiver i binds sim_source_pick(s, i) before it
 * connects, spreading the fleet round robin.
 */
#ifndef SIM_SOURCE_H
#define SIM_SOURCE_H

#include <stddef.h>

#include "tc_diag.h"

#define SIM_SOURCE_MAX 256
#define SIM_SOURCE_LEN 16 /* "127.255.255.255" and its NUL */

struct sim_sources {
	size_t n;
	char addr[SIM_SOURCE_MAX][SIM_SOURCE_LEN];
};

/*
 * Parse "127.0.0.1-127.0.0.4" (a range, first to last, at most
 * SIM_SOURCE_MAX addresses) or "127.0.0.2,127.0.0.3" (a list; items may
 * be ranges) into s. Only 127/8 addresses are accepted: the fleet stays on
 * this machine. TC_OK, else TC_ERR_INVALID with a
 * message in d naming the bad part.
 */
enum tc_rc sim_source_parse(struct sim_sources *s, const char *v, struct tc_diags *d);

/* The address receiver i binds (the list round robin); NULL when none were given. */
const char *sim_source_pick(const struct sim_sources *s, size_t i);

#endif
