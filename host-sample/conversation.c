/* conversation.c - Strands messages and their edits; see conversation.h. */
#include "conversation.h"

#include <string.h>

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

int conv_add_user_text(json_object *conv, const char *text)
{
    json_object *msg = json_object_new_object();
    json_object *content = json_object_new_array();
    json_object *block = json_object_new_object();
    json_object *str = json_object_new_string(text);
    if (!msg || !content || !block || !str) {
        json_object_put(msg);
        json_object_put(content);
        json_object_put(block);
        json_object_put(str);
        return -1;
    }
    json_object_object_add(block, "text", str);
    json_object_array_add(content, block);
    json_object_object_add(msg, "role", json_object_new_string("user"));
    json_object_object_add(msg, "content", content);
    return json_object_array_add(conv, msg);
}

int conv_has_block(json_object *msg, const char *key)
{
    json_object *content = get(msg, "content");
    size_t n = json_object_is_type(content, json_type_array)
                   ? json_object_array_length(content) : 0;
    for (size_t i = 0; i < n; i++)
        if (get(json_object_array_get_idx(content, i), key))
            return 1;
    return 0;
}

static int is_blank(const char *s)
{
    while (s && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
                 *s == '\v' || *s == '\f'))
        s++;
    return !s || !*s;
}

static int valid_tool_name(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 64)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                     "0123456789_-") == n;
}

void conv_normalize_assistant(json_object *msg)
{
    json_object *content = get(msg, "content");
    if (!json_object_is_type(content, json_type_array))
        return;
    int has_tool = conv_has_block(msg, "toolUse");
    for (size_t i = json_object_array_length(content); i-- > 0;) {
        json_object *block = json_object_array_get_idx(content, i);
        json_object *text = get(block, "text"), *tu = get(block, "toolUse");
        if (text && is_blank(json_object_get_string(text))) {
            if (has_tool)
                json_object_array_del_idx(content, i, 1);
            else
                json_object_object_add(block, "text",
                                       json_object_new_string("[blank text]"));
        } else if (tu && !valid_tool_name(json_object_get_string(get(tu, "name")))) {
            json_object_object_add(tu, "name",
                                   json_object_new_string("INVALID_TOOL_NAME"));
        }
    }
    if (json_object_array_length(content) == 0) {
        json_object *block = json_object_new_object();
        json_object_object_add(block, "text", json_object_new_string("[blank text]"));
        json_object_array_add(content, block);
    }
}

void conv_normalize(json_object *conv)
{
    for (size_t i = 0; i < json_object_array_length(conv); i++) {
        json_object *msg = json_object_array_get_idx(conv, i);
        const char *role = json_object_get_string(get(msg, "role"));
        if (role && strcmp(role, "assistant") == 0)
            conv_normalize_assistant(msg);
    }
}

static int valid_start(json_object *msg)
{
    const char *role = json_object_get_string(get(msg, "role"));
    return role && strcmp(role, "user") == 0 && !conv_has_block(msg, "toolResult");
}

int conv_reduce(json_object *conv, size_t window)
{
    size_t n = json_object_array_length(conv);
    size_t cut = n <= window ? 2 : n - window;
    while (cut < n && !valid_start(json_object_array_get_idx(conv, cut)))
        cut++;
    if (cut >= n)
        return -1;
    json_object_array_del_idx(conv, 0, cut);
    return (int)cut;
}

int conv_check(json_object *conv, char *why, size_t len)
{
    if (!json_object_is_type(conv, json_type_array)) {
        snprintf(why, len, "expected a JSON array of messages");
        return -1;
    }
    size_t n = json_object_array_length(conv);
    for (size_t i = 0; i < n; i++) {
        json_object *msg = json_object_array_get_idx(conv, i);
        const char *role = json_object_get_string(get(msg, "role"));
        json_object *content = get(msg, "content");
        if (!json_object_is_type(msg, json_type_object) || !role ||
            (strcmp(role, "user") != 0 && strcmp(role, "assistant") != 0)) {
            snprintf(why, len, "[%zu]: expected a message with role \"user\" "
                     "or \"assistant\"", i);
            return -1;
        }
        if (!json_object_is_type(content, json_type_array)) {
            snprintf(why, len, "[%zu].content: expected an array", i);
            return -1;
        }
        for (size_t j = 0; j < json_object_array_length(content); j++) {
            json_object *block = json_object_array_get_idx(content, j);
            if (!json_object_is_type(block, json_type_object) ||
                json_object_object_length(block) != 1) {
                snprintf(why, len, "[%zu].content[%zu]: expected an object "
                         "with one key", i, j);
                return -1;
            }
        }
    }
    return 0;
}

/* At most `max` bytes of `s`, with "..." when cut. */
static void print_clipped(FILE *out, const char *s, int max)
{
    int n = (int)strlen(s);
    fprintf(out, "%.*s%s", n > max ? max : n, s, n > max ? "..." : "");
}

static const char *plain(json_object *v)
{
    return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                              JSON_C_TO_STRING_NOSLASHESCAPE);
}

void conv_print(json_object *conv, FILE *out)
{
    size_t n = json_object_array_length(conv);
    if (n == 0)
        fprintf(out, "(the conversation is empty)\n");
    for (size_t i = 0; i < n; i++) {
        json_object *msg = json_object_array_get_idx(conv, i);
        json_object *content = get(msg, "content");
        fprintf(out, "%3zu %-9s ", i + 1, json_object_get_string(get(msg, "role")));
        for (size_t j = 0; j < json_object_array_length(content); j++) {
            json_object *b = json_object_array_get_idx(content, j), *v;
            if (j)
                fprintf(out, " | ");
            if ((v = get(b, "text"))) {
                print_clipped(out, plain(v), 100);
            } else if ((v = get(b, "toolUse"))) {
                fprintf(out, "toolUse %s ", json_object_get_string(get(v, "name")));
                print_clipped(out, plain(get(v, "input")), 80);
            } else if ((v = get(b, "toolResult"))) {
                fprintf(out, "toolResult %s ", json_object_get_string(get(v, "status")));
                print_clipped(out, plain(get(v, "content")), 80);
            } else {
                json_object_object_foreach(b, key, val) {
                    (void)val;
                    fprintf(out, "%s", key);
                }
            }
        }
        fprintf(out, "\n");
    }
}
