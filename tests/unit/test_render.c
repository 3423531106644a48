/* test_render.c — scripts, speech and the rendering of whole alerts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "tc_payload.h"
#include "tc_cap_check.h"
#include "tc_render.h"
#include "tc_script.h"

static struct tc_tts *tts;
static struct tc_lexicon *lex;

static int setup(void **state)
{
	(void)state;
	lex = tc_lexicon_new();
	return tc_lexicon_add_builtin(lex, NULL) || tc_tts_new(NULL, &tts, NULL);
}

static int teardown(void **state)
{
	(void)state;
	tc_tts_free(tts);
	tc_lexicon_free(lex);
	return 0;
}

static char *slurp(const char *name, size_t *n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", TOCSIN_EXAMPLES_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(1 << 16);
	*n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	return buf;
}

static struct tc_cap_alert *parse(const char *xml, size_t n)
{
	struct tc_cap_alert *a = NULL;
	assert_int_equal(tc_cap_check(xml, n, NULL, &a, NULL), TC_OK);
	return a;
}

static struct tc_cap_alert *load(const char *name)
{
	size_t n;
	char *xml = slurp(name, &n);
	struct tc_cap_alert *a = parse(xml, n);
	free(xml);
	return a;
}

static void test_script_zh(void **state)
{
	(void)state;
	struct tc_cap_alert *a = load("cn-typhoon-orange.xml");
	char *s = NULL;
	assert_int_equal(tc_script_compose(a, &a->infos[0], &s, NULL), TC_OK);
	assert_non_null(strstr(s, "请注意，请注意！天津市滨海新区气象台发布台风橙色预警。"));
	assert_non_null(strstr(s, "预警区域：天津市滨海新区沿海区域。"));
	assert_non_null(strstr(s, "10～11级大风")); /* description, before normalisation */
	assert_non_null(strstr(s, "避难场所"));     /* instruction */
	assert_non_null(strstr(s, "相互转告"));
	assert_null(strstr(s, "演练"));
	char *engine = NULL;
	assert_int_equal(tc_script_engine_text("zh-CN", s, lex, &engine, NULL), TC_OK);
	assert_non_null(strstr(engine, "shi2 dao4 shi2 yi1 ji2"));
	assert_non_null(strstr(engine, "bi4 nan4 chang3 suo3"));
	free(engine);
	free(s);
	tc_cap_alert_free(a);
}

static void test_script_en_cancel_and_drill(void **state)
{
	(void)state;
	struct tc_cap_alert *a = load("cn-typhoon-orange.xml");
	char *s = NULL;
	assert_int_equal(tc_script_compose(a, &a->infos[1], &s, NULL), TC_OK);
	assert_non_null(strstr(s, "Attention, attention! Tianjin Binhai New Area Meteorological Observatory has "
				  "issued an orange Typhoon warning."));
	assert_non_null(strstr(s, "Please pass this message on."));
	free(s);
	tc_cap_alert_free(a);

	a = load("cn-typhoon-cancel.xml");
	assert_int_equal(tc_script_compose(a, &a->infos[0], &s, NULL), TC_OK);
	assert_non_null(strstr(s, "解除台风"));
	assert_null(strstr(s, "请大家做好防范")); /* no instruction to prepare when lifted */
	free(s);
	tc_cap_alert_free(a);

	a = load("cn-rainstorm-blue-exercise.xml");
	assert_int_equal(tc_script_compose(a, &a->infos[0], &s, NULL), TC_OK);
	assert_int_equal(strncmp(s, "演练信息，演练信息。", strlen("演练信息，演练信息。")), 0);
	assert_non_null(strstr(s, "以上是演练信息。"));
	free(s);
	tc_cap_alert_free(a);
}

static void test_script_other_language_uses_description(void **state)
{
	(void)state;
	static const char xml[] =
		"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>x1</identifier><sender>s</sender>"
		"<sent>2026-08-01T10:00:00+02:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
		"<info><language>fr-FR</language><category>Met</category><event>Orage</event><urgency>Expected</urgency>"
		"<severity>Moderate</severity><certainty>Likely</certainty><headline>Vigilance orange</headline>"
		"<description>Orages violents attendus</description></info></alert>";
	struct tc_cap_alert *a = parse(xml, sizeof(xml) - 1);
	char *s = NULL;
	assert_int_equal(tc_script_compose(a, &a->infos[0], &s, NULL), TC_OK);
	assert_string_equal(s, "Orages violents attendus.");
	free(s);
	tc_cap_alert_free(a);
}

