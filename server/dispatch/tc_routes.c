/*
 * tc_routes.c — which broker serves which receivers (tc_routes.h).
 */
#include "tc_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tc_rc tc_route_address(const char *text, char *host, size_t len, unsigned *port, bool *tls)
{
	const char *b = text, *colon;
	char *end;
	*tls = false;
	if (!strncmp(b, "mqtts://", 8)) {
		*tls = true;
		b += 8;
	} else if (!strncmp(b, "mqtt://", 7)) {
		b += 7;
	}
	colon = strrchr(b, ':');
	long p = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || colon == b || (size_t)(colon - b) >= len || !colon[1] || *end || p <= 0 || p > 65535 ||
	    memchr(b, '/', (size_t)(colon - b))) /* another scheme, a path */
		return TC_ERR_INVALID;
	snprintf(host, len, "%.*s", (int)(colon - b), b);
	*port = (unsigned)p;
	return TC_OK;
}

/* Whether a and b overlap: one is a prefix of the other. */
static bool nested(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	return !strncmp(a, b, la < lb ? la : lb);
}

/* Read the prefixes "P,P,..." into r; the problem when they are not region code prefixes. */
static const char *read_prefixes(char *text, struct tc_route *r)
{
	for (char *save = NULL, *p = strtok_r(text, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		size_t k = strlen(p);
		if (!k || k >= sizeof(r->prefixes[0]) || strspn(p, "0123456789") != k)
			return "a region prefix is 1 to 15 digits";
		if (r->n_prefixes == TC_ROUTE_PREFIXES)
			return "more than 16 region prefixes";
		for (size_t i = 0; i < r->n_prefixes; i++)
			if (nested(r->prefixes[i], p))
				return "the same region is named twice";
		snprintf(r->prefixes[r->n_prefixes++], sizeof(r->prefixes[0]), "%s", p);
	}
	return r->n_prefixes ? NULL : "no region prefix";
}

/* One line into r; the problem when it is not "URL PREFIX[,PREFIX...] [DIR]". */
static const char *read_line(const char *line, struct tc_route *r)
{
	char copy[sizeof(((struct tc_setting_list *)0)->v[0].text)], *save = NULL;
	snprintf(copy, sizeof(copy), "%s", line);
	char *url = strtok_r(copy, " \t", &save), *prefixes = strtok_r(NULL, " \t", &save);
	char *dir = strtok_r(NULL, " \t", &save), *more = strtok_r(NULL, " \t", &save);
	if (!url || !prefixes)
		return "expected URL PREFIX[,PREFIX...] [DIR]";
	if (more)
		return "more than URL, prefixes and DIR";
	if (tc_route_address(url, r->host, sizeof(r->host), &r->port, &r->tls))
		return "the URL is not mqtt://HOST:PORT or mqtts://HOST:PORT";
	snprintf(r->url, sizeof(r->url), "%s://%s:%u", r->tls ? "mqtts" : "mqtt", r->host, r->port);
	if (dir && dir[0] != '/')
		return "DIR (the folder of broker-ca.crt and broker.password) must be an absolute path";
	snprintf(r->dir, sizeof(r->dir), "%s", dir ? dir : "");
	return read_prefixes(prefixes, r);
}

/* The first route before i serving a prefix that overlaps one of route i's; -1 when none. */
static int clash(const struct tc_route *r, size_t i, const char **p, const char **q)
{
	for (size_t j = 0; j < i; j++)
		for (size_t a = 0; a < r[i].n_prefixes; a++)
			for (size_t b = 0; b < r[j].n_prefixes; b++)
				if (nested(r[i].prefixes[a], r[j].prefixes[b])) {
					*p = r[i].prefixes[a];
					*q = r[j].prefixes[b];
					return (int)j;
				}
	return -1;
}

enum tc_rc tc_routes_parse(const struct tc_setting_list *l, struct tc_route *out, size_t *n, struct tc_diags *d)
{
	enum tc_rc rc = TC_OK;
	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const char *where = l->v[i].where, *why, *p, *q;
		struct tc_route *r = &out[*n];
		memset(r, 0, sizeof(*r));
		snprintf(r->where, sizeof(r->where), "%s", where[0] ? where : "--region-broker");
		why = *n == TC_ROUTES_MAX ? "more than 16 brokers" : read_line(l->v[i].text, r);
		int j = why ? -1 : clash(out, *n, &p, &q);
		if (j >= 0) {
			tc_err(d, "config.value", "region_broker", "%s: region_broker = '%.100s': the region %s is already "
			       "served by %s (%s, region %s); a receiver is on one broker only", r->where, l->v[i].text, p,
			       out[j].url, out[j].where, q);
			rc = TC_ERR_INVALID;
		} else if (why) {
			tc_err(d, "config.value", "region_broker", "%s: region_broker = '%.100s': %s", r->where,
			       l->v[i].text, why);
			rc = TC_ERR_INVALID;
		} else {
			(*n)++;
		}
	}
	return rc;
}

int tc_routes_serving(const struct tc_route *r, size_t n, const char *region)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < r[i].n_prefixes; k++)
			if (!strncmp(region, r[i].prefixes[k], strlen(r[i].prefixes[k])))
				return (int)i;
	return -1;
}

bool tc_route_reaches(const struct tc_route *r, const char *scope)
{
	for (size_t k = 0; k < r->n_prefixes; k++)
		if (nested(r->prefixes[k], scope))
			return true;
	return false;
}
