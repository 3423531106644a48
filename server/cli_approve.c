/*
 * cli_approve.c — two-person release from the command line:
 *
 *   tocsin approve ID [--reason TEXT] [--urgent] [--server URL]
 *   tocsin reject ID --reason TEXT [--server URL]
 *   tocsin approvals [--json] [--server URL]
 *
 * approve releases an alert another user submitted (dispatch starts); an
 * approver releases their own only with --urgent and a typed --reason, which
 * the audit log flags. reject refuses it for good, with a reason its author
 * reads. approvals lists what waits, oldest first. Exit 0 done, 1 refused
 * (with the server's reason), 2 usage or the server unreachable.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

#define APPROVE_USAGE "usage: tocsin approve ID [--reason TEXT] [--urgent] [--server URL]\n"
#define REJECT_USAGE "usage: tocsin reject ID --reason TEXT [--server URL]\n"
#define APPROVALS_USAGE "usage: tocsin approvals [--json] [--server URL]\n"

static int decide(int argc, char **argv, bool approve)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { "reason", required_argument, NULL, 'r' },
		{ "urgent", no_argument, NULL, 'u' },       { NULL, 0, NULL, 0 },
	};
	const char *server = TC_CLI_DEFAULT_SERVER, *reason = NULL, *usage = approve ? APPROVE_USAGE : REJECT_USAGE;
	bool urgent = false;
	int c;
	if (tc_cli_wants_help(argc, argv))
		return fputs(usage, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:r:", longopts, NULL)) != -1) {
		if (c == 's')
			server = optarg;
		else if (c == 'r')
			reason = optarg;
		else if (c == 'u' && approve)
			urgent = true;
		else
			return fputs(usage, stderr), TC_EXIT_USAGE;
	}
	if (optind != argc - 1 || (!approve && (!reason || !*reason))) {
		fputs(usage, stderr);
		if (!approve && optind == argc - 1)
			fprintf(stderr, "tocsin reject: a rejection needs --reason (its author reads it)\n");
		return TC_EXIT_USAGE;
	}
	json_t *body = json_object();
	if (reason)
		json_object_set_new(body, "reason", json_string(reason));
	if (urgent)
		json_object_set_new(body, "urgent", json_true());
	char *text = json_dumps(body, JSON_COMPACT), url[1024];
	json_decref(body);
	if (!text)
		return TC_EXIT_USAGE;
	snprintf(url, sizeof(url), "%s/api/v1/alerts/%s/%s", server, argv[optind], approve ? "approve" : "reject");
	struct tc_cli_body answer = { 0 };
	long code = 0;
	int status = TC_EXIT_USAGE;
	if (tc_cli_http("POST", url, text, strlen(text), "application/json", &code, &answer) == 0) {
		json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
		if (code == 200) {
			printf("%s %s by %s%s", argv[optind], json_string_value(json_object_get(j, "state")),
			       json_string_value(json_object_get(j, "by")),
			       json_is_true(json_object_get(j, "urgent")) ? " (urgent path)" : "");
			if (approve)
				printf(", %lld receivers", (long long)json_integer_value(json_object_get(j, "targets")));
			printf("\n");
			status = TC_EXIT_OK;
		} else {
			const char *why = json_string_value(
				json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));
			if (code != 401 && code != 403) /* tc_cli_http said those */
				fprintf(stderr, "tocsin %s: refused (HTTP %ld): %s\n", approve ? "approve" : "reject", code,
					why ? why : answer.s ? answer.s : "");
			status = TC_EXIT_REFUSED;
		}
		json_decref(j);
	}
	free(answer.s);
	free(text);
	return status;
}

int tc_cli_approve(int argc, char **argv)
{
	return decide(argc, argv, true);
}

int tc_cli_reject(int argc, char **argv)
{
	return decide(argc, argv, false);
}

int tc_cli_approvals(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { "json", no_argument, NULL, 'j' }, { NULL, 0, NULL, 0 },
	};
	const char *server = TC_CLI_DEFAULT_SERVER;
	bool as_json = false;
	int c;
	if (tc_cli_wants_help(argc, argv))
		return fputs(APPROVALS_USAGE, stdout), TC_EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:", longopts, NULL)) != -1) {
		if (c == 's')
			server = optarg;
		else if (c == 'j')
			as_json = true;
		else
			return fputs(APPROVALS_USAGE, stderr), TC_EXIT_USAGE;
	}
	if (optind != argc)
		return fputs(APPROVALS_USAGE, stderr), TC_EXIT_USAGE;
	char url[1024];
	struct tc_cli_body answer = { 0 };
	long code = 0;
	snprintf(url, sizeof(url), "%s/api/v1/approvals", server);
	if (tc_cli_http("GET", url, NULL, 0, NULL, &code, &answer)) {
		free(answer.s);
		return TC_EXIT_USAGE;
	}
	json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
	int status = code == 200 && j ? TC_EXIT_OK : TC_EXIT_REFUSED;
	if (status == TC_EXIT_OK && as_json) {
		printf("%s", answer.s);
	} else if (status == TC_EXIT_OK) {
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(j, "pending"), i, it) {
			char when[32];
			struct tm tm;
			time_t t = (time_t)json_integer_value(json_object_get(it, "submitted_at"));
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
			const char *text = json_string_value(json_object_get(it, "text"));
			printf("%s  by %s at %s, %lld receivers, %zu warning(s)\n  %.*s\n",
			       json_string_value(json_object_get(it, "id")), json_string_value(json_object_get(it, "author")),
			       when, (long long)json_integer_value(json_object_get(it, "targets")),
			       json_array_size(json_object_get(it, "warnings")), text ? (int)strcspn(text, "\n") : 0,
			       text ? text : "");
		}
		if (!json_array_size(json_object_get(j, "pending")))
			printf("nothing waits for approval\n");
	} else if (code != 401 && code != 403) {
		fprintf(stderr, "tocsin approvals: unexpected answer (HTTP %ld)\n", code);
	}
	json_decref(j);
	free(answer.s);
	return status;
}
