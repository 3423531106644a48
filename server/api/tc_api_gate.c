/*
 * tc_api_gate.c — who may ask what (tc_api_int.h): every request but
 * /healthz is authenticated and authorised before its body is read.
 *
 * Credentials: an API token (Authorization: Bearer), or a browser session
 * (cookie tocsin_session, HttpOnly, SameSite=Strict) whose requests that
 * change anything also carry the session's CSRF token (X-CSRF-Token). An
 * SMS gateway's callbacks may give a gateway user's token as ?token=, and
 * the delivery reports tocsind asks Kannel for carry tocsind's own key.
 * The Host header must name this server (a DNS-rebinding page cannot), and
 * an Origin, when sent, must be this server too; what a role may do is
 * tc_role_may's table (docs/security.md, "Roles").
 */
#include "tc_api_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "tc_hash.h"
#include "tc_store_audit.h"

#define SESSION_COOKIE "tocsin_session"
#define FAILURES_BEFORE_WAIT 10
#define MAX_WAIT_S 900

static bool is_hex16(const char *s, size_t n)
{
	return n == 16 && strspn(s, "0123456789abcdef") == 16;
}

/* /api/v1/drills/runs/{id}/report, id 1 to 18 digits: the run's id into rq. */
static bool drill_report(const char *url, struct request *rq)
{
	static const char head[] = "/api/v1/drills/runs/", tail[] = "/report";
	if (strncmp(url, head, sizeof(head) - 1))
		return false;
	const char *id = url + sizeof(head) - 1;
	size_t n = strspn(id, "0123456789");
	if (!n || n > 18 || strcmp(id + n, tail))
		return false;
	snprintf(rq->id, sizeof(rq->id), "%.*s", (int)n, id);
	return true;
}

/* /api/v1/drills/{id}: a schedule's id (digits, or config-N) into rq->id. */
static bool drill_schedule(const char *url, struct request *rq)
{
	static const char head[] = "/api/v1/drills/", config[] = "config-";
	if (strncmp(url, head, sizeof(head) - 1))
		return false;
	const char *id = url + sizeof(head) - 1, *digits = strncmp(id, config, sizeof(config) - 1) ? id : id + sizeof(config) - 1;
	size_t n = strspn(digits, "0123456789");
	if (!n || n > 18 || digits[n])
		return false;
	snprintf(rq->id, sizeof(rq->id), "%s", id);
	return true;
}

/* /api/v1/previews/{32 lowercase hex}/{lang}.ogg: the id and language into rq. */
static bool preview_audio(const char *url, struct request *rq)
{
	static const char prefix[] = "/api/v1/previews/", ogg[] = ".ogg";
	static const char lang_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";
	if (strncmp(url, prefix, sizeof(prefix) - 1))
		return false;
	const char *id = url + sizeof(prefix) - 1;
	if (strspn(id, "0123456789abcdef") != 32 || id[32] != '/')
		return false;
	const char *lang = id + 33;
	size_t n = strcspn(lang, "."); /* the language, before ".ogg" */
	if (!n || n >= sizeof(rq->lang) || strspn(lang, lang_chars) != n || strcmp(lang + n, ogg))
		return false;
	snprintf(rq->id, sizeof(rq->id), "%.32s", id);
	snprintf(rq->lang, sizeof(rq->lang), "%.*s", (int)n, lang);
	return true;
}

/* /api/v1/shelters/{id}/occupancy: the id into rq->id. */
static bool shelter_occupancy(const char *url, struct request *rq)
{
	static const char head[] = "/api/v1/shelters/", tail[] = "/occupancy";
	if (strncmp(url, head, sizeof(head) - 1))
		return false;
	const char *id = url + sizeof(head) - 1;
	size_t n = strcspn(id, "/");
	if (!n || n >= sizeof(rq->id) || strcmp(id + n, tail))
		return false;
	snprintf(rq->id, sizeof(rq->id), "%.*s", (int)n, id);
	return true;
}

