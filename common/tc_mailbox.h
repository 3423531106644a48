/*
 * tc_mailbox.h — how other threads hand work to the thread that owns the
 * state (docs/architecture.md, "Threads and who owns state"): a bounded FIFO
 * of mails with a file descriptor that is readable while mail waits, so the
 * owner's poll() loop wakes.
 *
 * Ownership: tc_mailbox_post() takes the mail (also when it refuses it: the
 * mail is freed and counted as dropped); tc_mailbox_take() hands the whole
 * queue to the caller, who frees each mail with tc_mail_free().
 */
#ifndef TC_MAILBOX_H
#define TC_MAILBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_rc.h"

struct tc_mail {
	struct tc_mail *next;
	int kind;                /* the poster's own event code */
	char *topic;             /* optional, malloc'ed */
	void *data;              /* optional, malloc'ed (NUL-terminated one past len) */
	size_t len;
	void *ptr;               /* optional object, freed by ptr_free */
	void (*ptr_free)(void *);
	int64_t posted_ms;       /* CLOCK_MONOTONIC milliseconds when it was made (tc_mail_now_ms) */
	unsigned from;           /* which of the poster's kind sent it (a broker connection's index), 0 by default */
};

/* Milliseconds of CLOCK_MONOTONIC, the clock of posted_ms. */
int64_t tc_mail_now_ms(void);

struct tc_mailbox;

/* A mailbox holding at most max mails (0: 1,000,000). */
struct tc_mailbox *tc_mailbox_new(size_t max);
/* Frees every waiting mail; NULL is a no-op. */
void tc_mailbox_free(struct tc_mailbox *mb);
/* Readable while mail waits. */
int tc_mailbox_fd(const struct tc_mailbox *mb);

/* A new mail with copies of topic and data (either may be NULL); NULL when out of memory. */
struct tc_mail *tc_mail_new(int kind, const char *topic, const void *data, size_t len);
void tc_mail_free(struct tc_mail *m);
/* Free a whole list of mails (linked by next). */
void tc_mail_free_list(struct tc_mail *m);
/* The list first followed by the list then (either may be NULL). */
struct tc_mail *tc_mail_join(struct tc_mail *first, struct tc_mail *then);

/* A batch of mails whose results could not be written, kept whole to be handled again first. */
struct tc_mail_held {
	struct tc_mail *mails;
	unsigned tries; /* refusals in a row */
};
/* The held mails followed by mails (in the order they came); the hold is left empty. */
struct tc_mail *tc_mail_held_take(struct tc_mail_held *h, struct tc_mail *mails);
/* Keep mails (refused again); true on the first refusal of a run, the one worth a log line. */
bool tc_mail_held_keep(struct tc_mail_held *h, struct tc_mail *mails);
/* The batch was written: how many tries it took when it had been refused (0: never), and reset. */
unsigned tc_mail_held_done(struct tc_mail_held *h);

/* Post m (thread-safe). TC_ERR_LIMIT when the box is full: m is freed and counted. */
enum tc_rc tc_mailbox_post(struct tc_mailbox *mb, struct tc_mail *m);
/* Everything waiting, oldest first (NULL when none); the caller owns the list. */
struct tc_mail *tc_mailbox_take(struct tc_mailbox *mb);
/* Mails refused because the box was full. */
unsigned long tc_mailbox_dropped(struct tc_mailbox *mb);

#endif
