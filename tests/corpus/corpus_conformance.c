/*
 * corpus_conformance.c — tocsin's verdicts against a labelled corpus of real
 * CAP alerts (../shared/corpus/cap: VERDICTS.tsv and the files it names).
 *
 * Two comparisons, printed as figures:
 *  1. schema: for every CAP 1.2 file, tocsin's XML + schema layers must give
 *     the official OASIS schema's verdict (column xsd_verdict). Must be 100 %.
 *  2. labels: tocsin's strict verdict against the expected label (valid,
 *     invalid-*, not-cap, ...). Labels about XML signatures are counted
 *     apart: tocsin does not verify XML-DSig. Every other label must agree,
 *     except the few files below, where tocsin is stricter than the source
 *     on purpose (each with the rule and why).
 * The lenient verdicts are printed beside them for information.
 *
 * Usage: corpus_conformance CORPUS_DIR. Exits 77 (skipped) when the corpus
 * is absent, 1 on any disagreement.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_cap_check.h"
#include "tc_file.h"

struct row {
	char file[256], version[16], xsd[32], label[48];
};

static bool read_row(FILE *f, struct row *r)
{
	char line[4096];
	if (!fgets(line, sizeof(line), f))
		return false;
	char *fields[6] = { 0 };
	int n = 0;
	for (char *p = strtok(line, "\t\n"); p && n < 6; p = strtok(NULL, "\t\n"))
		fields[n++] = p;
	memset(r, 0, sizeof(*r));
	if (n < 4)
		return true; /* blank: file stays empty */
	snprintf(r->file, sizeof(r->file), "%s", fields[0]);
	snprintf(r->version, sizeof(r->version), "%s", fields[1]);
	snprintf(r->xsd, sizeof(r->xsd), "%s", fields[2]);
	snprintf(r->label, sizeof(r->label), "%s", fields[3]);
	return true;
}

/* Did the XML or schema layer object? */
static bool schema_failed(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *it = tc_diags_get(d, i);
		if (it->sev == TC_SEV_ERROR &&
		    (!strncmp(it->code, "xsd.", 4) || !strncmp(it->code, "xml.", 4) || !strcmp(it->code, "cap.not-cap")))
			return true;
	}
	return false;
}

static const char *first_error(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++)
		if (tc_diags_get(d, i)->sev == TC_SEV_ERROR)
			return tc_diags_get(d, i)->message;
	return "";
}

/* Alerts their sources call valid that break a rule tocsin enforces on purpose. */
static const struct {
	const char *file, *rule, *why;
} stricter[] = {
	{ "valid/captools-capcreator__area_cmu_b19.xml", "rule.scope.restriction",
	  "scope Restricted without <restriction>: nobody could tell who may see it" },
	{ "valid/captools-capcreator__message_exercise.xml", "rule.scope.restriction",
	  "scope Restricted without <restriction>" },
	{ "valid/kde-kweathercore__dwd-update.xml", "rule.polygon.too-few-points",
	  "a 3-point polygon (two distinct points) encloses no area; CAP needs 4" },
	{ "valid/sahana-sambro__Flood.xml", "rule.time.expires-before-sent",
	  "expires in 2005, sent in 2015: void when issued" },
	{ "valid/sahana-sambro__Myanmar-Tsunami-MultiLanguage.xml", "rule.time.expires-before-sent",
	  "expires the day before it was sent" },
	{ "valid/sahana-sambro__Myanmar_Flood_Multiple_Area.xml", "rule.time.expires-before-sent",
	  "expires in 2005, sent in 2015" },
	{ "valid/sahana-sambro__landslide.xml", "rule.time.expires-before-sent",
	  "expires in 2005, sent in 2015" },
	{ "valid/sahana-sambro__tsunami.xml", "rule.time.expires-before-sent",
	  "expires in 2005, sent in 2015" },
};

