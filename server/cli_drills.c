/*
 * cli_drills.c — `tocsin drills [runs | report RUN [--csv] | add SPEC | remove ID] [--server URL] [--json]`:
 * the drill schedules tocsind runs (with their source and next slot), adding
 * one through the API (`add "weekly wed 10:00 silent 120116"`) and removing
 * one added so, the runs so far (newest first), and one run's report: per town and village who answered
 * and how fast against the target, the receivers that failed with why, and
 * the trend of the schedule's last runs. --csv prints the report's CSV, one
 * row per receiver, as the bureau keeps it; --json the API's answer as is.
 *
 * `tocsin health [--csv | --json] [--server URL]`: the maintenance list (README,
 * "Receiver health") — each receiver on it with its problems and their
 * evidence, and per town the share of its receivers not on it.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

#define DRILLS_USAGE                                                                                   \
	"usage: tocsin drills [--server URL] [--json]\n"                                               \
	"       tocsin drills runs [--server URL] [--json]\n"                                          \
	"       tocsin drills report RUN [--csv | --json] [--server URL]\n"                            \
	"       tocsin drills add 'weekly wed 10:00 silent 120116' [--server URL] [--json]\n"           \
	"       tocsin drills remove ID [--server URL] [--json]\n"                                     \
	"The drill schedules (the configuration's and those added through the API) with their next slot;\n" \
	"adding one (daily HH:MM MODE REGION, weekly DAY HH:MM MODE REGION, monthly NTH-DAY HH:MM MODE\n" \
	"REGION) and removing one added so; the runs so far; a run's\n"                                \
	"report (per town and village: targets, answered, failed, median and worst seconds from release,\n" \
	"within the target; the receivers that failed and why; the trend of the last runs).\n"


#define HEALTH_USAGE                                                                                   \
	"usage: tocsin health [--csv | --json] [--server URL]\n"                                      \
	"The maintenance list: the receivers of your regions offline too long, failing their self-check,\n" \
	"silent in their last alerts or with a clock off, with the evidence and since when; per town the\n" \
	"share of its receivers not on the list. --csv: the list, one row per problem.\n"


/* method path (with body, JSON, or NULL) for command cmd; the answer's body into *out (malloc'ed). Exit status. */
static int call(const char *cmd, const char *method, const char *server, const char *path, const char *body, char **out)
{
	char url[1024];
	struct tc_cli_body answer = { 0 };
	long code = 0;
	*out = NULL;
	snprintf(url, sizeof(url), "%s%s", server, path);
	if (tc_cli_http(method, url, body, body ? strlen(body) : 0, body ? "application/json" : NULL, &code, &answer)) {
		free(answer.s);
		return TC_EXIT_USAGE;
	}
	if (code != 200 && code != 201) {
		json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
		const char *why = json_string_value(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));
		if (code != 401 && code != 403) /* tc_cli_http said why for those */
			fprintf(stderr, "tocsin %s: %s (HTTP %ld)\n", cmd, why ? why : "refused", code);
		json_decref(j);
		free(answer.s);
		return TC_EXIT_REFUSED;
	}
	*out = answer.s ? answer.s : strdup("");
	return TC_EXIT_OK;
}

/* method path (body as for call) and print the answer: as it came (--csv, --json), or through print. Exit status. */
static int show(const char *cmd, const char *method, const char *server, const char *path, const char *send, int csv,
		int json, void (*print)(json_t *j))
{
	char *body = NULL;
	int rc = call(cmd, method, server, path, send, &body);
	if (rc)
		return rc;
	json_t *j = csv || json ? NULL : json_loads(body, 0, NULL);
	if (csv || json)
		fputs(body, stdout);
	else if (!j)
		fprintf(stderr, "tocsin %s: the server's answer is not JSON\n", cmd), rc = TC_EXIT_REFUSED;
	else
		print(j);
	if (json && body[0] && body[strlen(body) - 1] != '\n')
		putchar('\n');
	json_decref(j);
	free(body);
	return rc;
}

/* --server, --json, --csv into the pointers; an exit status when that is all (help, bad flags), else -1. */
static int options(int argc, char **argv, const char *usage, const char **server, int *json, int *csv)
{
	static const struct option longopts[] = { { "server", required_argument, NULL, 's' },
						   { "json", no_argument, NULL, 'j' },
						   { "csv", no_argument, NULL, 'c' },
						   { NULL, 0, NULL, 0 } };
	int c;
	if (tc_cli_wants_help(argc, argv))
		return fputs(usage, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		if (c == 's')
			*server = optarg;
		else if (c == 'j')
			*json = 1;
		else if (c == 'c')
			*csv = 1;
		else
			return fputs(usage, stderr), TC_EXIT_USAGE;
	}
	return -1;
}


