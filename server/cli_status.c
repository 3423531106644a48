/*
 * cli_status.c — `tocsin status ID [--server URL] [--json] [--watch [--timeout S]]`:
 * how far an alert has got, measured from acknowledgments.
 *
 * --json prints {"id","state","targets","counts":{state:n},"coverage"}, the
 * counts keyed by the delivery states of docs/architecture.md and coverage
 * the share of targets that acknowledged played or displayed, in per cent;
 * with the SMS channel also "channels" (mqtt and sms counts, and the SMS
 * parts still queued by class: escalation, relay, policy, maintenance), "escalated"
 * (villages whose loudspeakers stayed silent, with their officers' SMS state
 * and replies) and "people" (coverage by person). --watch asks again every
 * second until every delivery has reached a final state (or the
 * timeout), drawing a progress bar on a terminal.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"

static const char *const states[] = { "planned", "sent", "received", "played", "displayed",
				      "failed", "rejected", "expired", "cancelled", "escalated" };
#define N_STATES (sizeof(states) / sizeof(states[0]))

struct status {
	json_t *alert;
	long targets, counts[N_STATES];
	double coverage;
};

static long count_of(const struct status *s, const char *name)
{
	for (size_t i = 0; i < N_STATES; i++)
		if (!strcmp(states[i], name))
			return s->counts[i];
	return 0;
}

static int fetch(const char *server, const char *id, struct status *st)
{
	char url[1024];
	struct tc_cli_body answer = { 0 };
	long code = 0;
	snprintf(url, sizeof(url), "%s/api/v1/alerts/%s", server, id);
	if (tc_cli_http("GET", url, NULL, 0, NULL, &code, &answer)) {
		free(answer.s);
		return TC_EXIT_USAGE;
	}
	json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
	free(answer.s);
	if (code != 200 || !j) {
		fprintf(stderr, "tocsin status: no alert %s on %s (HTTP %ld)\n", id, server, code);
		json_decref(j);
		return TC_EXIT_REFUSED;
	}
	json_decref(st->alert);
	st->alert = j;
	st->targets = (long)json_integer_value(json_object_get(j, "targets"));
	json_t *counts = json_object_get(j, "counts");
	for (size_t i = 0; i < N_STATES; i++)
		st->counts[i] = (long)json_integer_value(json_object_get(counts, states[i]));
	long covered = count_of(st, "played") + count_of(st, "displayed");
	st->coverage = st->targets ? 100.0 * (double)covered / (double)st->targets : 0.0;
	return TC_EXIT_OK;
}

/* Deliveries not yet in a final state. */
static long open_deliveries(const struct status *st)
{
	return count_of(st, "planned") + count_of(st, "sent") + count_of(st, "received");
}

static void print_json(const char *id, const struct status *st)
{
	json_t *counts = json_object();
	for (size_t i = 0; i < N_STATES; i++)
		json_object_set_new(counts, states[i], json_integer(st->counts[i]));
	json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:f}", "id", id, "state",
			      json_string_value(json_object_get(st->alert, "state")), "targets", (json_int_t)st->targets,
			      "counts", counts, "coverage", round(st->coverage * 10) / 10);
	/* per channel, the escalated villages with their officers' state, coverage by person (with SMS) */
	static const char *const extra[] = { "channels", "escalated", "people", "relay" };
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (json_object_get(st->alert, extra[i]))
			json_object_set(o, extra[i], json_object_get(st->alert, extra[i]));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	printf("%s\n", s ? s : "{}");
	free(s);
	json_decref(o);
}

/* A moment as HH:MM:SS local time ("-" for 0). */
static const char *clock_of(json_t *v, char out[16])
{
	time_t t = (time_t)json_integer_value(v);
	struct tm tm;
	if (!t || !localtime_r(&t, &tm))
		return "-";
	strftime(out, 16, "%H:%M:%S", &tm);
	return out;
}

/* One line per relay chain: its town or village, its state, and each person told, in order. */
/* SMS parts still waiting to be handed over, highest class first: "sms queue  escalation 3, policy 480". */
static void print_queue(json_t *queued)
{
	const char *cls;
	json_t *n;
	char line[256] = "";
	json_object_foreach(queued, cls, n)
		if (json_integer_value(n) > 0)
			snprintf(line + strlen(line), sizeof(line) - strlen(line), "%s%s %lld", *line ? ", " : "", cls,
				 (long long)json_integer_value(n));
	if (*line)
		printf("  sms queue  %s (parts waiting, handed over in this order)\n", line);
}

static void print_relay(json_t *relay)
{
	size_t i, k;
	json_t *chain, *step;
	char told[16], ok[16];
	json_array_foreach(relay, i, chain) {
		printf("  relay %s %s %s:", json_string_value(json_object_get(chain, "region")),
		       json_string_value(json_object_get(chain, "level")), json_string_value(json_object_get(chain, "state")));
		json_array_foreach(json_object_get(chain, "steps"), k, step) {
			printf("%s %lld %s told %s", k ? ";" : "", (long long)json_integer_value(json_object_get(step, "position")),
			       json_string_value(json_object_get(step, "role")), clock_of(json_object_get(step, "told_at"), told));
			if (json_is_true(json_object_get(step, "confirmed")))
				printf(", confirmed %s", clock_of(json_object_get(step, "confirmed_at"), ok));
		}
		printf("\n");
	}
}

