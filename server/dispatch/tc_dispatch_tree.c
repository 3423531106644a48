/*
 * tc_dispatch_tree.c — where receivers' topics are (tc_dispatch_int.h): under the prefix P of
 * the one broker; or in a broker tree (docs/operations.md, "A broker tree") under P/county/C
 * of the top broker for the receivers of county C, whose own broker's bridge carries them down
 * and their acknowledgments and statuses back up; or, with several brokers (docs/operations.md,
 * "Several brokers"), under P on the broker whose region prefixes a receiver's region starts
 * with (tc_routes.h). Every topic meant for receivers is made by tc_dispatch_topic and handed
 * to the broker(s) of its place by tc_dispatch_send; every topic coming from them is read by
 * tc_dispatch_parse, which takes a receiver's words only from its own county's branch, or its
 * own broker: a county broker that is stolen or taken over can speak for its own receivers,
 * never for another county's.
 */
#include "tc_dispatch_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_id.h"
#include "tc_log.h"

enum tc_rc tc_dispatch_topic(const struct tc_dispatch *dp, const char *region, enum tc_topic_kind kind, const char *a,
			     const char *b, char *out, size_t len)
{
	char prefix[TC_PROTO_MAX_TOPIC];
	if (!dp->o.county_tree)
		return tc_proto_topic(out, len, dp->prefix, kind, a, b) ? TC_ERR_INVALID : TC_OK;
	if (tc_proto_county_prefix(prefix, sizeof(prefix), dp->prefix, region) ||
	    tc_proto_topic(out, len, prefix, kind, a, b))
		return TC_ERR_INVALID; /* no county, or an id that cannot be in a topic: this message alone */
	return TC_OK;
}

size_t tc_dispatch_min_scope(const struct tc_dispatch *dp)
{
	return dp->o.county_tree ? TC_PROTO_COUNTY_DIGITS : 0;
}

/* --- several brokers ------------------------------------------------------------------- */

unsigned tc_dispatch_brokers_of(const struct tc_dispatch *dp, const char *place, bool receiver)
{
	unsigned mask = 0;
	if (!dp->n_routes)
		return 1; /* the one broker */
	if (receiver) {
		int i = tc_routes_serving(dp->routes, dp->n_routes, place);
		return i < 0 ? 0 : 1u << i;
	}
	for (size_t i = 0; i < dp->n_routes; i++)
		if (tc_route_reaches(&dp->routes[i], place))
			mask |= 1u << i;
	return mask;
}

unsigned tc_dispatch_up(const struct tc_dispatch *dp)
{
	unsigned up = 0;
	for (size_t i = 0; i < dp->n_mq; i++)
		if (tc_mqtt_connected(dp->mq[i]))
			up |= 1u << i;
	return up;
}

bool tc_dispatch_place_up(const struct tc_dispatch *dp, const char *place, bool receiver)
{
	unsigned mask = tc_dispatch_brokers_of(dp, place, receiver);
	return (mask & tc_dispatch_up(dp)) == mask;
}

enum tc_rc tc_dispatch_send(struct tc_dispatch *dp, unsigned mask, const char *topic, const void *data, size_t len,
			    bool retain, uint32_t expiry)
{
	enum tc_rc rc = mask ? TC_OK : TC_ERR_INVALID; /* no broker carries it */
	if (dp->only)
		mask &= dp->only;
	for (size_t i = 0; i < dp->n_mq; i++) {
		if (!(mask & 1u << i))
			continue;
		enum tc_rc r = tc_mqtt_publish(dp->mq[i], topic, data, len, retain, expiry);
		if (r && rc != TC_ERR_INVALID)
			rc = r;
	}
	return rc;
}

/* A record of the published table: "PLACE\tTOPIC" with several brokers, else TOPIC. */
bool tc_dispatch_record(struct tc_dispatch *dp, const char *alert_id, const char *place, const char *topic)
{
	char rec[TC_PROTO_MAX_TOPIC + 20];
	snprintf(rec, sizeof(rec), "%s%s%s", dp->n_routes ? place : "", dp->n_routes ? "\t" : "", topic);
	return tc_dispatch_stored(dp, tc_store_add_published(dp->store, alert_id, rec), TC_DOP_PUBLISHED, alert_id, NULL);
}

