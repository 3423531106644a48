/*
 * cli_registry.c — `tocsin import receivers|contacts|shelters FILE [--server URL]`
 * and `tocsin export receivers|contacts|shelters [--csv] [--server URL]`.
 *
 * Import sends the CSV or JSON file to tocsind, which stores all rows or
 * none; every bad row is printed with the file and its line ("receivers.csv
 * line 17: name is not valid UTF-8"), and so is what was imported but is
 * worth knowing (a shelter named before it is registered). Export prints
 * the registry, or the rows it cannot give. Exit 0 imported (exported), 1 refused, 2 usage or
 * unreachable server.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "tc_file.h"

#define IMPORT_USAGE "usage: tocsin import receivers|contacts|shelters FILE [--server URL]\n"
#define EXPORT_USAGE "usage: tocsin export receivers|contacts|shelters [--csv] [--server URL]\n"

static const char *const kinds[] = { "receivers", "contacts", "shelters" };

static bool kind_ok(const char *k)
{
	for (size_t i = 0; i < 3; i++)
		if (!strcmp(k, kinds[i]))
			return true;
	return false;
}

/* Each of the answer's list (errors, warnings) on stderr, after file (a line or item number follows it). */
static void print_list(json_t *answer, const char *list, const char *file)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(answer, list), i, it) {
		const char *m = json_string_value(json_object_get(it, "message"));
		m = m ? m : "";
		if (!file)
			fprintf(stderr, "  %s\n", m);
		else if (!strncmp(m, "line ", 5) || !strncmp(m, "item ", 5))
			fprintf(stderr, "  %s %s\n", file, m);
		else
			fprintf(stderr, "  %s: %s\n", file, m);
	}
}

static int parse(int argc, char **argv, const char **server, bool *csv, int want_args)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { "csv", no_argument, NULL, 'c' }, { NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:c", longopts, NULL)) != -1) {
		if (c == 's')
			*server = optarg;
		else if (c == 'c' && csv)
			*csv = true;
		else
			return -1;
	}
	return argc - optind == want_args && kind_ok(argv[optind]) ? optind : -1;
}

int tc_cli_import(int argc, char **argv)
{
	const char *server = TC_CLI_DEFAULT_SERVER;
	if (tc_cli_wants_help(argc, argv))
		return fputs(IMPORT_USAGE, stdout), TC_EXIT_OK;
	int at = parse(argc, argv, &server, NULL, 2);
	if (at < 0) {
		fputs(IMPORT_USAGE, stderr);
		return TC_EXIT_USAGE;
	}
	char *text = NULL, url[1024];
	size_t len = 0;
	if (tc_file_read(argv[at + 1], 16u << 20, &text, &len)) {
		fprintf(stderr, "tocsin import: cannot read %s\n", argv[at + 1]);
		return TC_EXIT_USAGE;
	}
	snprintf(url, sizeof(url), "%s/api/v1/%s", server, argv[at]);
	struct tc_cli_body answer = { 0 };
	long code = 0;
	int status = TC_EXIT_USAGE;
	const char *type = text[strspn(text, " \t\r\n")] == '[' ? "application/json" : "text/csv";
	if (tc_cli_http("POST", url, text, len, type, &code, &answer) == 0) {
		json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
		if (code == 200) {
			printf("%lld %s imported (%lld in all)\n", (long long)json_integer_value(json_object_get(j, "imported")),
			       argv[at], (long long)json_integer_value(json_object_get(j, "total")));
			print_list(j, "warnings", argv[at + 1]);
			status = TC_EXIT_OK;
		} else if (code == 422 || code == 413) {
			fprintf(stderr, "tocsin import: %s refused; nothing was imported:\n", argv[at + 1]);
			print_list(j, "errors", argv[at + 1]);
			status = TC_EXIT_REFUSED;
		} else {
			fprintf(stderr, "tocsin import: unexpected answer (HTTP %ld)\n", code);
		}
		json_decref(j);
	}
	free(answer.s);
	free(text);
	return status;
}

int tc_cli_export(int argc, char **argv)
{
	const char *server = TC_CLI_DEFAULT_SERVER;
	bool csv = false;
	if (tc_cli_wants_help(argc, argv))
		return fputs(EXPORT_USAGE, stdout), TC_EXIT_OK;
	int at = parse(argc, argv, &server, &csv, 1);
	if (at < 0) {
		fputs(EXPORT_USAGE, stderr);
		return TC_EXIT_USAGE;
	}
	char url[1024];
	snprintf(url, sizeof(url), "%s/api/v1/%s%s", server, argv[at], csv ? "?format=csv" : "");
	struct tc_cli_body answer = { 0 };
	long code = 0;
	int status = TC_EXIT_USAGE;
	if (tc_cli_http("GET", url, NULL, 0, NULL, &code, &answer) == 0) {
		if (code == 200) {
			fputs(answer.s ? answer.s : "", stdout);
			status = TC_EXIT_OK;
		} else {
			json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
			fprintf(stderr, "tocsin export: the %s could not be exported (HTTP %ld):\n", argv[at], code);
			print_list(j, "errors", NULL);
			json_decref(j);
			status = TC_EXIT_REFUSED;
		}
	}
	free(answer.s);
	return status;
}
