/*
 * tc_routes.h — which broker serves which receivers, when tocsind dispatches to several
 * independent brokers (the region_broker setting; docs/operations.md, "Several brokers").
 *
 * Each route is one broker: its address, the folder of its CA certificate and tocsind's
 * password on it, and the region code prefixes of the receivers it carries. A receiver is
 * served by the one route with a prefix its region starts with; a region scope (an alert
 * for a province, a county) reaches every route that may carry receivers under it. No
 * prefix is served twice, so a receiver is never on two brokers. Pure: no I/O.
 */
#ifndef TC_ROUTES_H
#define TC_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_diag.h"
#include "tc_settings.h"

#define TC_ROUTES_MAX 16    /* brokers */
#define TC_ROUTE_PREFIXES 16 /* region prefixes a broker serves */

struct tc_route {
	char url[300];  /* mqtt://HOST:PORT or mqtts://HOST:PORT, as receivers are told */
	char host[256];
	unsigned port;
	bool tls;
	char dir[160]; /* the folder of broker-ca.crt and broker.password ("": tocsind's data_dir) */
	char prefixes[TC_ROUTE_PREFIXES][16];
	size_t n_prefixes;
	char where[128]; /* FILE:LINE of its setting, for messages */
};

/*
 * Read HOST:PORT, mqtt://HOST:PORT or mqtts://HOST:PORT into host (len bytes), *port, *tls.
 * TC_ERR_INVALID when it is none of them.
 */
enum tc_rc tc_route_address(const char *text, char *host, size_t len, unsigned *port, bool *tls);

/*
 * Read the region_broker lines of l ("URL PREFIX[,PREFIX...] [DIR]") into out (TC_ROUTES_MAX),
 * *n of them. TC_ERR_INVALID, with one error per bad line naming it (FILE:LINE), when a line is
 * not of that form, or a prefix is served by two lines (one a prefix of the other counts).
 */
enum tc_rc tc_routes_parse(const struct tc_setting_list *l, struct tc_route *out, size_t *n, struct tc_diags *d);

/* The route serving a receiver in region (its index), -1 when none does. */
int tc_routes_serving(const struct tc_route *r, size_t n, const char *region);

/*
 * Whether route r may carry receivers under scope (a region code, or a prefix of one): one of
 * its prefixes starts with scope, or scope starts with one of them. "" is every route's.
 */
bool tc_route_reaches(const struct tc_route *r, const char *scope);

#endif
