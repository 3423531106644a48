/*
 * cli_submit.c — `tocsin submit FILE [--server URL]`: send a CAP alert to
 * tocsind. Prints the alert id on stdout once the server has it durably
 * (exit 0; also for an alert it already had); prints the server's reasons
 * on stderr when it refuses (exit 1); exit 2 when the server cannot be
 * reached or the file read.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "tc_file.h"
#include "tc_vec.h"


static size_t gather(char *p, size_t size, size_t n, void *user)
{
	struct tc_cli_body *b = user;
	size_t add = size * n;
	struct tc_vec text = { .v = b->s, .n = b->n, .cap = b->cap, .size = 1 };
	enum tc_rc rc = tc_vec_append_text(&text, p, add);
	b->s = text.v;
	b->n = text.n;
	b->cap = text.cap;
	return rc ? 0 : add; /* curl stops at a short count */
}

/*
 * The caller's API token: TOCSIN_TOKEN, else the first line of the file TOCSIN_TOKEN_FILE (which
 * the front sets from --token-file). 0 with the token in out ("" when neither is set), -1 when
 * the file cannot be read (said on stderr).
 */
static int token_of(char *out, size_t cap)
{
	const char *env = getenv("TOCSIN_TOKEN"), *file = getenv("TOCSIN_TOKEN_FILE");
	char *text = NULL;
	size_t len = 0;
	out[0] = '\0';
	if (env && *env) {
		snprintf(out, cap, "%.*s", (int)strcspn(env, "\r\n"), env);
		return 0;
	}
	if (!file || !*file)
		return 0;
	int err = tc_file_read(file, 4096, &text, &len);
	if (err) {
		fprintf(stderr, "tocsin: cannot read the token file %s: %s\n", file, strerror(err));
		return -1;
	}
	snprintf(out, cap, "%.*s", (int)strcspn(text, "\r\n"), text);
	memset(text, 0, len);
	free(text);
	return 0;
}

int tc_cli_http(const char *method, const char *url, const char *data, size_t len, const char *type, long *code,
		struct tc_cli_body *answer)
{
	struct curl_slist *h = NULL;
	char header[128], token[256], auth[300];
	if (token_of(token, sizeof(token)))
		return -1;
	CURL *c = curl_easy_init();
	if (!c)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, gather);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	const char *ca = getenv("TOCSIN_CA_FILE"); /* https:// to a server with a private CA or its own certificate */
	if (ca && *ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (!strcmp(method, "POST")) {
		snprintf(header, sizeof(header), "Content-Type: %s", type);
		h = curl_slist_append(h, header);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (strcmp(method, "POST") && strcmp(method, "GET"))
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	CURLcode r = curl_easy_perform(c);
	if (r != CURLE_OK)
		fprintf(stderr, "tocsin: cannot reach %s: %s\n", url, curl_easy_strerror(r));
	else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_slist_free_all(h);
	memset(auth, 0, sizeof(auth));
	memset(token, 0, sizeof(token));
	curl_easy_cleanup(c);
	if (r == CURLE_OK && (*code == 401 || *code == 403)) { /* say why, whatever the command makes of it */
		json_t *j = answer->s ? json_loads(answer->s, 0, NULL) : NULL;
		const char *why = json_string_value(json_object_get(json_array_get(json_object_get(j, "errors"), 0), "message"));
		fprintf(stderr, "tocsin: the server refused (HTTP %ld): %s%s\n", *code, why ? why : "no reason given",
			*code == 401 && !token[0] ? " (give a token: --token-file FILE or TOCSIN_TOKEN)" : "");
		json_decref(j);
	}
	return r == CURLE_OK ? 0 : -1;
}

static void print_reasons(json_t *j)
{
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(j, "errors"), i, it)
		fprintf(stderr, "  error   %s at %s: %s\n", json_string_value(json_object_get(it, "code")),
			json_string_value(json_object_get(it, "path")), json_string_value(json_object_get(it, "message")));
	json_array_foreach(json_object_get(j, "warnings"), i, it)
		fprintf(stderr, "  warning %s: %s\n", json_string_value(json_object_get(it, "code")),
			json_string_value(json_object_get(it, "message")));
}

int tc_cli_submit(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "server", required_argument, NULL, 's' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *server = TC_CLI_DEFAULT_SERVER;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': server = optarg; break;
		case 'h': printf("usage: tocsin submit FILE [--server URL]\n"); return TC_EXIT_OK;
		default: return TC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: tocsin submit FILE [--server URL]   ('-' reads standard input)\n");
		return TC_EXIT_USAGE;
	}
	char *xml = NULL, url[1024];
	size_t len = 0;
	if (tc_file_read(argv[optind], 16u << 20, &xml, &len)) {
		fprintf(stderr, "tocsin submit: cannot read %s\n", argv[optind]);
		return TC_EXIT_USAGE;
	}
	snprintf(url, sizeof(url), "%s/api/v1/alerts", server);
	struct tc_cli_body answer = { 0 };
	long code = 0;
	int status = TC_EXIT_USAGE;
	if (tc_cli_http("POST", url, xml, len, "application/cap+xml", &code, &answer) == 0) {
		json_t *j = answer.s ? json_loads(answer.s, 0, NULL) : NULL;
		const char *id = json_string_value(json_object_get(j, "id"));
		if ((code == 201 || code == 200 || code == 202) && id) {
			printf("%s\n", id);
			if (json_is_true(json_object_get(j, "duplicate")))
				fprintf(stderr, "tocsin submit: the server already had this alert\n");
			if (!strcmp(json_string_value(json_object_get(j, "state")) ?: "", "pending-approval"))
				fprintf(stderr, "tocsin submit: alert %s waits for approval by another approver "
					"(tocsin approve %s); nothing is sent until then\n", id, id);
			status = TC_EXIT_OK;
		} else if (code == 400 || code == 422 || code == 413 || code == 403 || code == 415) {
			fprintf(stderr, "tocsin submit: the server refused %s (HTTP %ld):\n", argv[optind], code);
			print_reasons(j);
			status = TC_EXIT_REFUSED;
		} else {
			fprintf(stderr, "tocsin submit: unexpected answer (HTTP %ld): %s\n", code, answer.s ? answer.s : "");
		}
		json_decref(j);
	}
	free(answer.s);
	free(xml);
	return status;
}
