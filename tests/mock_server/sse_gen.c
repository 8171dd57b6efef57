/* sse_gen.c - render and send the generated stream. */
#include "sse_gen.h"
#include "json_util.h"
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Large enough that a million 170-byte events take ~2600 writes, small
 * enough to stay in cache while the kernel copies it. */
#define GEN_BATCH (64u * 1024u)

struct gen_events {
    char *role, *content, *finish, *usage;
    const char *done;
    size_t content_len;
};

static void free_events(struct gen_events *ev)
{
    free(ev->role);
    free(ev->content);
    free(ev->finish);
    free(ev->usage);
}

/* The same stream in Anthropic's Messages API events: message_start and
 * a text block's start, N text deltas, the block's stop and message_delta,
 * then message_stop (no [DONE]). */
static bool render_messages(struct gen_events *ev, const struct scenario *sc,
                            const char *model)
{
    char *qmodel = ju_quote(model, strlen(model));
    char *qtext = ju_quote(sc->generate_text, strlen(sc->generate_text));
    long long n = (long long)sc->generate_chunks;
    bool ok = false;

    memset(ev, 0, sizeof(*ev));
    ev->done = "";
    if (!qmodel || !qtext)
        goto out;
    if (asprintf(&ev->role, "event: message_start\ndata: {\"type\":"
                            "\"message_start\",\"message\":{\"id\":\"gen\","
                            "\"type\":\"message\",\"role\":\"assistant\","
                            "\"model\":%s,\"content\":[],\"stop_reason\":null,"
                            "\"usage\":{\"input_tokens\":1,"
                            "\"output_tokens\":1}}}\n\n"
                            "event: content_block_start\ndata: {\"type\":"
                            "\"content_block_start\",\"index\":0,"
                            "\"content_block\":{\"type\":\"text\","
                            "\"text\":\"\"}}\n\n", qmodel) < 0)
        ev->role = NULL;
    if (asprintf(&ev->content, "event: content_block_delta\ndata: {\"type\":"
                               "\"content_block_delta\",\"index\":0,"
                               "\"delta\":{\"type\":\"text_delta\","
                               "\"text\":%s}}\n\n", qtext) < 0)
        ev->content = NULL;
    if (asprintf(&ev->finish, "event: content_block_stop\ndata: {\"type\":"
                              "\"content_block_stop\",\"index\":0}\n\n"
                              "event: message_delta\ndata: {\"type\":"
                              "\"message_delta\",\"delta\":{\"stop_reason\":"
                              "\"end_turn\",\"stop_sequence\":null},"
                              "\"usage\":{\"output_tokens\":%lld}}\n\n",
                 n) < 0)
        ev->finish = NULL;
    ev->usage = strdup("event: message_stop\ndata: {\"type\":"
                       "\"message_stop\"}\n\n");
    ok = ev->role && ev->content && ev->finish && ev->usage;
    if (ok)
        ev->content_len = strlen(ev->content);
out:
    free(qmodel);
    free(qtext);
    return ok;
}

static bool render(struct gen_events *ev, const struct scenario *sc,
                   const char *model)
{
    char *qmodel = ju_quote(model, strlen(model));
    char *qtext = ju_quote(sc->generate_text, strlen(sc->generate_text));
    char *prefix = NULL;
    long long n = (long long)sc->generate_chunks;
    bool ok = false;

    memset(ev, 0, sizeof(*ev));
    ev->done = "data: [DONE]\n\n";
    if (!qmodel || !qtext ||
        asprintf(&prefix, "data: {\"id\":\"gen\",\"object\":"
                          "\"chat.completion.chunk\",\"created\":0,"
                          "\"model\":%s,\"choices\":[", qmodel) < 0) {
        prefix = NULL;
        goto out;
    }
    if (asprintf(&ev->role, "%s{\"index\":0,\"delta\":{\"role\":\"assistant\","
                            "\"content\":\"\"},\"finish_reason\":null}]}\n\n",
                 prefix) < 0)
        ev->role = NULL;
    if (asprintf(&ev->content, "%s{\"index\":0,\"delta\":{\"content\":%s},"
                               "\"finish_reason\":null}]}\n\n",
                 prefix, qtext) < 0)
        ev->content = NULL;
    if (asprintf(&ev->finish, "%s{\"index\":0,\"delta\":{},"
                              "\"finish_reason\":\"stop\"}]}\n\n",
                 prefix) < 0)
        ev->finish = NULL;
    if (asprintf(&ev->usage, "%s],\"usage\":{\"prompt_tokens\":1,"
                             "\"completion_tokens\":%lld,"
                             "\"total_tokens\":%lld}}\n\n",
                 prefix, n, n + 1) < 0)
        ev->usage = NULL;
    ok = ev->role && ev->content && ev->finish && ev->usage;
    if (ok)
        ev->content_len = strlen(ev->content);
out:
    free(prefix);
    free(qmodel);
    free(qtext);
    return ok;
}

