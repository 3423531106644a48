/*
 * tc_dispatch_tree.c — where receivers' topics are (tc_dispatch_int.h): under the prefix P of
 * the one broker, or in a broker tree (docs/operations.md, "A broker tree") under P/county/C
 * of the top broker for the receivers of county C, whose own broker's bridge carries them down
 * and their acknowledgments and statuses back up. Every topic meant for receivers is made by
 * tc_dispatch_topic; every topic coming from them is read by tc_dispatch_parse, which in a tree
 * takes a receiver's words only from its own county's branch: a county broker that is stolen
 * or taken over can speak for its own receivers, never for another county's.
 */
#include "tc_dispatch_int.h"

#include <stdio.h>
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

/*
 * A receiver's word on a county's branch counts only when the receiver is registered in that
 * county; a receiver tocsind does not know goes on (it is refused as unknown where it acts).
 */
static bool in_county(struct tc_dispatch *dp, const char *county, const char *rx, enum tc_topic_kind kind)
{
	char kind_of[16], region[16];
	enum tc_rc rc = tc_store_receiver_info(dp->store, rx, kind_of, region);
	if (rc == TC_ERR_NOTFOUND)
		return true;
	if (!tc_dispatch_stored(dp, rc, TC_DOP_READ, NULL, rx))
		return false;
	if (!strncmp(region, county, TC_PROTO_COUNTY_DIGITS) && strlen(region) >= TC_PROTO_COUNTY_DIGITS)
		return true;
	dp->stats.acks_wrong_county += kind == TC_TOPIC_RX_ACK;
	tc_log(TC_LOG_WARN, "track", "target=%s region=%s: a%s came from the broker of county %s, not its own; ignored",
	       rx, region[0] ? region : "(none)", kind == TC_TOPIC_RX_ACK ? "n acknowledgment" : " status", county);
	return false;
}

enum tc_topic_kind tc_dispatch_parse(struct tc_dispatch *dp, const char *topic, char *rx, size_t len)
{
	char county[7], b[64];
	if (!dp->o.county_tree)
		return tc_proto_parse_topic(dp->prefix, topic, rx, len, b, sizeof(b));
	enum tc_topic_kind k = tc_proto_parse_county_topic(dp->prefix, topic, county, rx, len, b, sizeof(b));
	if ((k == TC_TOPIC_RX_ACK || k == TC_TOPIC_RX_STATUS) && !in_county(dp, county, rx, k))
		return TC_TOPIC_UNKNOWN;
	return k;
}

/* Add the county of region to cs (a vector of char[7]) once; false when out of memory. */
static bool add_county(struct tc_vec *cs, const char *region)
{
	char(*all)[7] = cs->v;
	for (size_t i = 0; i < cs->n; i++)
		if (!strncmp(all[i], region, TC_PROTO_COUNTY_DIGITS))
			return true;
	char *c = tc_vec_push(cs);
	if (!c)
		return false;
	snprintf(c, 7, "%.*s", TC_PROTO_COUNTY_DIGITS, region);
	return true;
}

/* Whether a delivery row is one a county broker carries (a receiver of a county). */
static bool county_row(const struct tc_delivery_row *r)
{
	return !strcmp(r->channel, "mqtt") && strlen(r->region) >= TC_PROTO_COUNTY_DIGITS;
}

enum tc_rc tc_dispatch_counties_of_rows(const struct tc_dispatch *dp, const struct tc_delivery_row *rows, size_t n,
					struct tc_vec *out)
{
	if (!dp->o.county_tree)
		return tc_vec_push(out) ? TC_OK : TC_ERR_NOMEM; /* "": the one broker */
	for (size_t i = 0; i < n; i++)
		if (county_row(&rows[i]) && !add_county(out, rows[i].region))
			return TC_ERR_NOMEM;
	return TC_OK;
}

struct counties_ctx {
	struct tc_vec *out;
	enum tc_rc rc;
};

static void county_of_row(const struct tc_delivery_row *r, void *user)
{
	struct counties_ctx *cc = user;
	if (!cc->rc && county_row(r) && !add_county(cc->out, r->region))
		cc->rc = TC_ERR_NOMEM;
}

bool tc_dispatch_counties(struct tc_dispatch *dp, const char *alert_id, struct tc_vec *out)
{
	struct counties_ctx cc = { out, TC_OK };
	if (!dp->o.county_tree)
		return tc_dispatch_stored(dp, tc_dispatch_counties_of_rows(dp, NULL, 0, out), TC_DOP_READ, alert_id, NULL);
	enum tc_rc rc = tc_store_each_delivery_row(dp->store, alert_id, NULL, county_of_row, &cc);
	return tc_dispatch_stored(dp, rc ? rc : cc.rc, TC_DOP_READ, alert_id, NULL);
}

enum tc_rc tc_dispatch_region_of(struct tc_dispatch *dp, const char *target, char region[16])
{
	char kind[16];
	region[0] = '\0';
	if (!dp->o.county_tree || !tc_id_valid(target))
		return TC_OK;
	enum tc_rc rc = tc_store_receiver_info(dp->store, target, kind, region);
	if (rc == TC_ERR_NOTFOUND) /* it left the registry: it has no county to be reached in */
		return TC_ERR_INVALID;
	return tc_dispatch_stored(dp, rc, TC_DOP_READ, NULL, target) ? TC_OK : TC_ERR_IO;
}
