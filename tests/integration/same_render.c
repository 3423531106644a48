/*
 * same_render.c — writes the SAME programme for a header as raw signed
 * 16-bit mono PCM at 22050 Hz, the form multimon-ng decodes.
 * Usage: same_render HEADER OUT.raw [ATTENTION_MS]
 */
#include <stdio.h>
#include <stdlib.h>

#include "tc_same.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: same_render HEADER OUT.raw [ATTENTION_MS]\n");
		return 2;
	}
	struct tc_same_options o = { .rate = 22050, .amplitude = 0.5,
				     .attention_ms = argc > 3 ? (unsigned)atoi(argv[3]) : 0 };
	struct tc_pcm p;
	struct tc_diags *d = tc_diags_new();
	if (tc_same_programme(argv[1], &o, &p, d) != TC_OK) {
		fprintf(stderr, "same_render: %s\n", tc_diags_count(d) ? tc_diags_get(d, 0)->message : "failed");
		return 1;
	}
	FILE *f = fopen(argv[2], "wb");
	if (!f)
		return 2;
	for (size_t i = 0; i < p.n; i++) {
		short s = (short)(p.s[i] * 32767);
		fwrite(&s, sizeof(s), 1, f);
	}
	fclose(f);
	tc_pcm_release(&p);
	tc_diags_free(d);
	return 0;
}
