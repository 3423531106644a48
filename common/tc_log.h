/*
 * tc_log.h — the one logging call of tocsin's programs (never of the
 * encoders or the CAP library, which report through tc_diags).
 *
 * A line: "2026-08-12T06:00:00Z tocsind info dispatch: alert=… target=… state=…".
 * Lines go to stderr; those below the threshold are dropped. Thread-safe
 * (one fprintf per line).
 */
#ifndef TC_LOG_H
#define TC_LOG_H

enum tc_log_level {
	TC_LOG_DEBUG = 0,
	TC_LOG_INFO,
	TC_LOG_WARN,
	TC_LOG_ERROR,
};

const char *tc_log_level_name(enum tc_log_level l);
/* "debug", "info", "warn" or "error"; -1 for anything else. */
int tc_log_level_parse(const char *name);

/* Program name and threshold (defaults: "tocsin", info). */
void tc_log_setup(const char *program, enum tc_log_level threshold);
int tc_log_enabled(enum tc_log_level l);

void tc_log(enum tc_log_level l, const char *category, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