enum tc_rc tc_dispatch_send_record(struct tc_dispatch *dp, const char *rec, const void *data, size_t len, bool retain,
				   uint32_t expiry)
{
	char place[32];
	const char *tab = strchr(rec, '\t');
	if (!dp->n_routes || !tab || (size_t)(tab - rec) >= sizeof(place))
		return tc_dispatch_send(dp, tc_dispatch_brokers_of(dp, "", false), tab ? tab + 1 : rec, data, len, retain,
					expiry);
	snprintf(place, sizeof(place), "%.*s", (int)(tab - rec), rec);
	return tc_dispatch_send(dp, tc_dispatch_brokers_of(dp, place, false), tab + 1, data, len, retain, expiry);
}

enum tc_rc tc_dispatch_send_audio(struct tc_dispatch *dp, const struct tc_vec *places, const char *id, const void *data,
				  size_t len, uint32_t expiry, const char *record_for)
{
	char topic[TC_PROTO_MAX_TOPIC];
	const char(*place)[16] = places->v;
	enum tc_rc rc = TC_OK;
	for (size_t i = 0; !rc && i < places->n; i++) {
		if (!tc_dispatch_place_up(dp, place[i], false)) /* its broker is away: when it is back */
			continue;
		rc = tc_dispatch_topic(dp, place[i], TC_TOPIC_AUDIO, id, NULL, topic, sizeof(topic));
		if (!rc)
			rc = tc_dispatch_send(dp, tc_dispatch_brokers_of(dp, place[i], false), topic, data, len, true, expiry);
		if (!rc && record_for && !tc_dispatch_record(dp, record_for, place[i], topic))
			rc = TC_ERR_IO;
	}
	return rc;
}

/* --- what comes from receivers --------------------------------------------------------- */

/*
 * A receiver's word on a county's branch (or from broker `from`) counts only when the receiver
 * is registered in that county (or served by that broker); a receiver tocsind does not know
 * goes on (it is refused as unknown where it acts).
 */
static bool its_own(struct tc_dispatch *dp, const char *county, unsigned from, const char *rx, enum tc_topic_kind kind)
{
	char kind_of[16], region[16];
	enum tc_rc rc = tc_store_receiver_info(dp->store, rx, kind_of, region);
	if (rc == TC_ERR_NOTFOUND)
		return true;
	if (!tc_dispatch_stored(dp, rc, TC_DOP_READ, NULL, rx))
		return false;
	if (!county)
		return tc_dispatch_brokers_of(dp, region, true) == 1u << from ||
		       (tc_dispatch_refused(dp, rx, region, dp->routes[from].url, kind), false);
	if (!strncmp(region, county, TC_PROTO_COUNTY_DIGITS) && strlen(region) >= TC_PROTO_COUNTY_DIGITS)
		return true;
	char where[64];
	snprintf(where, sizeof(where), "the broker of county %s", county);
	tc_dispatch_refused(dp, rx, region, where, kind);
	return false;
}

void tc_dispatch_refused(struct tc_dispatch *dp, const char *rx, const char *region, const char *where,
			 enum tc_topic_kind kind)
{
	if (kind == TC_TOPIC_RX_ACK && dp->n_routes)
		dp->stats.acks_wrong_broker++;
	else if (kind == TC_TOPIC_RX_ACK)
		dp->stats.acks_wrong_county++;
	tc_log(TC_LOG_WARN, "track", "target=%s region=%s: a%s came from %s, not its own; ignored", rx,
	       region[0] ? region : "(none)", kind == TC_TOPIC_RX_ACK ? "n acknowledgment" : " status", where);
}

