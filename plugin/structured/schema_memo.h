/*
 * schema_memo.h - what `auto` structured output has learned per model
 * (decision 19): does the model take response_format?  One small list per
 * instance, so switching models with update_config and back does not ask
 * the proxy again.  Used only from structured_output(), which the host
 * serializes per instance (MP_HOST_4), so it needs no lock.
 */
#ifndef LP_SCHEMA_MEMO_H
#define LP_SCHEMA_MEMO_H

/* What `auto` structured output learned about a model. */
enum lp_schema_support { LP_SCHEMA_UNKNOWN = 0, LP_SCHEMA_YES, LP_SCHEMA_NO };

/* Bounded so a host cycling through endless model ids cannot grow it
 * without limit; past it the oldest answer is forgotten (and asked again). */
#define LP_SCHEMA_MEMO_MAX 64

typedef struct lp_schema_memo_entry lp_schema_memo_entry;

typedef struct lp_schema_memo {
    lp_schema_memo_entry *head; /* newest first */
    unsigned count;
} lp_schema_memo;

/* LP_SCHEMA_YES / LP_SCHEMA_NO as remembered, else LP_SCHEMA_UNKNOWN. */
int lp_schema_memo_get(const lp_schema_memo *m, const char *model);

/* Remember (or overwrite) the answer for `model`.  Out of memory is not an
 * error: it is only a cache, and the next call asks again. */
void lp_schema_memo_put(lp_schema_memo *m, const char *model, int support);

void lp_schema_memo_free(lp_schema_memo *m);

#endif
