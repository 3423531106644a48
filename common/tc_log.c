/*
 * tc_log.c — lines to stderr with time, program, level and category (tc_log.h).
 */
#include "tc_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *program = "tocsin";
static enum tc_log_level threshold = TC_LOG_INFO;
static const char *const names[] = { "debug", "info", "warn", "error" };

const char *tc_log_level_name(enum tc_log_level l)
{
	return l <= TC_LOG_ERROR ? names[l] : "unknown";
}

int tc_log_level_parse(const char *name)
{
	for (int i = 0; name && i <= TC_LOG_ERROR; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

void tc_log_setup(const char *prog, enum tc_log_level t)
{
	program = prog;
	threshold = t;
}

int tc_log_enabled(enum tc_log_level l)
{
	return l >= threshold;
}

void tc_log(enum tc_log_level l, const char *category, const char *fmt, ...)
{
	char when[32], text[2048];
	if (l < threshold)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s.%03ldZ %s %s %s: %s\n", when, ts.tv_nsec / 1000000, program, tc_log_level_name(l), category,
		text);
}