static const char *text_of(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return s ? s : "";
}

static void print_schedules_head(void)
{
	printf("%-10s %-7s %-40s %-26s %s\n", "ID", "SOURCE", "SCHEDULE", "NEXT SLOT", "LAST RUN");
}

static void print_schedule(json_t *d)
{
	json_t *last = json_object_get(d, "last_run");
	printf("%-10s %-7s %-40s %-26s %s\n", text_of(d, "id"), text_of(d, "source"), text_of(d, "schedule"),
	       text_of(d, "next_slot_time"), json_is_object(last) ? text_of(last, "slot_time") : "-");
}

static void print_schedules(json_t *j)
{
	size_t i;
	json_t *d;
	print_schedules_head();
	json_array_foreach(json_object_get(j, "drills"), i, d)
		print_schedule(d);
}

static void print_runs(json_t *j)
{
	size_t i;
	json_t *r;
	printf("%-5s %-26s %-17s %s\n", "RUN", "SLOT", "ALERT", "SCHEDULE");
	json_array_foreach(json_object_get(j, "runs"), i, r)
		printf("%-5lld %-26s %-17s %s\n", (long long)json_integer_value(json_object_get(r, "id")),
		       text_of(r, "slot_time"), text_of(r, "alert_id"), text_of(r, "schedule"));
}

static void print_figures(const char *name, json_t *g)
{
	json_t *med = json_object_get(g, "median_s"), *worst = json_object_get(g, "worst_s");
	printf("%-14s %7lld %8lld %6lld %8s %7s %6lld\n", name, (long long)json_integer_value(json_object_get(g, "targets")),
	       (long long)json_integer_value(json_object_get(g, "answered")),
	       (long long)json_integer_value(json_object_get(g, "failed")), "", "",
	       (long long)json_integer_value(json_object_get(g, "within_target")));
	if (json_is_number(med))
		printf("%-14s median %.1f s, worst %lld s\n", "", json_number_value(med), (long long)json_integer_value(worst));
}

static void print_report(json_t *j)
{
	size_t i;
	json_t *g, *run = json_object_get(j, "run");
	printf("run %lld: %s, slot %s, alert %s; target %lld s\n", (long long)json_integer_value(json_object_get(run, "id")),
	       text_of(run, "schedule"), text_of(run, "slot_time"), text_of(run, "alert_id"),
	       (long long)json_integer_value(json_object_get(j, "target_s")));
	printf("%-14s %7s %8s %6s %8s %7s %6s\n", "REGION", "TARGETS", "ANSWERED", "FAILED", "", "", "WITHIN");
	print_figures("all", j);
	json_array_foreach(json_object_get(j, "towns"), i, g)
		print_figures(text_of(g, "town"), g);
	json_array_foreach(json_object_get(j, "villages"), i, g)
		print_figures(text_of(g, "village"), g);
	if (json_array_size(json_object_get(j, "failures")))
		printf("failed:\n");
	json_array_foreach(json_object_get(j, "failures"), i, g)
		printf("  %-20s %-12s %s\n", text_of(g, "receiver"), text_of(g, "village"), text_of(g, "reason"));
	printf("trend (newest first):\n");
	json_array_foreach(json_object_get(j, "trend"), i, g) {
		json_t *med = json_object_get(g, "median_s");
		printf("  run %-5lld answered %5.1f %%  median %s%.1f s  failures %lld\n",
		       (long long)json_integer_value(json_object_get(g, "run")),
		       100.0 * json_number_value(json_object_get(g, "answer_rate")), json_is_number(med) ? "" : "-",
		       json_is_number(med) ? json_number_value(med) : 0.0,
		       (long long)json_integer_value(json_object_get(g, "failures")));
	}
}

/* {"schedule": the n words of v joined by spaces}, malloc'ed; NULL when out of memory. */
static char *add_body(int n, char **v)
{
	char spec[512] = "";
	size_t len = 0;
	for (int i = 0; i < n && len < sizeof(spec); i++)
		len += (size_t)snprintf(spec + len, sizeof(spec) - len, "%s%s", i ? " " : "", v[i]);
	json_t *j = json_pack("{s:s}", "schedule", spec);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	return text;
}