enum tc_topic_kind tc_dispatch_parse(struct tc_dispatch *dp, unsigned from, const char *topic, char *rx, size_t len)
{
	char county[7], b[64];
	enum tc_topic_kind k;
	if (dp->n_routes) {
		if (from >= dp->n_routes) /* not one of the brokers' connections: nobody's word */
			return TC_TOPIC_UNKNOWN;
		k = tc_proto_parse_topic(dp->prefix, topic, rx, len, b, sizeof(b));
		if ((k == TC_TOPIC_RX_ACK || k == TC_TOPIC_RX_STATUS) && !its_own(dp, NULL, from, rx, k))
			return TC_TOPIC_UNKNOWN;
		return k;
	}
	if (!dp->o.county_tree)
		return tc_proto_parse_topic(dp->prefix, topic, rx, len, b, sizeof(b));
	k = tc_proto_parse_county_topic(dp->prefix, topic, county, rx, len, b, sizeof(b));
	if ((k == TC_TOPIC_RX_ACK || k == TC_TOPIC_RX_STATUS) && !its_own(dp, county, from, rx, k))
		return TC_TOPIC_UNKNOWN;
	return k;
}

/* --- where an alert's messages go ---------------------------------------------------------- */

/* Add place (the first n characters of region) to ps (a vector of char[16]) once; false when out of memory. */
static bool add_place(struct tc_vec *ps, const char *region, size_t n)
{
	char(*all)[16] = ps->v;
	for (size_t i = 0; i < ps->n; i++)
		if (!strncmp(all[i], region, n) && !all[i][n])
			return true;
	char *c = tc_vec_push(ps);
	if (!c)
		return false;
	snprintf(c, 16, "%.*s", (int)n, region);
	return true;
}

/* Add the place of row r (its county in a tree, its broker's first prefix with several). */
static bool add_place_of(const struct tc_dispatch *dp, struct tc_vec *ps, const struct tc_delivery_row *r)
{
	if (strcmp(r->channel, "mqtt"))
		return true;
	if (dp->n_routes) {
		int i = tc_routes_serving(dp->routes, dp->n_routes, r->region);
		return i < 0 || add_place(ps, dp->routes[i].prefixes[0], strlen(dp->routes[i].prefixes[0]));
	}
	return strlen(r->region) < TC_PROTO_COUNTY_DIGITS || add_place(ps, r->region, TC_PROTO_COUNTY_DIGITS);
}

enum tc_rc tc_dispatch_counties_of_rows(const struct tc_dispatch *dp, const struct tc_delivery_row *rows, size_t n,
					struct tc_vec *out)
{
	if (!dp->o.county_tree && !dp->n_routes)
		return tc_vec_push(out) ? TC_OK : TC_ERR_NOMEM; /* "": the one broker */
	for (size_t i = 0; i < n; i++)
		if (!add_place_of(dp, out, &rows[i]))
			return TC_ERR_NOMEM;
	return TC_OK;
}

struct counties_ctx {
	const struct tc_dispatch *dp;
	struct tc_vec *out;
	enum tc_rc rc;
};

static void county_of_row(const struct tc_delivery_row *r, void *user)
{
	struct counties_ctx *cc = user;
	if (!cc->rc && !add_place_of(cc->dp, cc->out, r))
		cc->rc = TC_ERR_NOMEM;
}

bool tc_dispatch_counties(struct tc_dispatch *dp, const char *alert_id, struct tc_vec *out)
{
	struct counties_ctx cc = { dp, out, TC_OK };
	if (!dp->o.county_tree && !dp->n_routes)
		return tc_dispatch_stored(dp, tc_dispatch_counties_of_rows(dp, NULL, 0, out), TC_DOP_READ, alert_id, NULL);
	enum tc_rc rc = tc_store_each_delivery_row(dp->store, alert_id, NULL, county_of_row, &cc);
	return tc_dispatch_stored(dp, rc ? rc : cc.rc, TC_DOP_READ, alert_id, NULL);
}

enum tc_rc tc_dispatch_region_of(struct tc_dispatch *dp, const char *target, char region[16])
{
	char kind[16];
	region[0] = '\0';
	if ((!dp->o.county_tree && !dp->n_routes) || !tc_id_valid(target))
		return TC_OK;
	enum tc_rc rc = tc_store_receiver_info(dp->store, target, kind, region);
	if (rc == TC_ERR_NOTFOUND) /* it left the registry: it has no county to be reached in */
		return TC_ERR_INVALID;
	return tc_dispatch_stored(dp, rc, TC_DOP_READ, NULL, target) ? TC_OK : TC_ERR_IO;
}
