/* routes.c - decide what answers a request: a built-in route, the next
 * scenario of a --sequence, or the scenario whose model matches.
 *
 * Every request is recorded here, after the choice is made (so the record
 * names the scenario) and before any byte of the answer is sent (so a test
 * that reads the record after its call returns always finds the line).
 */
#include "expect.h"
#include "http_request.h"
#include "http_response.h"
#include "json_util.h"
#include "scenario.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool is_messages_path(const char *target)
{
    static const char suffix[] = "/v1/messages";
    size_t n = strcspn(target, "?"), k = sizeof suffix - 1;
    return n >= k && strncmp(target + n - k, suffix, k) == 0;
}

/* Anthropic's error body: {"type":"error","error":{"type","message"}}. */
static char *messages_error_json(const char *message, int code)
{
    json_object *root = json_object_new_object();
    json_object *err = json_object_new_object();
    const char *type = code == 404 ? "not_found_error"
                       : code == 418 || code == 400 ? "invalid_request_error"
                                                    : "api_error";
    char *out;

    json_object_object_add(err, "type", json_object_new_string(type));
    json_object_object_add(err, "message", json_object_new_string(message));
    json_object_object_add(root, "type", json_object_new_string("error"));
    json_object_object_add(root, "error", err);
    out = strdup(ju_text(root));
    json_object_put(root);
    return out;
}

/* OpenAI-shaped error body: {"error":{"message","type","code"}}. */
static char *error_json(const char *message, const char *type, int code)
{
    json_object *root = json_object_new_object();
    json_object *err = json_object_new_object();
    char num[16];
    char *out;

    snprintf(num, sizeof(num), "%d", code);
    json_object_object_add(err, "message", json_object_new_string(message));
    json_object_object_add(err, "type", json_object_new_string(type));
    json_object_object_add(err, "code", json_object_new_string(num));
    json_object_object_add(root, "error", err);
    out = strdup(ju_text(root));
    json_object_put(root);
    return out;
}

static enum conn_next answer(const struct conn_reader *r,
                             const struct request *req, int status,
                             const char *body)
{
    if (resp_json(r->fd, status, body, req->keep_alive) != OUT_OK)
        return CONN_CLOSE;
    return req->keep_alive ? CONN_KEEP : CONN_CLOSE;
}

static enum conn_next send_error(const struct conn_reader *r,
                                 const struct request *req, int status,
                                 const char *message, const char *type)
{
    char *body = is_messages_path(req->target)
                     ? messages_error_json(message, status)
                     : error_json(message, type, status);
    enum conn_next next;

    if (!body)
        return CONN_CLOSE;
    next = answer(r, req, status, body);
    free(body);
    return next;
}

static void log_line(const struct server *srv, const struct request *req,
                     int status, const char *scenario)
{
    if (srv->quiet)
        return;
    fprintf(stderr, "mock-server: %s %s -> %d%s%s\n", req->method,
            req->target, status, scenario ? " " : "", scenario ? scenario : "");
}

/* GET /model/info: one entry per distinct scenario model, load order. */
static char *model_info_json(const struct server *srv)
{
    json_object *root = json_object_new_object();
    json_object *data = json_object_new_array();
    char *out;

    for (size_t i = 0; i < srv->n_scn; i++) {
        const struct scenario *sc = srv->scn[i];
        json_object *entry, *params, *info = NULL;
        bool dup = false;

        if (!sc->model)
            continue;
        for (size_t j = 0; j < i && !dup; j++)
            dup = srv->scn[j]->model && strcmp(srv->scn[j]->model, sc->model) == 0;
        if (dup)
            continue;
        entry = json_object_new_object();
        params = json_object_new_object();
        json_object_object_add(entry, "model_name",
                               json_object_new_string(sc->model));
        json_object_object_add(params, "model", json_object_new_string(sc->model));
        json_object_object_add(entry, "litellm_params", params);
        /* A deep copy, not json_object_get(): scenario objects are shared
         * by all threads and json-c's reference count is not atomic. */
        if (!sc->model_info ||
            json_object_deep_copy(sc->model_info, &info, NULL) != 0)
            info = json_object_new_object();
        json_object_object_add(entry, "model_info", info);
        json_object_array_add(data, entry);
    }
    json_object_object_add(root, "data", data);
    out = strdup(ju_text(root));
    json_object_put(root);
    return out;
}

/* Built-in routes ignore the query string (clients add
 * ?litellm_model_id=...), which is why they compare the path part only. */
static bool path_is(const char *target, const char *path)
{
    size_t n = strlen(path);
    return strncmp(target, path, n) == 0 &&
           (target[n] == '\0' || target[n] == '?');
}

