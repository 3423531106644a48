/*
 * tc_file.h — reading a whole file, bounded.
 */
#ifndef TC_FILE_H
#define TC_FILE_H

#include <stddef.h>

/*
 * Read all of path ("-" is standard input) into a malloc'ed, NUL-terminated
 * buffer, at most max bytes plus one (so the caller can tell "too large").
 * Returns 0, or an errno value with *buf NULL.
 */
int tc_file_read(const char *path, size_t max, char **buf, size_t *len);

/* The whole file (at most 64 MiB) or NULL: for tools and tests. *len receives its length. */
char *tc_file_slurp(const char *path, size_t *len);

#endif