/* The reason when tocsin refuses this file on purpose with this rule, or NULL. */
static const char *deliberately_stricter(const char *file, const struct tc_diags *d)
{
	for (size_t i = 0; i < sizeof(stricter) / sizeof(stricter[0]); i++)
		if (!strcmp(stricter[i].file, file) && tc_diags_find(d, stricter[i].rule))
			return stricter[i].why;
	return NULL;
}

static bool label_expects_valid(const char *label)
{
	return !strcmp(label, "valid") || !strcmp(label, "valid-unsigned");
}

static bool label_is_signature(const char *label)
{
	return !strcmp(label, "invalid-signature");
}

int main(int argc, char **argv)
{
	char path[1024];
	if (argc < 2) {
		fprintf(stderr, "usage: corpus_conformance CORPUS_DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/VERDICTS.tsv", argv[1]);
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("SKIPPED: no corpus at %s (the shared corpus is not beside this checkout)\n", argv[1]);
		return 77;
	}
	struct tc_cap_options strict, lenient;
	tc_cap_options_default(&strict);
	tc_cap_options_default(&lenient);
	lenient.lenient = true;
	struct tc_diags *d = tc_diags_new();
	struct row r;
	int xsd_total = 0, xsd_agree = 0, lab_total = 0, lab_agree = 0, lab_stricter = 0, sig_total = 0;
	int len_valid = 0;
	int files = 0;
	read_row(f, &r); /* header */
	while (read_row(f, &r)) {
		if (!r.file[0])
			continue;
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", argv[1], r.file);
		char *xml = tc_file_slurp(path, &len);
		if (!xml) {
			printf("MISSING %s\n", r.file);
			lab_total++;
			continue;
		}
		files++;
		tc_diags_clear(d);
		bool valid = tc_cap_check(xml, len, &strict, NULL, d) == TC_OK;
		bool schema_ok = !schema_failed(d);
		const char *why = first_error(d);
		char why_copy[300];
		snprintf(why_copy, sizeof(why_copy), "%s", why);
		const char *on_purpose = deliberately_stricter(r.file, d);
		tc_diags_clear(d);
		bool valid_lenient = tc_cap_check(xml, len, &lenient, NULL, d) == TC_OK;
		len_valid += valid_lenient;
		free(xml);

		if (!strcmp(r.version, "1.2")) {
			bool official_ok = !strcmp(r.xsd, "pass");
			xsd_total++;
			if (official_ok == schema_ok)
				xsd_agree++;
			else
				printf("SCHEMA DISAGREES %s: official %s, tocsin %s (%s)\n", r.file, r.xsd,
				       schema_ok ? "pass" : "fail", why_copy);
		}
		if (label_is_signature(r.label)) {
			sig_total++;
			continue;
		}
		lab_total++;
		if (label_expects_valid(r.label) == valid) {
			lab_agree++;
		} else if (on_purpose) {
			lab_stricter++;
			printf("STRICTER ON PURPOSE %s: %s\n", r.file, on_purpose);
		} else
			printf("LABEL DISAGREES %s: label %s, tocsin %s (%s)\n", r.file, r.label,
			       valid ? "valid" : "invalid", why_copy);
	}
	fclose(f);
	tc_diags_free(d);
	printf("corpus: %d files\n", files);
	printf("schema verdicts (CAP 1.2): %d of %d agree with the official schema (%.1f %%)\n", xsd_agree,
	       xsd_total, xsd_total ? 100.0 * xsd_agree / xsd_total : 0.0);
	printf("labels (strict): %d of %d agree (%.1f %%); %d refused on purpose by a stricter rule; "
	       "%d signature-tampering files not judged (no XML-DSig verification)\n", lab_agree, lab_total,
	       lab_total ? 100.0 * lab_agree / lab_total : 0.0, lab_stricter, sig_total);
	printf("lenient mode accepts %d of %d files\n", len_valid, files);
	int failed = (xsd_total - xsd_agree) + (lab_total - lab_agree - lab_stricter);
	printf("%d passed, %d failed\n", xsd_agree + lab_agree, failed);
	return failed ? 1 : 0;
}