static void print_text(const char *id, const struct status *st, bool bar)
{
	const char *state = json_string_value(json_object_get(st->alert, "state"));
	if (bar) {
		int width = 30, done = st->targets ? (int)lround(width * st->coverage / 100) : 0;
		printf("\r%s %-11s [", id, state ? state : "?");
		for (int i = 0; i < width; i++)
			putchar(i < done ? '#' : '.');
		printf("] %5.1f %% of %ld  received %ld  played %ld  displayed %ld  failed %ld ", st->coverage,
		       st->targets, count_of(st, "received"), count_of(st, "played"), count_of(st, "displayed"),
		       count_of(st, "failed"));
		fflush(stdout);
		return;
	}
	printf("alert %s: %s, %ld target%s, coverage %.1f %%\n", id, state ? state : "?", st->targets,
	       st->targets == 1 ? "" : "s", st->coverage);
	for (size_t i = 0; i < N_STATES; i++)
		if (st->counts[i])
			printf("  %-10s %ld\n", states[i], st->counts[i]);
	json_t *sms = json_object_get(json_object_get(st->alert, "channels"), "sms");
	json_t *people = json_object_get(st->alert, "people");
	if (json_integer_value(json_object_get(sms, "recipients")) > 0) {
		json_t *c = json_object_get(sms, "counts");
		printf("  sms        %lld recipients: %lld delivered, %lld confirmed by reply; %lld of %lld silent villages"
		       " confirmed, coverage with people %.1f %%\n",
		       (long long)json_integer_value(json_object_get(sms, "recipients")),
		       (long long)json_integer_value(json_object_get(c, "delivered")),
		       (long long)json_integer_value(json_object_get(sms, "confirmed")),
		       (long long)json_integer_value(json_object_get(people, "villages_confirmed")),
		       (long long)json_integer_value(json_object_get(people, "villages_escalated")),
		       json_number_value(json_object_get(people, "coverage_with_people")));
	}
	print_queue(json_object_get(sms, "queued_parts"));
	print_relay(json_object_get(st->alert, "relay"));
}

#define STATUS_USAGE "usage: tocsin status ID [--server URL] [--json] [--watch [--timeout SECONDS]]\n"
#define CANCEL_USAGE "usage: tocsin cancel ID [--server URL]\n"

int tc_cli_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },        { "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *server = TC_CLI_DEFAULT_SERVER;
	bool json = false, watch = false;
	long timeout = 600;
	int c;
	if (tc_cli_wants_help(argc, argv))
		return fputs(STATUS_USAGE, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:jwt:", longopts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 'j': json = true; break;
		case 'w': watch = true; break;
		case 't': timeout = atol(optarg); break;
		default: return TC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1 || timeout < 1) {
		fputs(STATUS_USAGE, stderr);
		return TC_EXIT_USAGE;
	}
	const char *id = argv[optind];
	struct status st = { 0 };
	bool tty = isatty(STDOUT_FILENO) && !json;
	time_t until = time(NULL) + timeout;
	int rc;
	for (;;) {
		rc = fetch(server, id, &st);
		if (rc)
			break;
		if (!watch || open_deliveries(&st) == 0 || time(NULL) >= until) {
			if (tty && watch)
				print_text(id, &st, true), putchar('\n');
			else if (json)
				print_json(id, &st);
			else
				print_text(id, &st, false);
			break;
		}
		if (tty)
			print_text(id, &st, true);
		else if (json)
			print_json(id, &st);
		sleep(1);
	}
	json_decref(st.alert);
	return rc;
}

/* `tocsin cancel ID [--server URL]`: end an alert; its open deliveries are cancelled. */
int tc_cli_cancel(int argc, char **argv)
{
	static const struct option longopts[] = { { "server", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 } };
	const char *server = TC_CLI_DEFAULT_SERVER;
	int c;
	if (tc_cli_wants_help(argc, argv))
		return fputs(CANCEL_USAGE, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		if (c != 's')
			return TC_EXIT_USAGE;
		server = optarg;
	}
	if (optind != argc - 1) {
		fputs(CANCEL_USAGE, stderr);
		return TC_EXIT_USAGE;
	}
	char url[1024];
	struct tc_cli_body answer = { 0 };
	long code = 0;
	snprintf(url, sizeof(url), "%s/api/v1/alerts/%s/cancel", server, argv[optind]);
	if (tc_cli_http("POST", url, "", 0, "text/plain", &code, &answer)) {
		free(answer.s);
		return TC_EXIT_USAGE;
	}
	json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
	int rc = TC_EXIT_REFUSED;
	if (code == 200) {
		printf("%s %s, %lld open deliveries cancelled\n", argv[optind],
		       json_string_value(json_object_get(j, "state")),
		       (long long)json_integer_value(json_object_get(j, "cancelled")));
		rc = TC_EXIT_OK;
	} else if (code == 404) {
		fprintf(stderr, "tocsin cancel: no alert %s on %s\n", argv[optind], server);
	} else if (code != 401 && code != 403) { /* tc_cli_http said why for those */
		const char *why = json_string_value(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));
		fprintf(stderr, "tocsin cancel: refused (HTTP %ld): %s\n", code, why ? why : "no reason given");
	}
	json_decref(j);
	free(answer.s);
	return rc;
}
