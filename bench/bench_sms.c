/*
 * bench_sms.c — SMS encoding throughput: texts of every kind (English
 * GSM 7-bit, Chinese UCS-2, long concatenated ones) encoded into segments,
 * and the cut of long texts to a segment budget.
 *
 * Usage: bench_sms [--messages N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "tc_sms.h"

static const char *const texts[] = {
	"[Tianjin Binhai New Area Meteorological Observatory] Orange Typhoon warning: gales of force 10 to 11. "
	"Stay indoors; people in unsafe buildings move to emergency shelters.",
	"【天津市滨海新区气象台】台风橙色预警：预计12日18时至13日18时沿海将出现10～11级大风，阵风12级。"
	"危房人员及时转移到避难场所。",
	"【滨海新区应急管理局】暴雨红色预警：请立即转移。",
	"Storm surge: sea level 50 to 80 cm above normal at high tide around 02:30. Reinforce sea walls; {vessels} "
	"return to port; fish farm workers come ashore. Do not watch the tide from the shore [ref 7].",
};

int main(int argc, char **argv)
{
	long messages = 200000;
	for (int i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--messages"))
			messages = atol(argv[++i]);
	static struct tc_sms_message msg;
	struct tc_sms_options o = { .max_segments = 4 };
	size_t n_texts = sizeof(texts) / sizeof(texts[0]), segments = 0, bytes = 0, chars = 0;
	double best = 1e9;
	for (int run = 0; run < 3; run++) {
		segments = bytes = chars = 0;
		double t0 = bench_now();
		for (long m = 0; m < messages; m++) {
			const char *t = texts[m % (long)n_texts];
			o.ref = (uint16_t)m;
			if (tc_sms_encode(t, strlen(t), &o, &msg, NULL) != TC_OK)
				return 1;
			segments += msg.n_segments;
			bytes += strlen(t);
			chars += msg.chars;
		}
		double t = bench_now() - t0;
		best = t < best ? t : best;
	}
	printf("SMS encoding: %ld messages (%zu characters, %zu segments), best of 3\n", messages, chars, segments);
	printf("  %.3f s: %.0f messages/s, %.1f MB/s of UTF-8 text, %.0f segments/s\n", best, messages / best,
	       bytes / best / 1e6, segments / best);
	/* the cut of long texts to one segment, as batch building does for every recipient's text */
	double t0 = bench_now();
	size_t kept = 0;
	for (long m = 0; m < messages / 10; m++) {
		const char *t = texts[m % (long)n_texts];
		kept += tc_sms_fit(t, strlen(t), 1, false);
	}
	double t = bench_now() - t0;
	printf("  fitting to one segment: %.0f texts/s (%zu bytes kept)\n", (messages / 10) / t, kept);
	return 0;
}
