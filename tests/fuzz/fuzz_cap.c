/*
 * fuzz_cap.c — libFuzzer target for CAP parsing and validation.
 *
 * The last byte chooses strict or lenient mode, the profile and whether
 * the model is built; the whole input is the document (so real alerts are
 * good seeds as they are). When a model comes back,
 * every string and point in it is read, so the sanitizers see any bad
 * pointer the builder left behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tc_cap_check.h"

static volatile size_t sink;

static void touch(const char *s)
{
	if (s)
		sink += strlen(s);
}

static void touch_pairs(const struct tc_cap_pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		touch(p[i].name);
		touch(p[i].value);
	}
}

static void walk(const struct tc_cap_alert *a)
{
	touch(a->identifier);
	touch(a->sender);
	touch(a->sent.text);
	touch(a->references);
	touch(a->addresses);
	for (size_t i = 0; i < a->n_codes; i++)
		touch(a->codes[i]);
	sink += a->xml_len ? (unsigned char)a->xml[a->xml_len - 1] : 0;
	for (size_t i = 0; i < a->n_infos; i++) {
		const struct tc_cap_info *in = &a->infos[i];
		touch(in->language);
		touch(in->event);
		touch(in->headline);
		touch(in->description);
		touch(in->instruction);
		for (size_t k = 0; k < in->n_categories; k++)
			touch(in->categories[k]);
		touch_pairs(in->event_codes, in->n_event_codes);
		touch_pairs(in->parameters, in->n_parameters);
		sink += (size_t)tc_cap_info_colour(in);
		for (size_t k = 0; k < in->n_resources; k++) {
			touch(in->resources[k].deref_uri);
			touch(in->resources[k].digest);
		}
		for (size_t k = 0; k < in->n_areas; k++) {
			const struct tc_cap_area *ar = &in->areas[k];
			touch(ar->area_desc);
			touch_pairs(ar->geocodes, ar->n_geocodes);
			for (size_t p = 0; p < ar->n_polygons; p++)
				for (size_t q = 0; q < ar->polygons[p].n_points; q++)
					sink += ar->polygons[p].points[q].lat > 0;
			for (size_t p = 0; p < ar->n_circles; p++)
				sink += ar->circles[p].radius_km > 0;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_cap_options opt;
	struct tc_cap_alert *a = NULL;
	if (size < 1)
		return 0;
	tc_cap_options_default(&opt);
	uint8_t choice = data[size - 1];
	opt.lenient = choice & 1;
	opt.profile = (enum tc_cap_profile)((choice >> 1) % 3);
	opt.now = 1785000000; /* fixed, so runs repeat */
	bool want_model = !(choice & 16);
	struct tc_diags *d = tc_diags_new();
	tc_cap_check((const char *)data, size, &opt, want_model ? &a : NULL, d);
	for (size_t i = 0; i < tc_diags_count(d); i++)
		touch(tc_diags_get(d, i)->message);
	if (a)
		walk(a);
	tc_cap_alert_free(a);
	tc_diags_free(d);
	return 0;
}
