/*
 * tc_sms_gateways.h — the further SMS gateways of sms_gateways_file: one
 * INI section a gateway, each an SMPP bind with its own rate, window,
 * number prefixes and fallback (README, "Several gateways"; docs/operations.md).
 *
 *   [cmcc]
 *   smpp = 127.0.0.1:2775
 *   system_id = tocsin
 *   password_file = /etc/tocsin/cmcc.password
 *   tps = 50
 *   window = 10
 *   prefixes = 86134,86135,86136      (E.164 without '+')
 *   fallback = default                (or another section; none: its parts wait)
 *
 * Anything wrong (an unknown key, a bad number, a prefix claimed twice, an
 * unknown fallback) is an error naming the file, the line and what is wrong,
 * and nothing of the file applies.
 */
#ifndef TC_SMS_GATEWAYS_H
#define TC_SMS_GATEWAYS_H

#include "tc_diag.h"
#include "tc_sms_engine.h"

struct tc_sms_gateways {
	struct tc_sms_engine_gateway v[TC_SMS_MAX_GATEWAYS - 1]; /* tc_sms_engine_options.more */
	size_t n;
	struct {
		char host[256], system_id[16], password[9], system_type[13], source[21];
	} text[TC_SMS_MAX_GATEWAYS - 1]; /* what v's SMPP options point to: keep the struct where it is */
};

/*
 * Read path into out; base gives what a section does not say (enquire_link_s, response_timeout_s,
 * system_type, source). TC_ERR_INVALID (or TC_ERR_IO) with the reasons in d: out then holds nothing.
 */
enum tc_rc tc_sms_gateways_load(const char *path, const struct tc_smpp_options *base, struct tc_sms_gateways *out,
				struct tc_diags *d);
/* Wipe the passwords out holds. */
void tc_sms_gateways_wipe(struct tc_sms_gateways *out);

#endif
