/* tc_file.c — reading a whole file, bounded (tc_file.h). */
#include "tc_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tc_file_read(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0;
	char *p = NULL;
	int err = 0;
	*buf = NULL;
	*len = 0;
	if (!f)
		return errno;
	for (;;) {
		if (!p || n + 1 >= cap) {
			char *q = realloc(p, p ? (cap *= 2) : cap);
			if (!q) {
				err = ENOMEM;
				break;
			}
			p = q;
		}
		size_t want = cap - n - 1;
		if (n + want > max + 1)
			want = max + 1 - n;
		size_t got = want ? fread(p + n, 1, want, f) : 0;
		n += got;
		if (got < want || n > max) {
			err = got < want && ferror(f) ? EIO : 0;
			break;
		}
	}
	if (f != stdin)
		fclose(f);
	if (err) {
		free(p);
		return err;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}

char *tc_file_slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	return tc_file_read(path, 64u << 20, &buf, len) ? NULL : buf;
}