/* The endpoint url names, its parameters into rq, and the methods it takes into *allow. */
static enum tc_endpoint resolve(const char *url, struct request *rq, const char **allow)
{
	static const char alerts[] = "/api/v1/alerts/", receivers[] = "/api/v1/receivers/", prov[] = "/api/v1/provision";
	static const struct {
		const char *path;
		enum tc_endpoint ep;
		const char *allow;
	} fixed[] = {
		{ "/healthz", EP_HEALTH, "GET" },          { "/metrics", EP_METRICS, "GET" },
		{ "/api/v1/login", EP_LOGIN, "POST" },     { "/api/v1/logout", EP_LOGOUT, "POST" },
		{ "/api/v1/whoami", EP_WHOAMI, "GET" },    { "/api/v1/alerts", EP_ALERTS, "GET, POST" },
		{ "/api/v1/approvals", EP_APPROVALS, "GET" }, { "/api/v1/audit", EP_AUDIT, "GET" },
		{ "/api/v1/users", EP_USERS, "GET" },      { "/api/v1/provision", EP_PROVISION, "GET" },
		{ "/api/v1/alerts/check", EP_ALERT_CHECK, "POST" }, { "/api/v1/alerts/preview", EP_ALERT_PREVIEW, "POST" },
		{ "/api/v1/fleet", EP_FLEET, "GET" },
		{ "/api/v1/health", EP_RX_HEALTH, "GET" },
		{ "/api/v1/shelters/guidance", EP_SHELTER_GUIDANCE, "GET" },
		{ "/api/v1/shelters/report", EP_SHELTER_REPORT, "GET" },
		{ "/api/v1/drills", EP_DRILLS, "GET, POST" },      { "/api/v1/drills/runs", EP_DRILL_RUNS, "GET" },
	};
	static const struct {
		const char *tail;
		enum tc_endpoint ep;
		const char *allow;
	} alert_tails[] = {
		{ "", EP_ALERT, "GET" },          { "/cap", EP_ALERT_CAP, "GET" },   { "/report", EP_ALERT_REPORT, "GET" },
		{ "/sms", EP_ALERT_SMS, "GET" },  { "/cancel", EP_CANCEL, "POST" },  { "/approve", EP_APPROVE, "POST" },
		{ "/reject", EP_REJECT, "POST" }, { "/deliveries", EP_DELIVERIES, "GET" },
		{ "/events", EP_EVENTS, "GET" },
	};
	rq->id[0] = '\0';
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(url, fixed[i].path))
			return *allow = fixed[i].allow, fixed[i].ep;
	if (!strncmp(url, alerts, sizeof(alerts) - 1) && is_hex16(url + sizeof(alerts) - 1, strcspn(url + sizeof(alerts) - 1, "/"))) {
		const char *tail = url + sizeof(alerts) - 1 + 16;
		for (size_t i = 0; i < sizeof(alert_tails) / sizeof(alert_tails[0]); i++)
			if (!strcmp(tail, alert_tails[i].tail)) {
				snprintf(rq->id, sizeof(rq->id), "%.16s", url + sizeof(alerts) - 1);
				return *allow = alert_tails[i].allow, alert_tails[i].ep;
			}
		return EP_NONE;
	}
	if (!strncmp(url, "/api/v1/", 8) && tc_registry_kind_parse(url + 8, &rq->kind) == TC_OK)
		return *allow = "GET, POST", EP_REGISTRY;
	if (shelter_occupancy(url, rq))
		return *allow = "POST", EP_SHELTER_OCCUPANCY;
	if (!strncmp(url, receivers, sizeof(receivers) - 1) && url[sizeof(receivers) - 1] &&
	    strlen(url + sizeof(receivers) - 1) < sizeof(rq->id)) {
		snprintf(rq->id, sizeof(rq->id), "%s", url + sizeof(receivers) - 1);
		return *allow = "DELETE", EP_RECEIVER;
	}
	if (!strncmp(url, prov, sizeof(prov) - 1) && url[sizeof(prov) - 1] == '/' && url[sizeof(prov)] &&
	    strlen(url + sizeof(prov)) < sizeof(rq->id)) {
		snprintf(rq->id, sizeof(rq->id), "%s", url + sizeof(prov));
		return *allow = "GET", EP_PROVISION;
	}
	if (drill_report(url, rq))
		return *allow = "GET", EP_DRILL_REPORT;
	if (drill_schedule(url, rq))
		return *allow = "DELETE", EP_DRILL;
	if (preview_audio(url, rq))
		return *allow = "GET", EP_PREVIEW_AUDIO;
	if (!strncmp(url, "/api/v1/sms/", 12))
		return *allow = "GET", EP_SMS;
	if (!strcmp(url, "/") || !strcmp(url, "/console") || !strncmp(url, "/console/", 9))
		return *allow = "GET", EP_CONSOLE;
	return EP_NONE;
}