static void print_added(json_t *j)
{
	printf("added schedule %s: %s (next slot %s)\n", text_of(j, "id"), text_of(j, "schedule"), text_of(j, "next_slot_time"));
}

static void print_removed(json_t *j)
{
	printf("removed schedule %s: %s\n", text_of(j, "id"), text_of(j, "schedule"));
}

int tc_cli_drills(int argc, char **argv)
{
	const char *server = TC_CLI_DEFAULT_SERVER;
	int json = 0, csv = 0, done = options(argc, argv, DRILLS_USAGE, &server, &json, &csv);
	if (done >= 0)
		return done;
	int rest = argc - optind;
	const char *what = rest ? argv[optind] : "";
	char path[256], *send = NULL;
	bool report = !strcmp(what, "report") && rest == 2 && strspn(argv[optind + 1], "0123456789") == strlen(argv[optind + 1]) &&
		      argv[optind + 1][0];
	bool add = !strcmp(what, "add") && rest >= 2, remove = !strcmp(what, "remove") && rest == 2 && argv[optind + 1][0] &&
		   strspn(argv[optind + 1], "config-0123456789") == strlen(argv[optind + 1]);
	if (!(rest == 0 || (rest == 1 && !strcmp(what, "runs")) || report || add || remove) || (csv && (!report || json))) {
		fprintf(stderr, "tocsin drills: %s\n%s", !strcmp(what, "report") && !report ?
			"report needs a run number (tocsin drills runs lists them)" : !strcmp(what, "remove") && !remove ?
			"remove needs a schedule's id (tocsin drills lists them)" : "bad arguments", DRILLS_USAGE);
		return TC_EXIT_USAGE;
	}
	if (add && !(send = add_body(argc - optind - 1, argv + optind + 1)))
		return fputs("tocsin drills: out of memory\n", stderr), TC_EXIT_USAGE;
	if (report)
		snprintf(path, sizeof(path), "/api/v1/drills/runs/%s/report%s", argv[optind + 1], csv ? "?format=csv" : "");
	else if (remove)
		snprintf(path, sizeof(path), "/api/v1/drills/%s", argv[optind + 1]);
	else
		snprintf(path, sizeof(path), "/api/v1/drills%s", rest == 1 ? "/runs" : "");
	int rc = show("drills", add ? "POST" : remove ? "DELETE" : "GET", server, path, send, csv, json,
		      report ? print_report : add ? print_added : remove ? print_removed : rest ? print_runs : print_schedules);
	free(send);
	return rc;
}

static void print_health(json_t *j)
{
	size_t i, k;
	json_t *r, *p, *counts = json_object_get(j, "counts");
	char since[24];
	printf("%lld of %lld receiver(s) on the maintenance list\n", (long long)json_integer_value(json_object_get(counts, "listed")),
	       (long long)json_integer_value(json_object_get(counts, "receivers")));
	json_array_foreach(json_object_get(j, "receivers"), i, r) {
		time_t t = (time_t)json_integer_value(json_object_get(r, "since"));
		struct tm tm;
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
		printf("%-20s %-11s %-12s %s (listed since %s)\n", text_of(r, "id"), text_of(r, "kind"), text_of(r, "region"),
		       text_of(r, "name"), since);
		json_array_foreach(json_object_get(r, "problems"), k, p)
			printf("  %-10s %s\n", text_of(p, "problem"), text_of(p, "evidence"));
	}
	printf("%-12s %9s %7s %7s\n", "TOWN", "RECEIVERS", "LISTED", "HEALTH");
	json_array_foreach(json_object_get(j, "towns"), i, r)
		printf("%-12s %9lld %7lld %6.1f%%\n", text_of(r, "town"), (long long)json_integer_value(json_object_get(r, "receivers")),
		       (long long)json_integer_value(json_object_get(r, "listed")),
		       100.0 * json_number_value(json_object_get(r, "health")));
}

int tc_cli_health(int argc, char **argv)
{
	const char *server = TC_CLI_DEFAULT_SERVER;
	int json = 0, csv = 0, done = options(argc, argv, HEALTH_USAGE, &server, &json, &csv);
	if (done >= 0)
		return done;
	if (optind < argc || (csv && json)) {
		fprintf(stderr, "tocsin health: %s\n%s", optind < argc ? "unexpected argument" : "--csv or --json, not both",
			HEALTH_USAGE);
		return TC_EXIT_USAGE;
	}
	return show("health", "GET", server, csv ? "/api/v1/health?format=csv" : "/api/v1/health", NULL, csv, json, print_health);
}
