/*
 * schema_memo.c - per-model memory of response_format support.
 */
#include <stdlib.h>
#include <string.h>

#include "schema_memo.h"

struct lp_schema_memo_entry {
    lp_schema_memo_entry *next;
    int support;
    char model[];
};

static lp_schema_memo_entry *find(const lp_schema_memo *m, const char *model)
{
    for (lp_schema_memo_entry *e = m->head; e; e = e->next)
        if (strcmp(e->model, model) == 0)
            return e;
    return NULL;
}

int lp_schema_memo_get(const lp_schema_memo *m, const char *model)
{
    const lp_schema_memo_entry *e = model ? find(m, model) : NULL;
    return e ? e->support : LP_SCHEMA_UNKNOWN;
}

/* Drop the last (oldest) entry. */
static void forget_oldest(lp_schema_memo *m)
{
    lp_schema_memo_entry **link = &m->head;
    while (*link && (*link)->next)
        link = &(*link)->next;
    free(*link);
    *link = NULL;
    m->count--;
}

void lp_schema_memo_put(lp_schema_memo *m, const char *model, int support)
{
    if (!model)
        return;
    lp_schema_memo_entry *e = find(m, model);
    if (e) {
        e->support = support;
        return;
    }
    size_t n = strlen(model) + 1;
    e = malloc(sizeof *e + n);
    if (!e)
        return;
    memcpy(e->model, model, n);
    e->support = support;
    e->next = m->head;
    m->head = e;
    if (++m->count > LP_SCHEMA_MEMO_MAX)
        forget_oldest(m);
}

void lp_schema_memo_free(lp_schema_memo *m)
{
    while (m->head) {
        lp_schema_memo_entry *next = m->head->next;
        free(m->head);
        m->head = next;
    }
    m->count = 0;
}