/* What the endpoint asks of the caller's role for this method; TC_PERM_N: nothing (no credentials needed). */
static int perm_of(const struct request *rq, bool get)
{
	switch (rq->ep) {
	case EP_HEALTH:
	case EP_CONSOLE: /* files with no data: what they show comes from API calls */
	case EP_LOGIN: return TC_PERM_N;
	case EP_LOGOUT:
	case EP_WHOAMI: return -1; /* anyone signed in */
	case EP_ALERTS: return get ? TC_PERM_READ : TC_PERM_SUBMIT;
	case EP_ALERT_CHECK:
	case EP_ALERT_PREVIEW: return TC_PERM_SUBMIT;
	case EP_PREVIEW_AUDIO: return -1; /* anyone signed in: the handler answers its maker only, 404 to others */
	case EP_ALERT_SMS: return TC_PERM_READ_CONTACTS;
	case EP_CANCEL: return TC_PERM_CANCEL;
	case EP_APPROVE:
	case EP_REJECT: return TC_PERM_APPROVE;
	case EP_REGISTRY:
		return !get ? TC_PERM_REGISTRY : rq->kind == TC_REG_CONTACTS ? TC_PERM_READ_CONTACTS : TC_PERM_READ;
	case EP_RECEIVER: return TC_PERM_REGISTRY;
	case EP_PROVISION: return TC_PERM_PROVISION;
	case EP_AUDIT: return TC_PERM_AUDIT;
	case EP_USERS: return TC_PERM_USERS;
	case EP_SMS: return TC_PERM_GATEWAY;
	case EP_EVENTS: /* what /report shows, as it changes */
	case EP_FLEET: return TC_PERM_READ; /* the registry without contacts, with liveness */
	case EP_SHELTER_GUIDANCE:
	case EP_SHELTER_REPORT: return TC_PERM_READ;
	case EP_SHELTER_OCCUPANCY: return TC_PERM_SHELTER; /* a manager: its own shelter (tc_api_shelters.c) */
	/* adding or removing a schedule: submit at least; an audible one approve too (tc_api_drills.c) */
	case EP_DRILLS: return get ? TC_PERM_READ : TC_PERM_SUBMIT;
	case EP_DRILL: return TC_PERM_SUBMIT;
	case EP_DRILL_RUNS:
	case EP_DRILL_REPORT: return TC_PERM_READ; /* a report counts the receivers of the user's regions only */
	case EP_RX_HEALTH: return TC_PERM_READ; /* the receivers of the user's regions only, no phone numbers */
	default: return TC_PERM_READ;
	}
}

int64_t tc_api_now(const struct tc_api *api)
{
	return api->o.clock ? api->o.clock() : (int64_t)time(NULL);
}

/*
 * text (JSON, len bytes, malloc'ed, taken) as the answer, with extra headers (name, value pairs,
 * NULL-terminated; may be NULL).
 */
static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, char *text, size_t len,
				 const char *const *headers)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; headers && headers[i]; i += 2)
		MHD_add_response_header(r, headers[i], headers[i + 1]);
	enum MHD_Result ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