static void test_sms_text(void **state)
{
	(void)state;
	struct tc_cap_alert *a = load("cn-typhoon-orange.xml");
	char *s = NULL;
	assert_int_equal(tc_script_sms(a, &a->infos[0], 1, &s, NULL), TC_OK);
	assert_int_equal(strncmp(s, "【天津市滨海新区气象台】台风橙色预警：", strlen("【天津市滨海新区气象台】台风橙色预警：")), 0);
	assert_int_equal(tc_sms_count_segments(s, strlen(s), false, NULL), 1);
	free(s);
	assert_int_equal(tc_script_sms(a, &a->infos[1], 2, &s, NULL), TC_OK);
	assert_int_equal(strncmp(s, "[Tianjin Binhai New Area Meteorological Observatory] Orange Typhoon warning:", 75), 0);
	assert_true(tc_sms_count_segments(s, strlen(s), false, NULL) <= 2);
	free(s);
	tc_cap_alert_free(a);
}

static void test_tts_voices(void **state)
{
	(void)state;
	char buf[16];
	assert_string_equal(tc_tts_voice_for("zh-CN", buf, sizeof(buf)), "cmn-latn-pinyin");
	assert_string_equal(tc_tts_voice_for("en-US", buf, sizeof(buf)), "en-us");
	assert_string_equal(tc_tts_voice_for("en-GB", buf, sizeof(buf)), "en");
	assert_string_equal(tc_tts_voice_for("fr-FR", buf, sizeof(buf)), "fr");
	struct tc_tts *second = NULL;
	assert_int_equal(tc_tts_new(NULL, &second, NULL), TC_ERR_USAGE); /* one engine per process */
	struct tc_pcm p = { 0 };
	struct tc_diags *d = tc_diags_new();
	assert_int_equal(tc_tts_speak(tts, "no-such-voice", "x", 0, &p, d), TC_ERR_INVALID);
	assert_non_null(tc_diags_find(d, "tts.voice"));
	assert_int_equal(tc_tts_speak(tts, "cmn-latn-pinyin", "台风预警", 0, &p, d), TC_OK);
	assert_int_equal(p.rate, tc_tts_rate(tts));
	assert_true(p.n > (size_t)p.rate / 2); /* at least half a second of speech */
	assert_true(tc_pcm_peak(&p) > 0.05);
	tc_pcm_release(&p);
	tc_diags_free(d);
}

static void test_render_alert(void **state)
{
	(void)state;
	struct tc_cap_alert *a = load("cn-lightning-yellow.xml");
	struct tc_render_options o;
	struct tc_render *r = NULL;
	tc_render_defaults(&o);
	o.lex = lex;
	o.programme.tone_ms = 1000;
	assert_int_equal(tc_render_alert(a, tts, &o, &r, NULL), TC_OK);
	assert_int_equal(r->n, 2);
	const struct tc_render_lang *zh = &r->langs[0];
	assert_string_equal(zh->lang, "zh-CN");
	assert_false(zh->recorded);
	assert_int_equal(zh->repeats, 2); /* the alert's REPEAT parameter */
	assert_true(zh->duration_ms > 2 * 10000);
	assert_memory_equal(zh->wav, "RIFF", 4);
	assert_memory_equal(zh->opus, "OggS", 4);
	struct tc_pcm back;
	assert_int_equal(tc_audio_decode(zh->opus, zh->opus_len, &back, NULL), TC_OK);
	assert_int_equal(back.rate, 24000);
	assert_true(labs((long)(back.n / 24) - (long)zh->message_ms) < 200); /* the message alone */
	/* coded while spoken, and normalised to the programme's peak (0.89) through the Opus header */
	assert_true(labs((long)back.n - (long)(zh->message.n * 160 + 146) / 147) <= 1);
	assert_true(tc_pcm_peak(&back) > 0.8 && tc_pcm_peak(&back) < 1.05);
	assert_true(zh->duration_ms > 2 * zh->message_ms);
	tc_pcm_release(&back);
	assert_int_equal(zh->sms.encoding, TC_SMS_UCS2);
	assert_int_equal(r->langs[1].sms.encoding, TC_SMS_GSM7);
	tc_render_free(r);
	tc_cap_alert_free(a);
}

/* A guidance sentence: the message's voice and Opus, no attention signal. */
static void test_render_text(void **state)
{
	(void)state;
	struct tc_render_options o;
	unsigned char *opus = NULL;
	size_t len = 0;
	unsigned ms = 0;
	struct tc_pcm back;
	tc_render_defaults(&o);
	o.lex = lex;
	assert_int_equal(tc_render_text("zh-CN", "请前往塘沽第一中学避难场所，距离约四百米，向东。", tts, &o, &opus, &len, &ms, NULL),
			 TC_OK);
	assert_memory_equal(opus, "OggS", 4);
	assert_true(ms > 1500 && ms < 15000);
	assert_int_equal(tc_audio_decode(opus, len, &back, NULL), TC_OK);
	assert_true(labs((long)(back.n / 24) - (long)ms) < 200);
	assert_true(tc_pcm_peak(&back) > 0.8 && tc_pcm_peak(&back) < 1.05);
	tc_pcm_release(&back);
	free(opus);
	assert_int_equal(tc_render_text("en-US", "Go to the Tanggu No. 1 Middle School shelter, about 400 metres to the east.", tts,
					&o, &opus, &len, &ms, NULL),
			 TC_OK);
	assert_true(ms > 1500);
	free(opus);
}

