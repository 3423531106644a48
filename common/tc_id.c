/*
 * tc_id.c — the receiver id grammar (tc_id.h).
 */
#include "tc_id.h"

#include <string.h>

#define ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"

const char *tc_id_problem(const char *s)
{
	if (!s || !*s)
		return "is empty";
	size_t n = strlen(s);
	if (n > TC_ID_MAX)
		return "is longer than 63 bytes";
	if (strspn(s, ID_CHARS) != n)
		return "may hold only the letters A-Z and a-z, digits, '.', '_' and '-'";
	return NULL;
}

bool tc_id_valid(const char *s)
{
	return tc_id_problem(s) == NULL;
}