/* j (taken) as the answer, with extra headers (name, value pairs, NULL-terminated; may be NULL). */
static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j, const char *const *headers)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	json_decref(j);
	if (!text)
		return MHD_NO;
	size_t n = strlen(text);
	text[n] = '\n';
	return send_text(c, status, text, n + 1, headers);
}

enum MHD_Result tc_api_reply_text(struct MHD_Connection *c, unsigned status, char *text, size_t len)
{
	return send_text(c, status, text, len, NULL);
}

enum MHD_Result tc_api_reply(struct MHD_Connection *c, unsigned status, json_t *j)
{
	return send_json(c, status, j, NULL);
}

/* An error answer with extra headers (name, value pairs, NULL-terminated). */
static enum MHD_Result error_with(struct MHD_Connection *c, unsigned status, const char *code, const char *message,
				  const char *const *headers)
{
	return send_json(c, status,
			 json_pack("{s:[{s:s, s:s, s:s}], s:[]}", "errors", "code", code, "path", "", "message", message,
				   "warnings"),
			 headers);
}

enum MHD_Result tc_api_error_with(struct MHD_Connection *c, unsigned status, const char *code, const char *message,
				  const char *const *headers)
{
	return error_with(c, status, code, message, headers);
}

enum MHD_Result tc_api_error(struct MHD_Connection *c, unsigned status, const char *code, const char *fmt, ...)
{
	char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	return error_with(c, status, code, message, NULL);
}

/* The host part of a Host header or of an Origin's authority ("[::1]:8080" → "::1", "a.cn:80" → "a.cn"). */
static void host_part(const char *in, size_t len, char *out, size_t cap)
{
	size_t n;
	if (len && in[0] == '[') {
		const char *end = memchr(in, ']', len);
		n = end ? (size_t)(end - in - 1) : len - 1;
		in++;
	} else {
		const char *colon = memchr(in, ':', len);
		n = colon ? (size_t)(colon - in) : len;
	}
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), in);
}

/* Whether host (without its port) is a name this server answers to. */
static bool host_allowed(const struct tc_api *api, const char *host)
{
	if (!strcasecmp(host, "localhost") || !strcmp(host, "127.0.0.1") || !strcmp(host, "::1") ||
	    !strcmp(host, api->o.address))
		return true;
	const char *p = api->o.hosts ? api->o.hosts : "";
	while (*p) {
		p += strspn(p, " \t,;");
		size_t len = strcspn(p, " \t,;");
		char name[256];
		host_part(p, len, name, sizeof(name));
		if (len && !strcasecmp(name, host))
			return true;
		p += len;
	}
	return false;
}

/* Host and Origin: 0 when they name this server; else the refusal is queued. */
static int check_origin(struct tc_api *api, struct MHD_Connection *c)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
	const char *site = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
	char name[256];
	if (!host) {
		tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.host", "the request has no Host header");
		return -1;
	}
	host_part(host, strlen(host), name, sizeof(name));
	if (!host_allowed(api, name)) {
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "http.host",
			     "Host '%.200s' is not a name of this server (http_hosts lists the names it answers to)", host);
		return -1;
	}
	if (origin) {
		const char *auth = strstr(origin, "://");
		if (auth) {
			auth += 3;
			host_part(auth, strcspn(auth, "/"), name, sizeof(name));
		}
		if (!auth || !host_allowed(api, name)) {
			tc_api_error(c, MHD_HTTP_FORBIDDEN, "http.origin",
				     "a request from the page of '%.200s' is refused: only this server's own pages may call it",
				     origin);
			return -1;
		}
	}
	if (site && !strcmp(site, "cross-site")) {
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "http.origin", "a request from another site's page is refused");
		return -1;
	}
	return 0;
}

/* The token of "Authorization: Bearer TOKEN"; NULL when none. */
static const char *bearer(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7))
		return NULL;
	h += 7;
	return h + strspn(h, " ");
}

const char *tc_api_credential(struct MHD_Connection *c, bool *session)
{
	const char *token = bearer(c);
	*session = !token;
	return token ? token : MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SESSION_COOKIE);
}

