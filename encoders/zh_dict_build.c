/*
 * zh_dict_build.c — builds tocsin's Mandarin reading dictionary from Rime's
 * Terra Pinyin table (Debian package rime-data-terra-pinyin), at build time.
 *
 * The table (terra_pinyin.table.txt, compiled by Rime from CC-CEDICT) has
 * one "word<TAB>pinyin<TAB>weight" line per reading, about 310,000 of them,
 * in traditional characters. Each word is converted to simplified characters
 * with OpenCC (t2s, the whole list in one call) and kept under both forms;
 * the readings of a form are summed by weight, the heaviest first. A word is
 * "decided" when its heaviest reading weighs at least twice the next one;
 * otherwise the dictionary does not choose. Its cost for segmentation is
 * -ln(p), p = (weight + 1) / (all weights), in hundredths.
 *
 * Where the table has a character's Taiwan reading, the mainland one is
 * put in its place first (MAINLAND.tsv: character, Taiwan reading, mainland
 * reading; encoders/data/zh-mainland.tsv), in every word it appears in.
 *
 * Output: the dictionary in the layout tc_zh_dict.c reads (see there), and
 * a C file that embeds it (.incbin), so tocsin carries it with no loading.
 *
 * Usage: zh_dict_build TABLE.txt MAINLAND.tsv OUT.bin OUT.c
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc.h>

#include "tc_zh_dict_format.h"

struct reading {
	char *key, *pinyin;
	double weight;
};

struct table {
	struct reading *r;
	size_t n, cap;
	double total;
};

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);
	if (!q) {
		fprintf(stderr, "zh_dict_build: out of memory\n");
		exit(1);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "zh_dict_build: out of memory\n");
		exit(1);
	}
	return d;
}

static void add(struct table *t, const char *key, const char *pinyin, double weight)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1 << 16;
		t->r = xrealloc(t->r, t->cap * sizeof(*t->r));
	}
	t->r[t->n++] = (struct reading){ xstrdup(key), xstrdup(pinyin), weight };
}

/* The table's lines; words joined by newlines into *words (for one OpenCC call). */
static int read_table(const char *path, struct table *t, char **words, size_t *n_words)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "zh_dict_build: cannot read %s: %s (install rime-data-terra-pinyin)\n", path,
			strerror(errno));
		return -1;
	}
	char line[1024];
	size_t len = 0, cap = 0, lineno = 0;
	*words = NULL;
	*n_words = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (!tab2 || tab1 == line || tab2 == tab1 + 1) {
			fprintf(stderr, "zh_dict_build: %s, line %zu: expected word<TAB>pinyin<TAB>weight\n", path,
				lineno);
			fclose(f);
			return -1;
		}
		*tab1 = *tab2 = '\0';
		double w = strtod(tab2 + 1, NULL);
		add(t, line, tab1 + 1, w > 0 ? w : 0);
		t->total += w > 0 ? w : 0;
		size_t k = strlen(line);
		if (len + k + 2 > cap) {
			cap = (len + k + 2) * 2;
			*words = xrealloc(*words, cap);
		}
		memcpy(*words + len, line, k);
		len += k;
		(*words)[len++] = '\n';
		(*words)[len] = '\0';
		(*n_words)++;
	}
	fclose(f);
	return 0;
}

/* Mainland readings: "character<TAB>taiwan<TAB>mainland" lines. */
struct mainland {
	struct {
		char ch[8], from[16], to[16];
	} row[256];
	size_t n;
};

static int read_mainland(const char *path, struct mainland *m)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t lineno = 0;
	if (!f) {
		fprintf(stderr, "zh_dict_build: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	m->n = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (m->n == sizeof(m->row) / sizeof(m->row[0]) ||
		    sscanf(line, "%7[^\t]\t%15[^\t]\t%15[^\t\r\n]", m->row[m->n].ch, m->row[m->n].from,
			   m->row[m->n].to) != 3) {
			fprintf(stderr, "zh_dict_build: %s, line %zu: expected character<TAB>reading<TAB>reading\n", path,
				lineno);
			fclose(f);
			return -1;
		}
		m->n++;
	}
	fclose(f);
	return 0;
}

static size_t utf8_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* pinyin with the mainland reading put in for each character of simp that has one. */
static void to_mainland(const struct mainland *m, const char *simp, char *pinyin)
{
	char out[512] = "", *save = NULL, copy[512];
	snprintf(copy, sizeof(copy), "%s", pinyin);
	const char *c = simp;
	for (char *syl = strtok_r(copy, " ", &save); syl; syl = strtok_r(NULL, " ", &save)) {
		size_t n = *c ? utf8_len((unsigned char)*c) : 0;
		const char *say = syl;
		for (size_t i = 0; n && i < m->n; i++)
			if (strlen(m->row[i].ch) == n && memcmp(m->row[i].ch, c, n) == 0 && strcmp(m->row[i].from, syl) == 0)
				say = m->row[i].to;
		snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", out[0] ? " " : "", say);
		c += n;
	}
	if (*c == '\0' && strlen(out) <= strlen(pinyin) + 8) /* one syllable per character, as expected */
		strcpy(pinyin, out);
}

