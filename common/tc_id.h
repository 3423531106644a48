/*
 * tc_id.h — the one grammar of receiver ids: 1 to 63 bytes of A-Z, a-z,
 * 0-9, '.', '_' and '-'. A receiver id is a topic level of its own
 * (P/rx/<id>/cmd), a broker user name and a file name; this grammar keeps
 * it safe as all three. Import, the receivers' configuration and tocsind's
 * publishing all check it here (docs/operations.md, "Receiver ids").
 */
#ifndef TC_ID_H
#define TC_ID_H

#include <stdbool.h>

#define TC_ID_MAX 63

/* Whether s is a receiver id. NULL is not. */
bool tc_id_valid(const char *s);

/* Why s is not a receiver id ("is empty", "is longer than 63 bytes", ...); NULL when it is one. */
const char *tc_id_problem(const char *s);

#endif