bool tc_api_credential_holds(struct tc_api *api, const char *credential, bool session, struct tc_user *out)
{
	bool csrf_ok = false;
	int64_t now = tc_api_now(api);
	if (!credential)
		return false;
	return session ? tc_auth_session_check(api->store, credential, NULL, now, out, &csrf_ok) == TC_OK
		       : tc_auth_token_check(api->store, credential, now, out, NULL, NULL) == TC_OK;
}

/* Who asks: 0 with rq->user set, or -1 with the refusal queued (401, or 403 for a missing CSRF token). */
static int authenticate(struct tc_api *api, struct MHD_Connection *c, struct request *rq, bool get)
{
	static const char *const challenge[] = { "WWW-Authenticate", "Bearer realm=\"tocsin\"", NULL };
	const char *token = bearer(c), *why = NULL;
	const char *session = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SESSION_COOKIE);
	int64_t now = tc_api_now(api);
	if (rq->ep == EP_SMS && !token) {
		const char *key = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");
		const char *gk = api->o.gateway_key;
		if (key && gk && gk[0] && strlen(key) == strlen(gk) && !sodium_memcmp(key, gk, strlen(gk))) {
			rq->user = (struct tc_user){ .role = TC_ROLE_GATEWAY };
			snprintf(rq->user.name, sizeof(rq->user.name), "tocsind-gateway");
			rq->authed = true;
			return 0;
		}
		token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	}
	if (token) {
		if (tc_auth_token_check(api->store, token, now, &rq->user, NULL, &why) == TC_OK) {
			rq->authed = true;
			return 0;
		}
		api->unauthenticated++;
		error_with(c, MHD_HTTP_UNAUTHORIZED, "auth.token", why && !strcmp(why, "expired") ? "the API token has expired; make a new one (tocsin user token)" :
			   why && !strcmp(why, "revoked") ? "the API token was revoked" :
			   why && !strcmp(why, "disabled") ? "the token's user is disabled" : "the API token is not known here",
			   challenge);
		return -1;
	}
	if (session) {
		const char *csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
		bool csrf_ok = false;
		if (tc_auth_session_check(api->store, session, csrf, now, &rq->user, &csrf_ok) != TC_OK) {
			api->unauthenticated++;
			error_with(c, MHD_HTTP_UNAUTHORIZED, "auth.session", "the session has ended; sign in again", challenge);
			return -1;
		}
		if (!get && !csrf_ok) {
			api->forbidden++;
			tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.csrf",
				     "a browser request that changes anything must carry the session's X-CSRF-Token");
			return -1;
		}
		rq->authed = rq->by_session = true;
		return 0;
	}
	api->unauthenticated++;
	error_with(c, MHD_HTTP_UNAUTHORIZED, "auth.required",
		   "credentials are required: Authorization: Bearer TOKEN (tocsin --token-file, TOCSIN_TOKEN) or a signed-in session",
		   challenge);
	return -1;
}

/* Whether the media type (parameters ignored) is one of the list. */
static bool type_is(const char *type, const char *const *list)
{
	size_t n = type ? strcspn(type, "; \t") : 0;
	for (size_t i = 0; type && list[i]; i++)
		if (strlen(list[i]) == n && !strncasecmp(type, list[i], n))
			return true;
	return false;
}