/* Returns true and answers when req is for a built-in route. */
static bool builtin(struct server *srv, const struct conn_reader *r,
                    const struct request *req,
                    json_object *body, bool body_is_json, enum conn_next *next)
{
    bool v1 = path_is(req->target, "/v1/model/info");
    char *info;

    if (strcmp(req->method, "GET") != 0)
        return false;
    if (path_is(req->target, "/health/liveliness") ||
        path_is(req->target, "/health/liveness")) {
        rec_write(&srv->rec, req, body, body_is_json, NULL, false);
        *next = answer(r, req, 200, "\"I'm alive!\"");
        log_line(srv, req, 200, NULL);
        return true;
    }
    if (!v1 && !path_is(req->target, "/model/info"))
        return false;
    rec_write(&srv->rec, req, body, body_is_json, NULL, false);
    if (srv->fail_model_info) {
        *next = send_error(r, req, 500, "mock-server: model info disabled "
                           "(--fail-model-info)", "internal_server_error");
        log_line(srv, req, 500, NULL);
    } else if (v1 && srv->no_v1_model_info) {
        *next = send_error(r, req, 404, "mock-server: /v1/model/info disabled "
                           "(--no-v1-model-info)", "not_found");
        log_line(srv, req, 404, NULL);
    } else if ((info = model_info_json(srv)) != NULL) {
        *next = answer(r, req, 200, info);
        free(info);
        log_line(srv, req, 200, NULL);
    } else {
        *next = CONN_CLOSE;
    }
    return true;
}

/* Picks the scenario for a chat request, or NULL with *why set. */
static const struct scenario *choose(struct server *srv, const char *model,
                                     int *status, char **why)
{
    const struct scenario *sc = NULL;

    if (srv->sequence) {
        pthread_mutex_lock(&srv->seq_lock);
        if (srv->seq_next < srv->n_scn) {
            sc = srv->scn[srv->seq_next];
            /* A repeating scenario is never used up: the sequence stays
             * on it, so it is normally the last one. */
            if (!sc->repeat)
                srv->seq_next++;
        }
        pthread_mutex_unlock(&srv->seq_lock);
        if (!sc) {
            *status = 418;
            *why = strdup("mock-server: sequence exhausted");
        }
        return sc;
    }
    for (size_t i = 0; model && i < srv->n_scn; i++) {
        if (srv->scn[i]->model && strcmp(srv->scn[i]->model, model) == 0)
            return srv->scn[i];
    }
    *status = 404;
    if (asprintf(why, "mock-server: no scenario for model %s",
                 model ? model : "(none)") < 0)
        *why = NULL;
    return NULL;
}

static enum conn_next chat(struct server *srv, struct conn_reader *r,
                           const struct request *req, json_object *body,
                           bool body_is_json)
{
    json_object *jm = NULL;
    const char *model = NULL;
    const struct scenario *sc;
    enum conn_next next;
    char *why = NULL, *failed, *msg;
    int status = 0;

    if (body_is_json && json_object_object_get_ex(body, "model", &jm) &&
        json_object_is_type(jm, json_type_string))
        model = json_object_get_string(jm);
    sc = choose(srv, model, &status, &why);
    rec_write(&srv->rec, req, body, body_is_json, sc ? sc->name : NULL,
              sc && sc->record_body_text);
    if (!sc) {
        next = send_error(r, req, status, why ? why : "mock-server: no scenario",
                          status == 418 ? "mock_expectation" : "not_found");
        fprintf(stderr, "%s\n", why ? why : "mock-server: no scenario");
        log_line(srv, req, status, NULL);
        free(why);
        return next;
    }
    failed = expect_check(sc, req, body, body_is_json);
    if (failed) {
        if (asprintf(&msg, "mock-server expectation failed: %s", failed) < 0)
            msg = NULL;
        /* Always on stderr, even with --quiet: this is a test failing. */
        fprintf(stderr, "%s\n", msg ? msg : failed);
        next = send_error(r, req, 418, msg ? msg : failed, "mock_expectation");
        log_line(srv, req, 418, sc->name);
        free(msg);
        free(failed);
        return next;
    }
    log_line(srv, req, sc->status, sc->name);
    return serve_scenario(srv, r, req, sc,
                          model ? model : sc->model ? sc->model : "mock-model");
}

enum conn_next route_request(struct server *srv, struct conn_reader *r,
                             const struct request *req)
{
    json_object *body = NULL;
    bool is_null = false, body_is_json = false;
    enum conn_next next;

    if (req->body && req->body_len) {
        body = ju_parse(req->body, req->body_len, &is_null);
        body_is_json = body || is_null;
    }
    if (!builtin(srv, r, req, body, body_is_json, &next))
        next = chat(srv, r, req, body, body_is_json);
    json_object_put(body);
    /* Count only after the answer is out, so --max-requests N never cuts
     * the Nth response short. */
    if (srv->max_requests &&
        atomic_fetch_add(&srv->served, 1) + 1 == srv->max_requests)
        server_wake(srv);
    return next;
}
