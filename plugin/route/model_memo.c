/*
 * model_memo.c - per-model memory of what a model supports; see
 * model_memo.h.
 */
#include <stdlib.h>
#include <string.h>

#include "model_memo.h"

struct lp_model_memo_entry {
    lp_model_memo_entry *next;
    int support;
    int has_facts;
    lp_model_facts facts;
    char model[];
};

static lp_model_memo_entry *find(const lp_model_memo *m, const char *model)
{
    for (lp_model_memo_entry *e = m->head; e; e = e->next)
        if (strcmp(e->model, model) == 0)
            return e;
    return NULL;
}

/* Drop the last (oldest) entry. */
static void forget_oldest(lp_model_memo *m)
{
    lp_model_memo_entry **link = &m->head;
    while (*link && (*link)->next)
        link = &(*link)->next;
    free(*link);
    *link = NULL;
    m->count--;
}

/* The entry for `model`, made (newest first) if need be; NULL when out of
 * memory. */
static lp_model_memo_entry *entry(lp_model_memo *m, const char *model)
{
    lp_model_memo_entry *e = find(m, model);
    if (e)
        return e;
    size_t n = strlen(model) + 1;
    e = calloc(1, sizeof *e + n);
    if (!e)
        return NULL;
    memcpy(e->model, model, n);
    e->next = m->head;
    m->head = e;
    if (++m->count > LP_MODEL_MEMO_MAX)
        forget_oldest(m);
    return e;
}

int lp_model_memo_get_schema(const lp_model_memo *m, const char *model)
{
    const lp_model_memo_entry *e = model ? find(m, model) : NULL;
    return e ? e->support : LP_SCHEMA_UNKNOWN;
}

void lp_model_memo_put_schema(lp_model_memo *m, const char *model, int support)
{
    lp_model_memo_entry *e = model ? entry(m, model) : NULL;
    if (e)
        e->support = support;
}

int lp_model_memo_get_facts(const lp_model_memo *m, const char *model,
                            lp_model_facts *out)
{
    const lp_model_memo_entry *e = model ? find(m, model) : NULL;
    if (!e || !e->has_facts)
        return 0;
    *out = e->facts;
    return 1;
}

void lp_model_memo_put_facts(lp_model_memo *m, const char *model,
                             const lp_model_facts *facts)
{
    lp_model_memo_entry *e = model ? entry(m, model) : NULL;
    if (!e)
        return;
    e->facts = *facts;
    e->has_facts = 1;
    if (e->support == LP_SCHEMA_UNKNOWN)
        e->support = facts->response_schema == LP_SCHEMA_YES ? LP_SCHEMA_YES
                                                              : LP_SCHEMA_NO;
}

void lp_model_memo_free(lp_model_memo *m)
{
    while (m->head) {
        lp_model_memo_entry *next = m->head->next;
        free(m->head);
        m->head = next;
    }
    m->count = 0;
}