/* The body's Content-Type fits the endpoint (a body-less POST needs none). */
static int check_type(struct MHD_Connection *c, const struct request *rq, bool post)
{
	static const char *const cap[] = { "application/cap+xml", "application/xml", "text/xml", NULL };
	static const char *const registry[] = { "text/csv", "application/json", NULL };
	static const char *const json[] = { "application/json", NULL };
	const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	/* a POST with nothing in it (tocsin cancel, approve) may name any type: there is no body to misread */
	bool empty = (!type && !length) || (length && !strcmp(length, "0"));
	const char *const *want = NULL;
	const char *what = NULL;
	if (!post)
		return 0;
	if (rq->ep == EP_ALERTS || rq->ep == EP_ALERT_CHECK || rq->ep == EP_ALERT_PREVIEW)
		want = cap, what = "a CAP alert is sent as application/cap+xml, application/xml or text/xml";
	else if (rq->ep == EP_REGISTRY)
		want = registry, what = "registry rows are sent as text/csv or application/json";
	else if (!empty || rq->ep == EP_LOGIN)
		want = json, what = "this endpoint takes application/json";
	if (!want || type_is(type, want))
		return 0;
	tc_api_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "http.content-type", "Content-Type '%.100s' refused: %s",
		     type ? type : "(none)", what);
	return -1;
}

/* Whether method is one of the list allow ("GET, POST"), exactly. */
static bool method_allowed(const char *allow, const char *method)
{
	size_t n = strlen(method);
	for (const char *p = allow; *p;) {
		p += strspn(p, ", ");
		size_t len = strcspn(p, ", ");
		if (len == n && !strncmp(p, method, n))
			return true;
		p += len;
	}
	return false;
}

int tc_api_gate(struct tc_api *api, struct MHD_Connection *c, const char *url, const char *method,
		struct request *rq)
{
	const char *allow = NULL;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, rq->source, sizeof(rq->source));
	else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, rq->source, sizeof(rq->source));
	rq->ep = resolve(url, rq, &allow);
	if (rq->ep == EP_NONE) {
		tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no such resource");
		return -1;
	}
	if (!method_allowed(allow, method)) {
		const char *const headers[] = { "Allow", allow, NULL };
		char message[128];
		snprintf(message, sizeof(message), "%s is not a method of %s (it takes %s)", method, url, allow);
		error_with(c, MHD_HTTP_METHOD_NOT_ALLOWED, "http.method", message, headers);
		return -1;
	}
	bool get = !strcmp(method, "GET");
	if (rq->ep == EP_HEALTH)
		return 0;
	if (check_origin(api, c))
		return -1;
	int perm = perm_of(rq, get);
	if (perm == TC_PERM_N)
		return check_type(c, rq, !get);
	if (authenticate(api, c, rq, get))
		return -1;
	if (perm >= 0 && !tc_role_may(rq->user.role, (enum tc_perm)perm)) {
		api->forbidden++;
		tc_api_error(c, MHD_HTTP_FORBIDDEN, "auth.role", "user %s (%s) may not %s", rq->user.name,
			     tc_role_name(rq->user.role), tc_perm_name((enum tc_perm)perm));
		return -1;
	}
	return check_type(c, rq, !get);
}

void tc_api_audit(struct tc_api *api, const struct request *rq, const char *action, const char *alert_id,
		  const char *object, const char *detail)
{
	struct tc_audit_who who = { rq->authed ? rq->user.name : "", rq->authed ? tc_role_name(rq->user.role) : "",
				    rq->source };
	/* a sign-in's body holds a password: its hash is not kept either */
	bool body = rq->ep != EP_LOGIN && rq->body.n;
	tc_store_audit_by(api->store, tc_api_now(api), &who, "api", action, alert_id, object, detail,
			  body ? rq->body.v : NULL, body ? rq->body.n : 0);
}

static void audit_row(const struct tc_audit_row *r, void *user)
{
	json_t *row = tc_store_audit_json(r);
	if (row)
		json_array_append_new(user, row);
}

static enum tc_rc verify_task(struct tc_store *reader, void *arg)
{
	return tc_store_audit_verify(reader, arg);
}

/*
 * GET /api/v1/audit[?after=ID][&limit=N]: the rows, and whether the whole chain holds. Walking
 * the chain reads every row (0.3 s for 100,000): it runs in a thread of its own, the request
 * waiting, so that the loop goes on meanwhile.
 */
