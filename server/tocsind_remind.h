/*
 * tocsind_remind.h — alerts held too long for approval: their approvers are told.
 */
#ifndef TOCSIND_REMIND_H
#define TOCSIND_REMIND_H

#include <stdbool.h>
#include <stdint.h>

#include "tc_store.h"

/*
 * Every alert held for approval longer than timeout_s (and not reminded yet) is logged and
 * audited as approval-overdue, and, when sms is true, an SMS is queued to each approver who may
 * release it (an enabled approver with a phone, of its department, whose regions cover it).
 * Returns how many alerts were overdue.
 */
long tocsind_remind_approvers(struct tc_store *s, int64_t timeout_s, bool sms, int64_t now);

#endif
