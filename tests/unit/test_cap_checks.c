/*
 * test_cap_checks.c — every check of the CAP module, one case each: the
 * fixture alert with a few edits, the options, and the one diagnostic that
 * must come out (code, path, severity) with the verdict.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cap_fixture.h"

#define RES_HELLO "<resource><resourceDesc>r</resourceDesc><mimeType>audio/wav</mimeType>"
#define AREA "<area>\n<areaDesc>"
#define POLY "39.2,117.5 39.2,117.9 38.8,117.9 39.2,117.5"
#define ID "12011641600000_20260812063000_0"

struct edit {
	const char *from, *to;
};

struct check_case {
	const char *name;
	struct edit edits[4];
	enum tc_cap_profile profile;
	bool lenient;
	const char *code;  /* the diagnostic that must be there */
	const char *path;  /* its path, or NULL not to check */
	enum tc_severity sev;
	bool valid;
};

#define E(a, b) { a, b }
#define NONE TC_CAP_PROFILE_NONE
#define CN TC_CAP_PROFILE_CN
#define IPAWS TC_CAP_PROFILE_IPAWS
#define ERR TC_SEV_ERROR
#define WARN TC_SEV_WARNING

/* Edits that turn the fixture into a good IPAWS-style alert. */
#define IPAWS_BASE                                                                                             \
	E("<language>zh-CN</language>", "<language>en-US</language>"),                                         \
	E("<eventCode>", "<eventCode><valueName>SAME</valueName><value>HUW</value></eventCode>\n<eventCode>"), \
	E("<geocode>", "<geocode><valueName>SAME</valueName><value>006037</value></geocode>\n<geocode>")