enum MHD_Result tc_api_audit_list(struct tc_api *api, struct MHD_Connection *c, struct request *rq)
{
	const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	const char *limit = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
	long long from = after ? atoll(after) : 0, n = limit ? atoll(limit) : 1000;
	if (from < 0 || n < 1 || n > 10000)
		return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "http.query", "after must be 0 or more, limit 1 to 10000");
	if (!rq->chk) {
		struct tc_store_task *task = NULL;
		rq->chk = calloc(1, sizeof(*rq->chk));
		if (rq->chk && tc_store_task_start(api->store, verify_task, rq->chk, &task) == TC_OK) {
			tc_api_wait_task(api, c, rq, task);
			return MHD_YES;
		}
		rq->task_over = true; /* no thread: here, then */
		rq->task_rc = rq->chk ? tc_store_audit_verify(api->store, rq->chk) : TC_ERR_NOMEM;
	}
	const struct tc_audit_check *chk = rq->chk;
	json_t *rows = json_array();
	if (rq->task_rc || tc_store_audit_each(api->store, from, (size_t)n, audit_row, rows)) {
		json_decref(rows);
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "store.read", "the audit trail could not be read");
	}
	json_t *chain = json_pack("{s:b, s:I, s:s}", "holds", chk->bad_id == 0, "rows", (json_int_t)chk->rows, "head",
				  chk->head);
	if (chk->bad_id) {
		json_object_set_new(chain, "first_bad_row", json_integer(chk->bad_id));
		json_object_set_new(chain, "why", json_string(chk->why));
	}
	return tc_api_reply(c, MHD_HTTP_OK, json_pack("{s:o, s:o}", "chain", chain, "rows", rows));
}

/* --- signing in ----------------------------------------------------------------------- */

/* The throttle slot of key (a client address or a name) in table t (TC_API_THROTTLE_SLOTS). */
static struct tc_api_throttle *slot_of(struct tc_api_throttle *t, const char *key)
{
	struct tc_api_throttle *s = &t[tc_fnv1a(TC_FNV1A_INIT, key) % TC_API_THROTTLE_SLOTS];
	if (strncmp(s->key, key, sizeof(s->key) - 1) != 0) {
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->failures = 0;
		s->until = 0;
	}
	return s;
}

/* One more failure: from the after-th in a row, a wait of 2^(n-after) s, at most max_s. */
static void failed(struct tc_api_throttle *s, unsigned after, int64_t max_s, int64_t now)
{
	if (++s->failures >= after) {
		unsigned over = s->failures - after;
		s->until = now + (over >= 20 || (1 << over) > max_s ? max_s : (1 << over));
	}
}

static enum MHD_Result too_many(struct MHD_Connection *c, int64_t wait, const char *whose)
{
	char secs[24], message[160];
	snprintf(secs, sizeof(secs), "%lld", (long long)(wait > 0 ? wait : 1));
	snprintf(message, sizeof(message), "too many failed sign-ins %s; try again in %s s", whose, secs);
	const char *const headers[] = { "Retry-After", secs, NULL };
	return error_with(c, MHD_HTTP_TOO_MANY_REQUESTS, "auth.throttled", message, headers);
}