/* An alert whose info carries a recorded WAV message as derefUri. */
static void test_render_prefers_recorded_voice(void **state)
{
	(void)state;
	static const double f[] = { 600 };
	struct tc_pcm rec = { .rate = 16000 };
	unsigned char *wav;
	size_t wav_len;
	tc_pcm_tone(&rec, f, 1, 2000, 0.5);
	assert_int_equal(tc_audio_encode_wav(&rec, &wav, &wav_len, NULL), TC_OK);
	size_t b64_len = sodium_base64_ENCODED_LEN(wav_len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(b64_len);
	sodium_bin2base64(b64, b64_len, wav, wav_len, sodium_base64_VARIANT_ORIGINAL);
	char *xml = malloc(b64_len + 2048);
	sprintf(xml,
		"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>r1</identifier><sender>s</sender>"
		"<sent>2026-08-01T10:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
		"<info><language>zh-CN</language><category>Met</category><event>暴雨</event><urgency>Immediate</urgency>"
		"<severity>Severe</severity><certainty>Observed</certainty><headline>暴雨橙色预警</headline>"
		"<description>录音</description><resource><resourceDesc>录音</resourceDesc><mimeType>audio/wav</mimeType>"
		"<size>%zu</size><derefUri>%s</derefUri></resource></info></alert>", wav_len, b64);
	struct tc_cap_alert *a = parse(xml, strlen(xml));
	struct tc_render_options o;
	struct tc_render *r = NULL;
	tc_render_defaults(&o);
	o.programme.tone_ms = 1000;
	o.programme.gap_ms = 500;
	o.programme.repeats = 2;
	assert_int_equal(tc_render_alert(a, tts, &o, &r, NULL), TC_OK);
	assert_true(r->langs[0].recorded);
	assert_int_equal(r->langs[0].programme.rate, 16000);
	assert_int_equal(r->langs[0].programme.n, 16000 + 8000 + 2 * (32000 + 8000));
	tc_render_free(r);
	tc_cap_alert_free(a);
	free(xml);
	free(b64);
	free(wav);
	tc_pcm_release(&rec);
}

/* A recorded message as a file beside the alert; paths outside its folder are refused. */
static void test_render_local_recording(void **state)
{
	(void)state;
	static const double f[] = { 700 };
	struct tc_pcm rec = { .rate = 16000 };
	unsigned char *wav;
	size_t wav_len;
	char dir[] = "/tmp/tocsin-recXXXXXX", path[256];
	assert_non_null(mkdtemp(dir));
	tc_pcm_tone(&rec, f, 1, 1000, 0.5);
	assert_int_equal(tc_audio_encode_wav(&rec, &wav, &wav_len, NULL), TC_OK);
	snprintf(path, sizeof(path), "%s/voice.wav", dir);
	FILE *fp = fopen(path, "wb");
	fwrite(wav, 1, wav_len, fp);
	fclose(fp);
	static const char tmpl[] =
		"<alert xmlns='urn:oasis:names:tc:emergency:cap:1.2'><identifier>r2</identifier><sender>s</sender>"
		"<sent>2026-08-01T10:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope>"
		"<info><language>zh-CN</language><category>Met</category><event>暴雨</event><urgency>Immediate</urgency>"
		"<severity>Severe</severity><certainty>Observed</certainty><headline>暴雨橙色预警</headline>"
		"<description>录音</description><resource><resourceDesc>录音</resourceDesc><mimeType>audio/wav</mimeType>"
		"<uri>%s</uri></resource></info></alert>";
	char xml[2048];
	struct tc_render_options o;
	struct tc_render *r = NULL;
	tc_render_defaults(&o);
	o.programme.tone_ms = 0;
	o.base_dir = dir;
	snprintf(xml, sizeof(xml), tmpl, "voice.wav");
	struct tc_cap_alert *a = parse(xml, strlen(xml));
	assert_int_equal(tc_render_alert(a, tts, &o, &r, NULL), TC_OK);
	assert_true(r->langs[0].recorded);
	tc_render_free(r);
	tc_cap_alert_free(a);
	snprintf(xml, sizeof(xml), tmpl, path); /* absolute: refused, so speech is synthesised */
	a = parse(xml, strlen(xml));
	assert_int_equal(tc_render_alert(a, tts, &o, &r, NULL), TC_OK);
	assert_false(r->langs[0].recorded);
	tc_render_free(r);
	tc_cap_alert_free(a);
	unlink(path);
	rmdir(dir);
	free(wav);
	tc_pcm_release(&rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_zh),
		cmocka_unit_test(test_script_en_cancel_and_drill),
		cmocka_unit_test(test_script_other_language_uses_description),
		cmocka_unit_test(test_sms_text),
		cmocka_unit_test(test_tts_voices),
		cmocka_unit_test(test_render_alert),
		cmocka_unit_test(test_render_text),
		cmocka_unit_test(test_render_prefers_recorded_voice),
		cmocka_unit_test(test_render_local_recording),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
