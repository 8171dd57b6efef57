/*
 * model_memo.h - what this instance has learned about each model, so
 * switching models with update_config and back does not ask again:
 *  - whether it takes response_format (structured output `auto`, decision
 *    19), from a LiteLLM proxy's /model/info or from a 400 to it;
 *  - what the proxy's /model/info said of it (model_info.h): context
 *    window, vision, function calling.
 *
 * Writers are stream() and structured_output(), which the host serializes
 * per instance (MP_HOST_4); get_config() reads from any thread, so writers
 * and that reader hold the instance lock around their access.  Readers on
 * the serialized path need no lock.
 */
#ifndef LP_MODEL_MEMO_H
#define LP_MODEL_MEMO_H

#include <stdint.h>

/* What `auto` structured output learned about a model. */
enum lp_schema_support { LP_SCHEMA_UNKNOWN = 0, LP_SCHEMA_YES, LP_SCHEMA_NO };

/* What a proxy's /model/info says of a model (over every deployment of a
 * model group: a flag is "no" when any deployment says false, the window
 * is the smallest).  Flags: 1 yes, 0 no, -1 not said. */
typedef struct lp_model_facts {
    int listed;                /* the proxy lists the model              */
    int response_schema;       /* enum lp_schema_support                 */
    int vision;
    int function_calling;
    int64_t max_input_tokens;  /* -1: not said                           */
} lp_model_facts;

/* Bounded so a host cycling through endless model ids cannot grow it
 * without limit; past it the oldest answer is forgotten (and asked again). */
#define LP_MODEL_MEMO_MAX 64

typedef struct lp_model_memo_entry lp_model_memo_entry;

typedef struct lp_model_memo {
    lp_model_memo_entry *head; /* newest first */
    unsigned count;
} lp_model_memo;

/* LP_SCHEMA_YES / LP_SCHEMA_NO as remembered, else LP_SCHEMA_UNKNOWN. */
int lp_model_memo_get_schema(const lp_model_memo *m, const char *model);

/* Remember (or overwrite) the answer for `model`.  Out of memory is not an
 * error: it is only a cache, and the next call asks again. */
void lp_model_memo_put_schema(lp_model_memo *m, const char *model,
                              int support);

/* 1 and *out when the proxy was asked about `model` and answered, else 0. */
int lp_model_memo_get_facts(const lp_model_memo *m, const char *model,
                            lp_model_facts *out);

/* Remember the proxy's answer; it also settles the response_format
 * question unless a 400 already did. */
void lp_model_memo_put_facts(lp_model_memo *m, const char *model,
                             const lp_model_facts *facts);

void lp_model_memo_free(lp_model_memo *m);

#endif