enum MHD_Result tc_api_login(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	int64_t now = tc_api_now(api), retry = 0;
	struct tc_api_throttle *from = slot_of(api->throttle, rq->source);
	if (from->until > now)
		return too_many(c, from->until - now, "from this address");
	json_t *j = rq->body.n ? json_loadb(rq->body.v, rq->body.n, 0, NULL) : NULL;
	const char *name = json_string_value(json_object_get(j, "name"));
	const char *password = json_string_value(json_object_get(j, "password"));
	if (!name || !password) {
		json_decref(j);
		return tc_api_error(c, MHD_HTTP_BAD_REQUEST, "auth.login", "sign in with {\"name\": ..., \"password\": ...}");
	}
	char session[TC_TOKEN_TEXT], csrf[TC_TOKEN_TEXT], who[TC_AUTH_NAME_MAX + 1];
	struct tc_user u;
	enum tc_rc rc = TC_OK;
	int64_t ttl = api->o.session_ttl_s > 0 ? api->o.session_ttl_s : 8 * 3600;
	snprintf(who, sizeof(who), "%s", name);
	/*
	 * The account's own wait (kept in the store) has a twin here for every name, known or not,
	 * on the same schedule and answered before any password is looked at: a name nobody has is
	 * answered as one that exists, in what is said and in how long it takes, so that locking
	 * it out cannot tell whether it does.
	 */
	struct tc_api_throttle *named = slot_of(api->names, who);
	enum tc_login res = TC_LOGIN_LOCKED;
	if (named->until > now)
		retry = named->until - now;
	else
		res = tc_auth_login(api->store, name, password, rq->source, now, ttl, session, csrf, &retry, &u, &rc);
	json_decref(j); /* the password goes with it */
	struct request as = *rq;
	snprintf(as.user.name, sizeof(as.user.name), "%s", who);
	as.authed = true;
	if (res == TC_LOGIN_LOCKED) {
		tc_api_audit(api, &as, "login-locked", NULL, who, NULL);
		return too_many(c, retry, "for this account");
	}
	if (res != TC_LOGIN_OK) {
		failed(from, FAILURES_BEFORE_WAIT, MAX_WAIT_S, now);
		failed(named, TC_AUTH_LOCK_AFTER, TC_AUTH_LOCK_MAX_S, now);
		tc_api_audit(api, &as, "login-failed", NULL, who, rc ? tc_rc_name(rc) : NULL);
		return tc_api_error(c, rc ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_UNAUTHORIZED, "auth.login",
				    rc ? "the store could not be read; try again" : "wrong name or password");
	}
	from->failures = 0;
	named->failures = 0;
	named->until = 0;
	as.user = u;
	tc_api_audit(api, &as, "login", NULL, u.name, NULL);
	char cookie[TC_TOKEN_TEXT + 128];
	snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s", session,
		 (long long)ttl, api->o.secure_cookies ? "; Secure" : "");
	json_t *out = json_pack("{s:s, s:s, s:s, s:I}", "name", u.name, "role", tc_role_name(u.role), "csrf", csrf,
				"expires_at", (json_int_t)(now + ttl));
	sodium_memzero(session, sizeof(session));
	sodium_memzero(csrf, sizeof(csrf));
	const char *const headers[] = { MHD_HTTP_HEADER_SET_COOKIE, cookie, NULL };
	enum MHD_Result ok = send_json(c, MHD_HTTP_OK, out, headers);
	sodium_memzero(cookie, sizeof(cookie));
	return ok;
}

enum MHD_Result tc_api_logout(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	const char *session = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, SESSION_COOKIE);
	if (session)
		tc_auth_session_end(api->store, session);
	tc_api_audit(api, rq, "logout", NULL, rq->user.name, NULL);
	const char *const headers[] = { MHD_HTTP_HEADER_SET_COOKIE,
					SESSION_COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict", NULL };
	return send_json(c, MHD_HTTP_OK, json_pack("{s:b}", "signed_out", 1), headers);
}

enum MHD_Result tc_api_whoami(struct tc_api *api, struct MHD_Connection *c, const struct request *rq)
{
	(void)api;
	json_t *regions = json_array(), *departments = json_array(), *may = json_array();
	for (size_t i = 0; i < rq->user.n_regions; i++)
		json_array_append_new(regions, json_string(rq->user.regions[i]));
	for (size_t i = 0; i < rq->user.n_departments; i++)
		json_array_append_new(departments, json_string(rq->user.departments[i]));
	for (int p = 0; p < TC_PERM_N; p++)
		if (tc_role_may(rq->user.role, (enum tc_perm)p))
			json_array_append_new(may, json_string(tc_perm_name((enum tc_perm)p)));
	return tc_api_reply(c, MHD_HTTP_OK,
			    json_pack("{s:s, s:s, s:o, s:o, s:o, s:s}", "name", rq->user.name, "role",
				      tc_role_name(rq->user.role), "regions", regions, "departments", departments, "may",
				      may, "via", rq->by_session ? "session" : "token"));
}
