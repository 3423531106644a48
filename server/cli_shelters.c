/*
 * cli_shelters.c — `tocsin shelters report [--csv] [--server URL]`,
 * `tocsin shelters guidance RECEIVER [--server URL]` and
 * `tocsin shelters occupancy SHELTER N|full|open|closed [--server URL]`.
 *
 * The planning report (villages with no shelter within shelter_walk_m,
 * shelters short of room for the people they serve) as JSON or CSV; what a
 * village's loudspeaker tells people about its shelter; a shelter's
 * occupancy as its manager reports it. Exit 0 done, 1 refused, 2 usage or
 * unreachable server.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"

#define SHELTERS_USAGE                                                                       \
	"usage: tocsin shelters report [--csv] [--server URL]\n"                            \
	"       tocsin shelters guidance RECEIVER [--server URL]\n"                         \
	"       tocsin shelters occupancy SHELTER N|full|open|closed [--server URL]\n"

/* The answer's errors on stderr. */
static void print_errors(const char *what, long code, const char *body)
{
	json_t *j = body ? json_loads(body, 0, NULL) : NULL, *it;
	size_t i;
	fprintf(stderr, "tocsin shelters %s: refused (HTTP %ld)\n", what, code);
	json_array_foreach(json_object_get(j, "errors"), i, it)
		fprintf(stderr, "  %s\n", json_string_value(json_object_get(it, "message")) ?: "");
	json_decref(j);
}

/* method url (body: JSON or NULL): the answer on stdout when 200. */
static int ask(const char *what, const char *method, const char *url, const char *body)
{
	struct tc_cli_body answer = { 0 };
	long code = 0;
	int status = TC_EXIT_USAGE;
	if (tc_cli_http(method, url, body, body ? strlen(body) : 0, body ? "application/json" : NULL, &code, &answer) == 0) {
		if (code == 200) {
			fputs(answer.s ? answer.s : "", stdout);
			status = TC_EXIT_OK;
		} else {
			print_errors(what, code, answer.s);
			status = TC_EXIT_REFUSED;
		}
	}
	free(answer.s);
	return status;
}

/* The body of an occupancy report: a number of people, or full, open, closed. */
static char *occupancy_body(const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);
	json_t *j = NULL;
	if (!strcmp(v, "full"))
		j = json_pack("{s:b}", "full", 1);
	else if (!strcmp(v, "open") || !strcmp(v, "closed"))
		j = json_pack("{s:s}", "state", v);
	else if (*v && !*end && n >= 0)
		j = json_pack("{s:I}", "occupancy", (json_int_t)n);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}

/* id made safe for a URL path (curl's escaping), into out. */
static void escaped(const char *id, char *out, size_t len)
{
	char *e = curl_easy_escape(NULL, id, 0);
	snprintf(out, len, "%s", e ? e : "");
	curl_free(e);
}

int tc_cli_shelters(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { "csv", no_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	const char *server = TC_CLI_DEFAULT_SERVER;
	bool csv = false;
	int c;
	if (tc_cli_wants_help(argc, argv))
		return fputs(SHELTERS_USAGE, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:c", longopts, NULL)) != -1) {
		if (c == 's')
			server = optarg;
		else if (c == 'c')
			csv = true;
		else
			return fputs(SHELTERS_USAGE, stderr), TC_EXIT_USAGE;
	}
	int n = argc - optind;
	const char *cmd = n > 0 ? argv[optind] : "";
	char url[1024], id[512];
	if (!strcmp(cmd, "report") && n == 1) {
		snprintf(url, sizeof(url), "%s/api/v1/shelters/report%s", server, csv ? "?format=csv" : "");
		return ask(cmd, "GET", url, NULL);
	}
	if (!strcmp(cmd, "guidance") && n == 2 && !csv) {
		escaped(argv[optind + 1], id, sizeof(id));
		snprintf(url, sizeof(url), "%s/api/v1/shelters/guidance?receiver=%s", server, id);
		return ask(cmd, "GET", url, NULL);
	}
	if (!strcmp(cmd, "occupancy") && n == 3 && !csv) {
		char *body = occupancy_body(argv[optind + 2]);
		if (!body) {
			fprintf(stderr, "tocsin shelters occupancy: '%s' is not a number of people, full, open or closed\n",
				argv[optind + 2]);
			return TC_EXIT_USAGE;
		}
		escaped(argv[optind + 1], id, sizeof(id));
		snprintf(url, sizeof(url), "%s/api/v1/shelters/%s/occupancy", server, id);
		int status = ask(cmd, "POST", url, body);
		free(body);
		return status;
	}
	fputs(SHELTERS_USAGE, stderr);
	return TC_EXIT_USAGE;
}
