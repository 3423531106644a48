/*
 * tc_file.c — reading a whole file, bounded (tc_file.h).
 *
 * The size is not asked for first (standard input and pipes have none): the
 * file is read into a growable byte array, 64 KiB at first, until its end or
 * one byte past the bound.
 */
#include "tc_file.h"
#include "tc_vec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_READ 65536

/* Read f into b until its end or max + 1 bytes; 0, or an errno value. b keeps room for a NUL. */
static int read_all(FILE *f, size_t max, struct tc_vec *b)
{
	for (;;) {
		if (tc_vec_reserve(b, b->v ? 2 : FIRST_READ))
			return ENOMEM;
		size_t want = b->cap - b->n - 1; /* at least 1 */
		if (want - 1 > max - b->n)
			want = max - b->n + 1;
		size_t got = fread((char *)b->v + b->n, 1, want, f);
		b->n += got;
		if (got < want)
			return ferror(f) ? EIO : 0;
		if (b->n > max)
			return 0;
	}
}

int tc_file_read(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct tc_vec b = TC_VEC_OF(char);
	*buf = NULL;
	*len = 0;
	if (!f)
		return errno;
	int err = read_all(f, max, &b);
	if (f != stdin)
		fclose(f);
	if (err) {
		tc_vec_free(&b);
		return err;
	}
	((char *)b.v)[b.n] = '\0';
	*len = b.n;
	*buf = tc_vec_take(&b);
	return 0;
}

char *tc_file_slurp(const char *path, size_t *len)
{
	char *buf = NULL;
	return tc_file_read(path, 64u << 20, &buf, len) ? NULL : buf;
}
