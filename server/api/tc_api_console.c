/*
 * tc_api_console.c — the duty officer's console: its static files, served by tocsind on the
 * API's own port (same TLS, same sessions; tc_api_int.h).
 *
 *   GET /                        → 303 to /console/
 *   GET /console/...             a file of console_dir (index.html for the folder itself)
 *   GET /console/lib/leaflet/... a file of leaflet_dir (Debian's libjs-leaflet)
 *   GET /console/map.json        the map's settings: {"tiles": URL template or null, "attribution"}
 *
 * The files hold no data and need no credentials; everything the console shows or changes is an
 * API call made with the user's session, checked like any other. Each answer carries a
 * Content-Security-Policy that lets a page load scripts, styles and data only from tocsind
 * itself (no inline script, no other site, not framed), so that text an attacker put in an alert
 * or a registry row cannot run as script in a duty officer's browser. A path is at most
 * TC_API_CONSOLE_PATH_MAX bytes of letters, digits, '.', '_', '-' and '/', no segment starting
 * with '.': nothing outside console_dir can be named. Without map_tiles the map needs nothing but
 * tocsind; with them, the policy lets images come from that one origin too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tc_api_int.h"
#include "tc_file.h"

#define CONSOLE_PREFIX "/console/"
#define LEAFLET_PREFIX "lib/leaflet/"
#define TC_API_CONSOLE_PATH_MAX 200
#define CONSOLE_FILE_MAX ((size_t)8 << 20)

static const char csp_format[] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:%s%s; "
				 "connect-src 'self'; media-src 'self' blob:; font-src 'self'; base-uri 'none'; "
				 "form-action 'self'; frame-ancestors 'none'";

enum tc_rc tc_api_console_setup(struct tc_api *api, struct tc_diags *d)
{
	const char *url = api->o.map_tiles;
	char origin[300] = "";
	if (url) {
		size_t scheme = !strncmp(url, "https://", 8) ? 8 : !strncmp(url, "http://", 7) ? 7 : 0;
		size_t host = scheme ? strcspn(url + scheme, "/") : 0;
		/* the origin goes into a header: letters, digits and . - : [ ] only (a host, a port) */
		if (!scheme || !host || host >= sizeof(origin) - scheme ||
		    strspn(url + scheme, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != host ||
		    !strstr(url, "{z}") || !strstr(url, "{x}") || !strstr(url, "{y}") || strpbrk(url, " \t\"'<>\\")) {
			tc_err(d, "config.map_tiles", "map_tiles",
			       "map_tiles '%s' is not an http:// or https:// URL template with a host and {z}, {x} and {y}",
			       url);
			return TC_ERR_USAGE;
		}
		snprintf(origin, sizeof(origin), "%.*s", (int)(scheme + host), url);
	}
	snprintf(api->console_csp, sizeof(api->console_csp), csp_format, *origin ? " " : "", origin);
	return TC_OK;
}

/* The media type of a file by its extension; NULL: not served. */
static const char *type_of(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },   { ".json", "application/json; charset=utf-8" },
		{ ".svg", "image/svg+xml" },             { ".png", "image/png" },
		{ ".ico", "image/x-icon" },              { ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return NULL;
}

bool tc_api_console_path_ok(const char *path)
{
	size_t n = strlen(path);
	if (n > TC_API_CONSOLE_PATH_MAX || strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/") != n)
		return false;
	for (const char *seg = path; *seg; seg += strcspn(seg, "/") + (seg[strcspn(seg, "/")] == '/')) {
		size_t len = strcspn(seg, "/");
		if (len == 0 || seg[0] == '.')
			return false; /* "//", a trailing "/" inside, "..", hidden files */
	}
	return true;
}

static enum MHD_Result redirect(struct MHD_Connection *c, const char *to)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	MHD_add_response_header(r, "Location", to);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_SEE_OTHER, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result map_settings(struct tc_api *api, struct MHD_Connection *c)
{
	json_t *o = json_pack("{s:s?, s:s?}", "tiles", api->o.map_tiles, "attribution", api->o.map_attribution);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return tc_api_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "api.memory", "out of memory");
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
	MHD_add_response_header(r, "Content-Security-Policy", api->console_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

enum MHD_Result tc_api_console(struct tc_api *api, struct MHD_Connection *c, const char *url)
{
	if (strncmp(url, CONSOLE_PREFIX, sizeof(CONSOLE_PREFIX) - 1) != 0)
		return redirect(c, CONSOLE_PREFIX); /* "/" and "/console" */
	const char *rel = url + sizeof(CONSOLE_PREFIX) - 1;
	char path[TC_API_CONSOLE_PATH_MAX + 1100];
	if (!*rel)
		rel = "index.html";
	if (!strcmp(rel, "map.json"))
		return map_settings(api, c);
	const char *type = type_of(rel), *dir = api->o.console_dir;
	if (!strncmp(rel, LEAFLET_PREFIX, sizeof(LEAFLET_PREFIX) - 1)) {
		rel += sizeof(LEAFLET_PREFIX) - 1;
		dir = api->o.leaflet_dir;
	}
	if (!dir || !tc_api_console_path_ok(rel) || !type)
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no such file of the console");
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	char *text = NULL;
	size_t len = 0;
	if (tc_file_read(path, CONSOLE_FILE_MAX, &text, &len) != 0) {
		free(text);
		return tc_api_error(c, MHD_HTTP_NOT_FOUND, "api.not-found", "no such file of the console");
	}
	struct MHD_Response *r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", api->console_csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cache-Control", "no-cache"); /* asked again each time: a new tocsind, new files */
	enum MHD_Result ok = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}
