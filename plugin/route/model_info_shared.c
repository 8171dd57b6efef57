/* model_info_shared.c - /model/info answers for the whole process; see
 * model_info_shared.h. */
#include "model_info_shared.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../core/clock.h"
#include "../core/hash.h"

typedef struct slot {
    mis_key key;
    int used;                /* 0: free                                  */
    int asking;              /* a caller holds the claim                 */
    int known;               /* facts is the proxy's answer              */
    unsigned long long claim; /* the claim's token (mis_claim)           */
    int64_t deadline_ms;     /* past it the claim is taken over          */
    unsigned long long tick; /* last use, for forgetting the oldest      */
    lp_model_facts facts;
} slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Made by the first claim, freed by mis_clear: a table in .bss would make
 * every load of the plugin map a page more. */
static slot *slots;
static unsigned long long clock_tick, claims;

/* FNV-1a (core/hash.h) from `h`, over the string and then its length
 * (eight bytes): read from the end, a run of strings so hashed has one
 * parse, so "ab"+"c" and "a"+"bc" differ however the bytes fall.  Two
 * different starts give the two halves of the key. */
static unsigned long long fnv(unsigned long long h, const char *s)
{
    size_t n = strlen(s);
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)((uint64_t)n >> (8 * i));
    return lp_fnv1a(lp_fnv1a(h, s, n), len, sizeof len);
}

mis_key mis_key_of(const char *root, const char *model,
                   const struct curl_slist *headers)
{
    mis_key k = {LP_FNV_START, 0x84222325cbf29ce4ULL};
    k.a = fnv(fnv(k.a, root), model);
    k.b = fnv(fnv(k.b, model), root);
    for (const struct curl_slist *h = headers; h; h = h->next) {
        k.a = fnv(k.a, h->data);
        k.b = fnv(k.b, h->data);
    }
    return k;
}

static slot *find(mis_key key)
{
    for (size_t i = 0; slots && i < MIS_SLOTS; i++)
        if (slots[i].used && slots[i].key.a == key.a &&
            slots[i].key.b == key.b)
            return &slots[i];
    return NULL;
}

/* A free slot, else the least recently used one not being asked for; NULL
 * when every slot is being asked for, or the table could not be made. */
static slot *take_slot(void)
{
    slot *oldest = NULL;
    if (!slots)
        slots = calloc(MIS_SLOTS, sizeof *slots);
    for (size_t i = 0; slots && i < MIS_SLOTS; i++) {
        if (!slots[i].used)
            return &slots[i];
        if (!slots[i].asking && (!oldest || slots[i].tick < oldest->tick))
            oldest = &slots[i];
    }
    return oldest;
}

enum mis_claim mis_claim(mis_key key, long long ask_ms,
                         lp_model_facts *facts, unsigned long long *token)
{
    enum mis_claim c = MIS_ASK;
    int64_t now = lp_now_ms();
    *token = 0;
    pthread_mutex_lock(&lock);
    slot *s = find(key);
    if (s && s->known) {
        *facts = s->facts;
        s->tick = ++clock_tick;
        c = MIS_KNOWN;
    } else if (s && s->asking && now < s->deadline_ms) {
        c = MIS_BUSY;
    } else {
        if (!s && (s = take_slot()) != NULL)
            memset(s, 0, sizeof *s);
        if (s) { /* with no slot to spare (or no memory), ask unrecorded */
            s->used = 1;
            s->key = key;
            s->asking = 1;
            s->claim = *token = ++claims;
            s->deadline_ms = now + ask_ms;
            s->tick = ++clock_tick;
        }
    }
    pthread_mutex_unlock(&lock);
    return c;
}

void mis_settle(mis_key key, unsigned long long token,
                const lp_model_facts *facts)
{
    pthread_mutex_lock(&lock);
    slot *s = find(key);
    int holder = s && token && s->asking && s->claim == token;
    if (s && facts) { /* an answer is an answer, whoever holds the claim */
        s->facts = *facts;
        s->known = 1;
    }
    if (holder) {
        s->asking = 0;
        if (!s->known)
            s->used = 0; /* no answer: the next caller asks */
    }
    pthread_mutex_unlock(&lock);
}

void mis_clear(void)
{
    pthread_mutex_lock(&lock);
    free(slots);
    slots = NULL;
    clock_tick = 0;
    pthread_mutex_unlock(&lock);
}