/* Adds each word's simplified form (when it differs) with the same readings. */
static int add_simplified(struct table *t, const char *words, size_t n_words, const struct mainland *m)
{
	opencc_t cc = opencc_open(OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP);
	if (cc == (opencc_t)-1) {
		fprintf(stderr, "zh_dict_build: cannot open OpenCC's %s: %s (install libopencc-dev)\n",
			OPENCC_DEFAULT_CONFIG_TRAD_TO_SIMP, opencc_error());
		return -1;
	}
	char *simp = opencc_convert_utf8(cc, words, strlen(words));
	opencc_close(cc);
	if (!simp) {
		fprintf(stderr, "zh_dict_build: OpenCC failed: %s\n", opencc_error());
		return -1;
	}
	size_t i = 0, n = t->n;
	char *save = NULL;
	for (char *w = strtok_r(simp, "\n", &save); w && i < n; w = strtok_r(NULL, "\n", &save), i++) {
		size_t len = strlen(t->r[i].pinyin) + 9;
		t->r[i].pinyin = xrealloc(t->r[i].pinyin, len);
		to_mainland(m, w, t->r[i].pinyin);
		if (strcmp(w, t->r[i].key) != 0)
			add(t, w, t->r[i].pinyin, t->r[i].weight);
	}
	opencc_convert_utf8_free(simp);
	if (i != n_words) {
		fprintf(stderr, "zh_dict_build: OpenCC returned %zu words for %zu\n", i, n_words);
		return -1;
	}
	return 0;
}

static int by_key_then_pinyin(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : strcmp(x->pinyin, y->pinyin);
}

static int by_weight_desc(const void *a, const void *b)
{
	const struct reading *x = a, *y = b;
	return x->weight < y->weight ? 1 : x->weight > y->weight ? -1 : strcmp(x->pinyin, y->pinyin);
}

struct out {
	struct tc_zh_dict_rec *rec;
	size_t n, cap;
	char *s;
	size_t s_len, s_cap;
};

static uint32_t put_string(struct out *o, const char *s)
{
	size_t k = strlen(s) + 1;
	if (o->s_len + k > o->s_cap) {
		o->s_cap = (o->s_len + k) * 2;
		o->s = xrealloc(o->s, o->s_cap);
	}
	memcpy(o->s + o->s_len, s, k);
	o->s_len += k;
	return (uint32_t)(o->s_len - k);
}

/*
 * Whether two readings differ only where one of them has the neutral tone
 * (头发 tou2 fa4 / tou2 fa5): the same word said with or without it.
 */
static bool neutral_variants(const char *a, const char *b)
{
	while (*a && *b) {
		size_t la = strcspn(a, " "), lb = strcspn(b, " ");
		if (la != lb || memcmp(a, b, la - 1) != 0)
			return false;
		if (a[la - 1] != b[la - 1] && a[la - 1] != '5' && b[la - 1] != '5')
			return false;
		a += la + (a[la] == ' ');
		b += lb + (b[lb] == ' ');
	}
	return !*a && !*b;
}

static size_t neutral_count(const char *p)
{
	size_t k = 0;
	for (; *p; p++)
		k += *p == '5';
	return k;
}

/* Erhua readings (儿 as r5) are not broadcast speech: set aside when the word has another. */
static size_t drop_erhua(struct reading *r, size_t n)
{
	size_t w = 0, plain = 0;
	for (size_t i = 0; i < n; i++)
		plain += strstr(r[i].pinyin, "r5") == NULL;
	if (!plain || plain == n)
		return n;
	for (size_t i = 0; i < n; i++) {
		if (strstr(r[i].pinyin, "r5")) {
			free(r[i].key);
			free(r[i].pinyin);
			continue;
		}
		r[w++] = r[i];
	}
	return w;
}

/*
 * Neutral-tone variants become one reading, their weights summed. It is said
 * as the heavier variant; where the source weighs both the same (it lists a
 * neutral tone some speakers use: 方向 fang1 xiang4 / fang1 xiang5), with the
 * full tones, as the mainland dictionary writes most such words.
 */
static size_t merge_neutral(struct reading *r, size_t n)
{
	size_t w = 0;
	double first[64]; /* the weight of each kept reading before merging */
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < w && !neutral_variants(r[j].pinyin, r[i].pinyin))
			j++;
		if (j == w && w < sizeof(first) / sizeof(first[0])) {
			first[w] = r[i].weight;
			r[w++] = r[i];
			continue;
		}
		if (j < w) {
			r[j].weight += r[i].weight;
			if (r[i].weight >= first[j] && neutral_count(r[i].pinyin) < neutral_count(r[j].pinyin)) {
				char *keep = r[j].pinyin;
				r[j].pinyin = r[i].pinyin;
				r[i].pinyin = keep;
			}
		}
		free(r[i].key);
		free(r[i].pinyin);
	}
	return w;
}