/* pace_ms applies between events, so paced streams go one event per write. */
static enum out_result paced(struct resp_out *o, const struct scenario *sc,
                             const struct gen_events *ev)
{
    enum out_result r = out_write(o, ev->role, strlen(ev->role));

    for (int64_t i = 0; r == OUT_OK && i < sc->generate_chunks; i++) {
        sleep_ms(sc->pace_ms);
        r = out_write(o, ev->content, ev->content_len);
    }
    if (r == OUT_OK) {
        sleep_ms(sc->pace_ms);
        r = out_write(o, ev->finish, strlen(ev->finish));
    }
    if (r == OUT_OK) {
        sleep_ms(sc->pace_ms);
        r = out_write(o, ev->usage, strlen(ev->usage));
    }
    if (r == OUT_OK) {
        sleep_ms(sc->pace_ms);
        r = out_write(o, ev->done, strlen(ev->done));
    }
    return r;
}

/* Unpaced: fill one buffer with as many copies of the content event as
 * fit, send it repeatedly, then the remainder and the tail together. */
static enum out_result batched(struct resp_out *o, const struct scenario *sc,
                               const struct gen_events *ev)
{
    size_t per = GEN_BATCH / ev->content_len;
    size_t tail_len = strlen(ev->finish) + strlen(ev->usage) +
                      strlen(ev->done);
    uint64_t left = (uint64_t)sc->generate_chunks;
    enum out_result r;
    char *batch, *p;

    if (per == 0)
        per = 1;
    if ((uint64_t)per > left)
        per = (size_t)left;
    /* The buffer also holds the role event first and the tail last, so
     * short streams go out in one write. */
    batch = malloc(strlen(ev->role) + per * ev->content_len + tail_len + 1);
    if (!batch)
        return OUT_GONE;
    p = batch;
    p += sprintf(p, "%s", ev->role);
    for (size_t i = 0; i < per; i++) {
        memcpy(p, ev->content, ev->content_len);
        p += ev->content_len;
    }
    if (left <= per) {
        p += sprintf(p, "%s%s%s", ev->finish, ev->usage, ev->done);
        r = out_write(o, batch, (size_t)(p - batch));
        free(batch);
        return r;
    }
    r = out_write(o, batch, (size_t)(p - batch));
    left -= per;
    /* Drop the role prefix: the repeated part starts after it. */
    memmove(batch, batch + strlen(ev->role), per * ev->content_len);
    while (r == OUT_OK && left >= per) {
        r = out_write(o, batch, per * ev->content_len);
        left -= per;
    }
    if (r == OUT_OK) {
        p = batch + left * ev->content_len;
        p += sprintf(p, "%s%s%s", ev->finish, ev->usage, ev->done);
        r = out_write(o, batch, (size_t)(p - batch));
    }
    free(batch);
    return r;
}

enum out_result gen_stream(struct resp_out *o, const struct scenario *sc,
                           const char *model, bool messages_api)
{
    struct gen_events ev;
    enum out_result r;

    if (!(messages_api ? render_messages(&ev, sc, model)
                       : render(&ev, sc, model))) {
        free_events(&ev);
        return OUT_GONE;
    }
    r = sc->pace_ms ? paced(o, sc, &ev) : batched(o, sc, &ev);
    free_events(&ev);
    return r;
}
