/* record.c - the request log tests assert on. */
#include "record.h"
#include "http_request.h"
#include "json_util.h"

#include <stdlib.h>
#include <string.h>

int rec_open(struct recorder *rec, const char *path)
{
    memset(rec, 0, sizeof(*rec));
    pthread_mutex_init(&rec->lock, NULL);
    if (!path)
        return 0;
    rec->f = fopen(path, "a");
    rec->enabled = rec->f != NULL;
    return rec->f ? 0 : -1;
}

/* Headers become an object keyed by lower-case name in arrival order;
 * a repeated name appears once with its values joined by ", ". */
static json_object *headers_object(const struct request *req)
{
    json_object *h = json_object_new_object();

    for (size_t i = 0; h && i < req->n_headers; i++) {
        const char *name = req->headers[i].name;
        char *joined;
        if (json_object_object_get_ex(h, name, NULL))
            continue;
        joined = req_header_joined(req, name);
        json_object_object_add(h, name,
                               json_object_new_string(joined ? joined : ""));
        free(joined);
    }
    return h;
}

static json_object *body_value(const struct request *req, json_object *body,
                               bool body_is_json)
{
    if (body_is_json)
        return json_object_get(body);  /* NULL stays JSON null */
    if (!req->body)
        return NULL;
    return json_object_new_string_len(req->body, (int)req->body_len);
}

void rec_write(struct recorder *rec, const struct request *req,
               json_object *body, bool body_is_json, const char *scenario,
               bool with_text)
{
    json_object *line;
    const char *text;

    if (!rec->enabled)
        return;
    line = json_object_new_object();
    if (!line)
        return;
    json_object_object_add(line, "method", json_object_new_string(req->method));
    json_object_object_add(line, "path", json_object_new_string(req->target));
    json_object_object_add(line, "headers", headers_object(req));
    json_object_object_add(line, "body", body_value(req, body, body_is_json));
    if (with_text)
        json_object_object_add(line, "body_text",
                               body_value(req, NULL, false));
    json_object_object_add(line, "scenario",
                           scenario ? json_object_new_string(scenario) : NULL);
    json_object_object_add(line, "conn",
                           json_object_new_int64((int64_t)req->conn_id));
    /* Serialize outside the lock (a body can be 64 MiB), then splice seq
     * in front under the lock so numbers follow file order. */
    text = ju_text(line);
    pthread_mutex_lock(&rec->lock);
    if (rec->f && text && text[0] == '{') {
        fprintf(rec->f, "{\"seq\":%lu,%s\n", ++rec->seq, text + 1);
        fflush(rec->f);
    }
    pthread_mutex_unlock(&rec->lock);
    json_object_put(line);
}

void rec_close(struct recorder *rec)
{
    pthread_mutex_lock(&rec->lock);
    if (rec->f)
        fclose(rec->f);
    rec->f = NULL;
    pthread_mutex_unlock(&rec->lock);
}
