/*
 * tc_script.h — the words a loudspeaker says for one CAP info block.
 *
 * The script is composed in the info's language from a template: attention
 * phrase, issuer and what it did (issued / updated / lifted), event and
 * colour level, area, the headline when it adds something, description,
 * instruction, and a closing line. Drills say so first. Chinese (zh*) and
 * English (en*) have templates; other languages fall back to the
 * description (or headline) as written.
 *
 * tc_script_engine_text() then turns a script into what espeak-ng is given:
 * normalised Chinese (tc_zh.h) or cleaned text for other languages.
 */
#ifndef TC_SCRIPT_H
#define TC_SCRIPT_H

#include "tc_cap.h"
#include "tc_diag.h"
#include "tc_zh.h"

/* The script of info in of alert a into a malloc'ed string *out. */
enum tc_rc tc_script_compose(const struct tc_cap_alert *a, const struct tc_cap_info *in, char **out,
			     struct tc_diags *d);

/* The engine input for text in language lang (lex may be NULL) into malloc'ed *out. */
enum tc_rc tc_script_engine_text(const char *lang, const char *text, const struct tc_lexicon *lex, char **out,
				 struct tc_diags *d);

/*
 * The SMS text of an info block: "【issuer】event+colour预警：headline。instruction"
 * (English: "[issuer] Colour event warning: headline. instruction"), cut at a
 * sentence end so it fits max_segments SMS segments. *out is malloc'ed.
 */
enum tc_rc tc_script_sms(const struct tc_cap_alert *a, const struct tc_cap_info *in, unsigned max_segments,
			 char **out, struct tc_diags *d);

/* Whether lang is Chinese (zh, zh-CN, cmn ...). */
bool tc_script_is_chinese(const char *lang);

#endif