/* The record of one key's readings r[0..n), the heaviest first. */
static void add_record(struct out *o, struct reading *r, size_t n, double total)
{
	qsort(r, n, sizeof(*r), by_weight_desc);
	double sum = 0;
	char readings[512] = "";
	for (size_t i = 0; i < n; i++) {
		sum += r[i].weight;
		if (strlen(readings) + strlen(r[i].pinyin) + 2 < sizeof(readings))
			snprintf(readings + strlen(readings), sizeof(readings) - strlen(readings), "%s%s",
				 i ? "|" : "", r[i].pinyin);
	}
	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 1 << 16;
		o->rec = xrealloc(o->rec, o->cap * sizeof(*o->rec));
	}
	double cost = -log((sum + 1) / total) * 100;
	bool decided = n == 1 || (r[0].weight > 0 && r[0].weight >= 2 * r[1].weight);
	o->rec[o->n++] = (struct tc_zh_dict_rec){
		.key = put_string(o, r[0].key),
		.readings = put_string(o, readings),
		.cost = (uint16_t)(cost > 65535 ? 65535 : cost),
		.key_len = (uint8_t)strlen(r[0].key),
		.flags = (uint8_t)((decided ? TC_ZH_DICT_DECIDED : 0) | (n > 1 ? TC_ZH_DICT_POLYPHONE : 0)),
	};
}

/* One record for the readings r[0..n) of one key (same pinyin already merged); frees them. */
static void emit(struct out *o, struct reading *r, size_t n, double total)
{
	n = drop_erhua(r, n);
	qsort(r, n, sizeof(*r), by_weight_desc);
	n = merge_neutral(r, n);
	if (n && strlen(r[0].key) <= 255)
		add_record(o, r, n, total);
	for (size_t i = 0; i < n; i++) {
		free(r[i].key);
		free(r[i].pinyin);
	}
}

static void build(struct table *t, struct out *o)
{
	qsort(t->r, t->n, sizeof(*t->r), by_key_then_pinyin);
	/* merge equal (key, pinyin): traditional and simplified sources of one reading */
	size_t w = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (w && strcmp(t->r[w - 1].key, t->r[i].key) == 0 && strcmp(t->r[w - 1].pinyin, t->r[i].pinyin) == 0) {
			t->r[w - 1].weight += t->r[i].weight;
			free(t->r[i].key);
			free(t->r[i].pinyin);
			continue;
		}
		t->r[w++] = t->r[i];
	}
	t->n = w;
	for (size_t i = 0; i < t->n;) {
		size_t j = i + 1;
		while (j < t->n && strcmp(t->r[j].key, t->r[i].key) == 0)
			j++;
		emit(o, t->r + i, j - i, t->total);
		i = j;
	}
}

static int write_all(const char *bin, const char *c_file, const struct out *o)
{
	struct tc_zh_dict_head head = { .magic = TC_ZH_DICT_MAGIC, .n = (uint32_t)o->n,
					.strings = (uint32_t)(sizeof(head) + o->n * sizeof(*o->rec)) };
	FILE *f = fopen(bin, "wb");
	if (!f || fwrite(&head, sizeof(head), 1, f) != 1 || fwrite(o->rec, sizeof(*o->rec), o->n, f) != o->n ||
	    fwrite(o->s, 1, o->s_len, f) != o->s_len || fclose(f) != 0) {
		fprintf(stderr, "zh_dict_build: cannot write %s: %s\n", bin, strerror(errno));
		return -1;
	}
	f = fopen(c_file, "w");
	if (!f) {
		fprintf(stderr, "zh_dict_build: cannot write %s: %s\n", c_file, strerror(errno));
		return -1;
	}
	fprintf(f,
		"/* Generated by zh_dict_build from Rime's Terra Pinyin table; do not edit. */\n"
		"__asm__(\".section .rodata\\n\"\n"
		"\t\".balign 8\\n\"\n"
		"\t\".global tc_zh_dict_blob\\n\"\n"
		"\t\"tc_zh_dict_blob:\\n\"\n"
		"\t\".incbin \\\"%s\\\"\\n\"\n"
		"\t\".global tc_zh_dict_blob_end\\n\"\n"
		"\t\"tc_zh_dict_blob_end:\\n\"\n"
		"\t\".byte 0\\n\"\n"
		"\t\".previous\\n\");\n",
		bin);
	return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: zh_dict_build TABLE.txt MAINLAND.tsv OUT.bin OUT.c\n");
		return 2;
	}
	static struct mainland m;
	struct table t = { 0 };
	struct out o = { 0 };
	char *words = NULL;
	size_t n_words = 0;
	if (read_mainland(argv[2], &m) || read_table(argv[1], &t, &words, &n_words) || !t.n ||
	    add_simplified(&t, words, n_words, &m))
		return 1;
	free(words);
	build(&t, &o);
	if (write_all(argv[3], argv[4], &o))
		return 1;
	printf("zh_dict_build: %zu words from %s\n", o.n, argv[1]);
	free(t.r);
	free(o.rec);
	free(o.s);
	return 0;
}
