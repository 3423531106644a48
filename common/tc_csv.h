/*
 * tc_csv.h — writing CSV as RFC 4180 has it.
 */
#ifndef TC_CSV_H
#define TC_CSV_H

#include <stdbool.h>
#include <stdio.h>

/* One field, quoted when it holds a comma, a quote or a line break; then ',' or, for the last, '\n'. */
void tc_csv_field(FILE *f, const char *s, bool last);

#endif