static const struct check_case cases[] = {
	/* layer 3: identifiers */
	{ "identifier with a space", { E("<identifier>" ID, "<identifier>a b") }, NONE, false, "rule.identifier.chars", "alert/identifier[0]", ERR, false },
	{ "identifier empty", { E("<identifier>" ID, "<identifier>") }, NONE, false, "rule.identifier.empty", "alert/identifier[0]", ERR, false },
	{ "sender with a comma", { E("<sender>12011641600000", "<sender>a,b") }, NONE, false, "rule.sender.chars", "alert/sender[0]", ERR, false },
	{ "sender with &", { E("<sender>12011641600000", "<sender>a&amp;b") }, NONE, false, "rule.sender.chars", "alert/sender[0]", ERR, false },
	{ "sender with <", { E("<sender>12011641600000", "<sender>a&lt;b") }, NONE, false, "rule.sender.chars", "alert/sender[0]", ERR, false },
	/* times */
	{ "expires before sent", { E("<expires>2026-08-13T18:00:00+08:00", "<expires>2026-08-12T06:00:00+08:00") }, NONE, false, "rule.time.expires-before-sent", "alert/info[0]/expires[0]", ERR, false },
	{ "expires before effective", { E("<effective>2026-08-12T06:30:00+08:00", "<effective>2026-08-14T00:00:00+08:00") }, NONE, false, "rule.time.expires-before-effective", "alert/info[0]/expires[0]", ERR, false },
	{ "onset after expires", { E("<onset>2026-08-12T18:00:00+08:00", "<onset>2026-08-14T00:00:00+08:00") }, NONE, false, "rule.time.onset-after-expires", "alert/info[0]/expires[0]", WARN, true },
	{ "already expired", { E("<expires>2026-08-13T18:00:00+08:00", "<expires>2026-08-12T06:45:00+08:00") }, NONE, false, "rule.expired", "alert", WARN, true },
	{ "sent without zone (schema)", { E("<sent>2026-08-12T06:30:00+08:00", "<sent>2026-08-12T06:30:00") }, NONE, false, "xsd.pattern", "alert/sent[0]", ERR, false },
	{ "sent in Z (schema)", { E("<sent>2026-08-12T06:30:00+08:00", "<sent>2026-08-11T22:30:00Z") }, NONE, false, "xsd.pattern", "alert/sent[0]", ERR, false },
	/* references */
	{ "references malformed", { E("<scope>Public</scope>", "<scope>Public</scope><references>a,b</references>") }, NONE, false, "rule.references.format", "alert/references[0]", ERR, false },
	{ "references with a bad time", { E("<scope>Public</scope>", "<scope>Public</scope><references>s,i,yesterday</references>") }, NONE, false, "rule.references.format", "alert/references[0]", ERR, false },
	{ "update without references", { E("<msgType>Alert", "<msgType>Update") }, NONE, false, "rule.references.missing", NULL, ERR, false },
	{ "cancel without references", { E("<msgType>Alert", "<msgType>Cancel") }, NONE, false, "rule.references.missing", NULL, ERR, false },
	{ "ack without references", { E("<msgType>Alert", "<msgType>Ack") }, NONE, false, "rule.references.missing", NULL, ERR, false },
	{ "error without references", { E("<msgType>Alert", "<msgType>Error") }, NONE, false, "rule.references.missing", NULL, ERR, false },
	/* scope and addresses */
	{ "restricted without restriction", { E("<scope>Public", "<scope>Restricted") }, NONE, false, "rule.scope.restriction", "alert/restriction[0]", ERR, false },
	{ "private without addresses", { E("<scope>Public", "<scope>Private") }, NONE, false, "rule.scope.addresses", "alert/addresses[0]", ERR, false },
	{ "addresses with an open quote", { E("<scope>Public</scope>", "<scope>Private</scope><addresses>\"a b</addresses>") }, NONE, false, "rule.addresses.quotes", "alert/addresses[0]", ERR, false },
	/* polygons and circles */
	{ "polygon not lat,lon", { E(POLY, "39.2,117.5 39.2;117.9 38.8,117.9 39.2,117.5") }, NONE, false, "rule.polygon.format", "alert/info[0]/area[0]/polygon[0]", ERR, false },
	{ "polygon of 3 points", { E(POLY, "39.2,117.5 39.2,117.9 39.2,117.5") }, NONE, false, "rule.polygon.too-few-points", "alert/info[0]/area[0]/polygon[0]", ERR, false },
	{ "polygon not closed", { E(POLY, "39.2,117.5 39.2,117.9 38.8,117.9 39.3,117.5") }, NONE, false, "rule.polygon.not-closed", "alert/info[0]/area[0]/polygon[0]", ERR, false },
	{ "polygon lon,lat", { E(POLY, "117.5,39.2 117.9,39.2 117.9,38.8 117.5,39.2") }, NONE, false, "rule.polygon.range", "alert/info[0]/area[0]/polygon[0]", ERR, false },
	{ "polygon empty", { E(POLY, "  ") }, NONE, false, "rule.polygon.empty", "alert/info[0]/area[0]/polygon[0]", WARN, true },
	{ "circle without comma", { E("38.98,117.78 15", "38.98 117.78 15") }, NONE, false, "rule.circle.format", "alert/info[0]/area[0]/circle[0]", ERR, false },
	{ "circle off the globe", { E("38.98,117.78 15", "98.98,117.78 15") }, NONE, false, "rule.circle.range", "alert/info[0]/area[0]/circle[0]", ERR, false },
	{ "circle negative radius", { E("38.98,117.78 15", "38.98,117.78 -5") }, NONE, false, "rule.circle.radius", "alert/info[0]/area[0]/circle[0]", ERR, false },
	{ "ceiling without altitude", { E("</area>", "<ceiling>100</ceiling></area>") }, NONE, false, "rule.area.ceiling-without-altitude", "alert/info[0]/area[0]", ERR, false },
	{ "ceiling below altitude", { E("</area>", "<altitude>200</altitude><ceiling>100</ceiling></area>") }, NONE, false, "rule.area.ceiling-below-altitude", "alert/info[0]/area[0]", ERR, false },
	/* resources */
	{ "size negative", { E(AREA, RES_HELLO "<size>-5</size></resource>" AREA) }, NONE, false, "rule.resource.size", "alert/info[0]/resource[0]", ERR, false },
	{ "derefUri not base64", { E(AREA, RES_HELLO "<derefUri>!!!</derefUri></resource>" AREA) }, NONE, false, "rule.resource.deref-base64", "alert/info[0]/resource[0]", ERR, false },
	{ "derefUri size mismatch", { E(AREA, RES_HELLO "<size>6</size><derefUri>aGVsbG8=</derefUri></resource>" AREA) }, NONE, false, "rule.resource.deref-size", "alert/info[0]/resource[0]", ERR, false },
	{ "derefUri digest mismatch", { E(AREA, RES_HELLO "<derefUri>aGVsbG8=</derefUri><digest>aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434e</digest></resource>" AREA) }, NONE, false, "rule.resource.digest", "alert/info[0]/resource[0]", ERR, false },
	{ "digest mismatch beside a uri", { E(AREA, RES_HELLO "<uri>http://example.cn/a.wav</uri><derefUri>aGVsbG8=</derefUri><digest>aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434e</digest></resource>" AREA) }, NONE, false, "rule.resource.digest", "alert/info[0]/resource[0]", WARN, true },
	{ "digest of the base64 text", { E(AREA, RES_HELLO "<derefUri>aGVsbG8=</derefUri><digest>70db2df97b3e88c66c50ef9df98dc51de491cc7d</digest></resource>" AREA) }, NONE, false, "rule.resource.digest-of-text", "alert/info[0]/resource[0]", WARN, true },
	{ "digest not SHA-1", { E(AREA, RES_HELLO "<digest>abc</digest></resource>" AREA) }, NONE, false, "rule.resource.digest-format", "alert/info[0]/resource[0]", WARN, true },
	/* layer 2: schema */
	{ "severity not in the list", { E("<severity>Severe", "<severity>Observed") }, NONE, false, "xsd.enumeration", "alert/info[0]/severity[0]", ERR, false },
	{ "identifier missing", { E("<identifier>" ID "</identifier>", "") }, NONE, false, "xsd.unexpected-element", "alert/sender[0]", ERR, false },
	{ "mimeType missing", { E(AREA, "<resource><resourceDesc>r</resourceDesc></resource>" AREA) }, NONE, false, "xsd.missing-element", "alert/info[0]/resource[0]", ERR, false },
	{ "unknown element", { E("<urgency>", "<colour>red</colour><urgency>") }, NONE, false, "xsd.unexpected-element", "alert/info[0]/colour[0]", ERR, false },
	{ "size not a number", { E(AREA, RES_HELLO "<size>big</size></resource>" AREA) }, NONE, false, "xsd.datatype", "alert/info[0]/resource[0]/size[0]", ERR, false },
	{ "out of order, strict", { E("<senderName>天津市滨海新区气象台</senderName>\n", ""), E("</headline>", "</headline><senderName>台</senderName>") }, NONE, false, "xsd.unexpected-element", "alert/info[0]/senderName[0]", ERR, false },
	{ "out of order, lenient", { E("<senderName>天津市滨海新区气象台</senderName>\n", ""), E("</headline>", "</headline><senderName>台</senderName>") }, NONE, true, "lenient.order", "alert/info[0]/senderName[0]", WARN, true },
	{ "area before resource, lenient", { E("</area>", "</area>" RES_HELLO "</resource>") }, NONE, true, "lenient.order", "alert/info[0]/resource[0]", WARN, true },
	{ "out of order and a bad value, lenient", { E("<senderName>天津市滨海新区气象台</senderName>\n", ""), E("</headline>", "</headline><senderName>台</senderName>"), E("<severity>Severe", "<severity>Observed") }, NONE, true, "xsd.enumeration", "alert/info[0]/severity[0]", ERR, false },
	{ "element under the wrong parent, lenient", { E("<areaDesc>滨海新区</areaDesc>", "<areaDesc>滨海新区</areaDesc><event>x</event>") }, NONE, true, "xsd.unexpected-element", "alert/info[0]/area[0]/event[0]", ERR, false },
	/* layer 1: XML */
	{ "not well-formed", { E("</info>", "</inf>") }, NONE, false, "xml.syntax", "", ERR, false },
	{ "billion laughs", { E("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]>"), E("<event>台风", "<event>&c;") }, NONE, false, "xml.doctype", "", ERR, false },
	{ "external entity", { E("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"), E("<event>台风", "<event>&x;") }, NONE, false, "xml.doctype", "", ERR, false },
	{ "parameter entity", { E("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml version=\"1.0\"?><!DOCTYPE alert [<!ENTITY % p SYSTEM \"http://127.0.0.1:9/x.dtd\"> %p;]>") }, NONE, false, "xml.doctype", "", ERR, false },
	{ "external DTD", { E("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<?xml version=\"1.0\"?><!DOCTYPE alert SYSTEM \"http://127.0.0.1:9/cap.dtd\">") }, NONE, false, "xml.doctype", "", ERR, false },
	{ "not a CAP alert", { E("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">", "<alerts xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"), E("</alert>", "</alerts>") }, NONE, false, "cap.not-cap", "alerts", ERR, false },
	{ "wrong namespace", { E("urn:oasis:names:tc:emergency:cap:1.2", "urn:example:cap") }, NONE, false, "cap.not-cap", "alert", ERR, false },
	/* layer 4: cn */
	{ "cn: the fixture is valid", { E("<scope>", "<scope>") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: identifier not the national form", { E("<identifier>" ID, "<identifier>TJ-2026-001") }, CN, false, "cn.identifier.format", "alert/identifier[0]", ERR, false },
	{ "cn: identifier from no province", { E("<identifier>12", "<identifier>99") }, CN, false, "cn.identifier.unit", "alert/identifier[0]", ERR, false },
	{ "cn: identifier time impossible", { E(ID, "12011641600000_20261312063000_0") }, CN, false, "cn.identifier.time", "alert/identifier[0]", ERR, false },
	{ "cn: identifier without the sequence digit", { E(ID, "11010141600000_20250727102615") }, CN, false, "cn.identifier.sequence", "alert/identifier[0]", ERR, false },
	{ "cn: identifier without the sequence digit, lenient", { E(ID, "11010141600000_20250727102615") }, CN, true, "cn.identifier.sequence", "alert/identifier[0]", WARN, true },
	{ "cn: identifier without the sequence digit, time impossible, lenient", { E(ID, "11010141600000_20251327102615") }, CN, true, "cn.identifier.time", "alert/identifier[0]", ERR, false },
	{ "cn: identifier not the national form, lenient", { E("<identifier>" ID, "<identifier>TJ-2026-001") }, CN, true, "cn.identifier.format", "alert/identifier[0]", ERR, false },
	{ "cn: no Chinese info", { E("<language>zh-CN", "<language>en-US") }, CN, false, "cn.language", "alert/info[0]/language[0]", ERR, false },
	{ "cn: event code missing", { E("<valueName>GB/T 35561", "<valueName>OTHER") }, CN, false, "cn.event-code.missing", "alert/info[0]/eventCode", ERR, false },
	{ "cn: event code malformed", { E("<value>11B01", "<value>11b01") }, CN, false, "cn.event-code.format", "alert/info[0]/eventCode[0]", ERR, false },
	{ "cn: event code unknown", { E("<value>11B01", "<value>11B99") }, CN, false, "cn.event-code.unknown", "alert/info[0]/eventCode[0]", WARN, true },
	{ "cn: event code spelled GBT35561", { E("<valueName>GB/T 35561", "<valueName>gbt35561") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: colour and severity disagree", { E("<severity>Severe", "<severity>Extreme") }, CN, false, "cn.colour.severity", "alert/info[0]/parameter[0]", ERR, false },
	{ "cn: parameter and headline disagree", { E("台风橙色预警</headline>", "台风红色预警</headline>") }, CN, false, "cn.colour.conflict", "alert/info[0]/parameter[0]", ERR, false },
	{ "cn: downgrade headline with its colour parameter", { E("天津市滨海新区气象台发布台风橙色预警", "滨海新区气象台将台风红色预警信号降级为橙色") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: downgrade headline alone", { E("<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>", ""), E("天津市滨海新区气象台发布台风橙色预警", "滨海新区气象台将台风红色预警信号降级为橙色") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: downgrade headline alone, severity of the old colour", { E("<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>", ""), E("<severity>Severe", "<severity>Extreme"), E("天津市滨海新区气象台发布台风橙色预警", "滨海新区气象台将台风红色预警信号降级为橙色") }, CN, false, "cn.colour.severity", "alert/info[0]/headline[0]", ERR, false },
	{ "cn: upgrade headline and parameter disagree", { E("天津市滨海新区气象台发布台风橙色预警", "滨海新区气象台将台风橙色预警信号升级为红色预警") }, CN, false, "cn.colour.conflict", "alert/info[0]/parameter[0]", ERR, false },
	{ "cn: 调整为 with parameter", { E("<value>橙色", "<value>黄色"), E("<severity>Severe", "<severity>Moderate"), E("天津市滨海新区气象台发布台风橙色预警", "滨海新区气象台将台风橙色预警信号调整为黄色预警信号") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: 降为 with parameter", { E("<value>橙色", "<value>BLUE"), E("<severity>Severe", "<severity>Minor"), E("天津市滨海新区气象台发布台风橙色预警", "滨海新区气象台将台风黄色预警降为蓝色") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: colour not a colour", { E("<value>橙色", "<value>紫色") }, CN, false, "cn.colour.value", "alert/info[0]/parameter[0]", ERR, false },
	{ "cn: colour missing", { E("<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>", ""), E("台风橙色预警</headline>", "台风预警</headline>") }, CN, false, "cn.colour.missing", "alert/info[0]", ERR, false },
	{ "cn: colour from the headline", { E("<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>", "") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: colour from 预警级别 Ⅱ级", { E("<valueName>COLOUR</valueName><value>橙色", "<valueName>预警级别</valueName><value>Ⅱ级") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: colour from 颜色, red", { E("<valueName>COLOUR</valueName><value>橙色", "<valueName>颜色</valueName><value>红"), E("<severity>Severe", "<severity>Extreme"), E("台风橙色预警</headline>", "台风橙色预警升级为台风红色预警</headline>") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: English headline names the colour", { E("<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>", ""), E("<severity>Severe", "<severity>Minor"), E("天津市滨海新区气象台发布台风橙色预警", "Typhoon Blue Warning") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: no area", { E("<area>\n<areaDesc>滨海新区</areaDesc>\n<polygon>" POLY "</polygon>\n<circle>38.98,117.78 15</circle>\n<geocode><valueName>ADCODE</valueName><value>120116</value></geocode>\n</area>\n", "") }, CN, false, "cn.area.missing", "alert/info[0]", ERR, false },
	{ "cn: admin code of 5 digits", { E("<value>120116", "<value>12011") }, CN, false, "cn.geocode.format", "alert/info[0]/area[0]/geocode[0]", ERR, false },
	{ "cn: admin code of no province", { E("<value>120116", "<value>990116") }, CN, false, "cn.geocode.format", "alert/info[0]/area[0]/geocode[0]", ERR, false },
	{ "cn: village code", { E("<value>120116", "<value>120116105201") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: town code as GB2260", { E("<valueName>ADCODE</valueName><value>120116", "<valueName>GB2260</valueName><value>120116001") }, CN, false, NULL, NULL, ERR, true },
	{ "cn: area without admin code", { E("<valueName>ADCODE", "<valueName>POSTCODE") }, CN, false, "cn.area.no-adcode", "alert/info[0]/area[0]", WARN, true },
	{ "cn: a Cancel needs no colour", { E("<msgType>Alert", "<msgType>Cancel"), E("<scope>Public</scope>", "<scope>Public</scope><references>12011641600000,12011641600000_20260812060000_0,2026-08-12T06:00:00+08:00</references>"), E("<parameter><valueName>COLOUR</valueName><value>橙色</value></parameter>", ""), E("发布台风橙色预警", "解除台风预警") }, CN, false, NULL, NULL, ERR, true },
	/* layer 4: ipaws */
	{ "ipaws: a good alert", { IPAWS_BASE }, IPAWS, false, "ipaws.unsigned", "alert", WARN, true },
	{ "ipaws: SAME event code missing", { E("<language>zh-CN</language>", "<language>en-US</language>"), E("<geocode>", "<geocode><valueName>SAME</valueName><value>006037</value></geocode>\n<geocode>") }, IPAWS, false, "ipaws.event-code.missing", "alert/info[0]/eventCode", ERR, false },
	{ "ipaws: SAME event code malformed", { IPAWS_BASE, E("<value>HUW", "<value>hu") }, IPAWS, false, "ipaws.event-code.format", "alert/info[0]/eventCode", ERR, false },
	{ "ipaws: no expires", { IPAWS_BASE, E("<expires>2026-08-13T18:00:00+08:00</expires>", "") }, IPAWS, false, "ipaws.expires", "alert/info[0]/expires[0]", ERR, false },
	{ "ipaws: EAS-ORG unknown", { IPAWS_BASE, E("<parameter>", "<parameter><valueName>EAS-ORG</valueName><value>XYZ</value></parameter><parameter>") }, IPAWS, false, "ipaws.eas-org", "alert/info[0]/parameter", ERR, false },
	{ "ipaws: CMAMtext too long", { IPAWS_BASE, E("<parameter>", "<parameter><valueName>CMAMtext</valueName><value>台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台</value></parameter><parameter>") }, IPAWS, false, "ipaws.cmam-length", "alert/info[0]/parameter", ERR, false },
	{ "ipaws: CMAMtext of 90 characters is fine", { IPAWS_BASE, E("<parameter>", "<parameter><valueName>CMAMtext</valueName><value>台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风台风</value></parameter><parameter>") }, IPAWS, false, "ipaws.unsigned", "alert", WARN, true },
	{ "ipaws: SAME geocode missing", { E("<language>zh-CN</language>", "<language>en-US</language>"), E("<eventCode>", "<eventCode><valueName>SAME</valueName><value>HUW</value></eventCode>\n<eventCode>") }, IPAWS, false, "ipaws.geocode.missing", "alert/info[0]/area[0]", ERR, false },
	{ "ipaws: SAME geocode malformed", { IPAWS_BASE, E("<value>006037", "<value>6037") }, IPAWS, false, "ipaws.geocode.format", "alert/info[0]/area[0]", ERR, false },
	{ "ipaws: no English info", { IPAWS_BASE, E("<language>en-US", "<language>es-US") }, IPAWS, false, "ipaws.language", "alert/info[0]/language[0]", ERR, false },
};

static char *apply(const struct check_case *c)
{
	char *xml = strdup(fixture_alert);
	for (size_t i = 0; i < 4 && c->edits[i].from; i++) {
		char *next = fixture_replace(xml, c->edits[i].from, c->edits[i].to);
		free(xml);
		xml = next;
	}
	return xml;
}

static void dump(const struct tc_diags *d)
{
	for (size_t i = 0; i < tc_diags_count(d); i++) {
		const struct tc_diag *it = tc_diags_get(d, i);
		print_message("    %s %s at %s: %s\n", tc_severity_name(it->sev), it->code, it->path, it->message);
	}
}

static void run_case(void **state)
{
	const struct check_case *c = *state;
	struct tc_diags *d = tc_diags_new();
	char *xml = apply(c);
	enum tc_rc rc = fixture_check(xml, c->profile, c->lenient, d, NULL);
	bool ok = true;
	if ((rc == TC_OK) != c->valid) {
		print_message("  %s: expected %s, got %s\n", c->name, c->valid ? "valid" : "invalid", tc_rc_name(rc));
		ok = false;
	}
	if (c->code) {
		const struct tc_diag *it = tc_diags_find(d, c->code);
		if (!it) {
			print_message("  %s: no %s\n", c->name, c->code);
			ok = false;
		} else {
			if (c->path && strcmp(it->path, c->path) != 0) {
				print_message("  %s: %s at '%s', expected '%s'\n", c->name, c->code, it->path, c->path);
				ok = false;
			}
			if (it->sev != c->sev) {
				print_message("  %s: %s is a %s\n", c->name, c->code, tc_severity_name(it->sev));
				ok = false;
			}
			if (strlen(it->message) < 10) {
				print_message("  %s: message too short to help anyone\n", c->name);
				ok = false;
			}
		}
	} else if (tc_diags_count(d) != 0) {
		print_message("  %s: expected no diagnostics\n", c->name);
		ok = false;
	}
	if (!ok)
		dump(d);
	free(xml);
	tc_diags_free(d);
	assert_true(ok);
}

int main(void)
{
	enum { N = sizeof(cases) / sizeof(cases[0]) };
	struct CMUnitTest tests[N];
	for (size_t i = 0; i < N; i++)
		tests[i] = (struct CMUnitTest){ cases[i].name, run_case, NULL, NULL, (void *)&cases[i] };
	return _cmocka_run_group_tests("cap_checks", tests, N, NULL, NULL);
}
