/*
 * model_info_shared.h - a proxy's /model/info answers, shared by every
 * instance of the process.
 *
 * Each instance remembers what it learned (model_memo.h), but a host
 * running many instances against one proxy would otherwise have each of
 * them ask on its first call: one or two GETs of a document that lists
 * every model of the proxy, and the round trips in that call's time to
 * first token.  Here an answer is kept once per proxy, credentials and
 * model, and one caller at a time asks: the others either take the answer
 * or, while it is being asked for, go on without it (stream() needs it
 * only for warnings) or ask themselves (structured output needs it; what
 * they learn is kept too).
 *
 * An answer is found by a 128-bit digest of the proxy's root URL, the
 * model and the header lines the probe sends (they carry the key, and a
 * proxy lists the models a key may use): nothing of the key is kept
 * readable.  At most MIS_SLOTS answers; past that the least recently used
 * is forgotten.  Only definite answers are kept (model_info.h).
 *
 * Thread: [any-thread]; one process-wide lock, held only to read or write
 * a slot (never across a request).
 */
#ifndef LP_MODEL_INFO_SHARED_H
#define LP_MODEL_INFO_SHARED_H

#include "model_memo.h"

struct curl_slist;

#define MIS_SLOTS 64

/* Who an answer belongs to (see above). */
typedef struct mis_key {
    unsigned long long a, b;
} mis_key;

mis_key mis_key_of(const char *root, const char *model,
                   const struct curl_slist *headers);

enum mis_claim {
    MIS_KNOWN = 0, /* *facts holds the answer                         */
    MIS_ASK,       /* nobody has it: the caller asks, then mis_settle  */
    MIS_BUSY       /* another caller is asking right now              */
};

/* What the process knows for `key`.  MIS_ASK makes the caller the one
 * asker, for at most `ask_ms` (the longest its asking can take): *token
 * names its claim for mis_settle.  A claim past its time (an asker that
 * never settled) is taken over by the next caller.  *token is 0 when the
 * claim could not be recorded (no slot to spare): the caller asks all the
 * same. */
enum mis_claim mis_claim(mis_key key, long long ask_ms,
                         lp_model_facts *facts, unsigned long long *token);

/* The asker's result: `facts` when the proxy answered for good, NULL when
 * not (network, timeout, cancel, 5xx).  An answer is kept whoever settles;
 * the claim ends only for its holder (a late asker whose claim was taken
 * over leaves the new asker's alone), and with no answer the next caller
 * asks. */
void mis_settle(mis_key key, unsigned long long token,
                const lp_model_facts *facts);

/* Forget every answer (the module's last deinit: a later init may talk to
 * another proxy under the same name). */
void mis_clear(void);

#endif
