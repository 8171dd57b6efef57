/* tools.c - the built-in tools; see tools.h. */
#include "tools.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "calc.h"

/* A tool either fills `json` (a result object) or writes text to `text`;
 * it returns 0 on success, -1 with the reason in `text` on failure. */
typedef int (*tool_fn)(json_object *input, json_object **json, char *text,
                       size_t len);

typedef struct tool {
    const char *name;
    const char *description;
    const char *schema; /* the input JSON Schema */
    tool_fn run;
} tool;

/* The string field `key` of the input object, or NULL with a message. */
static const char *str_field(json_object *input, const char *key,
                             int required, char *text, size_t len)
{
    json_object *v = NULL;
    if (!json_object_is_type(input, json_type_object)) {
        snprintf(text, len, "the input must be a JSON object");
        return NULL;
    }
    if (!json_object_object_get_ex(input, key, &v)) {
        if (required)
            snprintf(text, len, "the input needs \"%s\" (a string)", key);
        return NULL;
    }
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(text, len, "\"%s\" must be a string", key);
        return NULL;
    }
    return json_object_get_string(v);
}

static int run_calculator(json_object *input, json_object **json, char *text,
                          size_t len)
{
    (void)json;
    const char *expr = str_field(input, "expression", 1, text, len);
    return expr ? calc_eval(expr, text, len) : -1;
}

static int run_current_time(json_object *input, json_object **json,
                            char *text, size_t len)
{
    const char *tz = NULL;
    if (json_object_is_type(input, json_type_object)) {
        text[0] = '\0';
        tz = str_field(input, "timezone", 0, text, len);
        if (!tz && text[0])
            return -1;
    }
    int local = tz && strcmp(tz, "local") == 0;
    if (tz && !local && strcmp(tz, "UTC") != 0) {
        snprintf(text, len, "timezone must be \"UTC\" or \"local\", not \"%s\"", tz);
        return -1;
    }
    time_t now = time(NULL);
    struct tm tm;
    char iso[64];
    if (local)
        localtime_r(&now, &tm);
    else
        gmtime_r(&now, &tm);
    strftime(iso, sizeof iso, local ? "%Y-%m-%dT%H:%M:%S%z" : "%Y-%m-%dT%H:%M:%SZ", &tm);
    *json = json_object_new_object();
    json_object_object_add(*json, "iso8601", json_object_new_string(iso));
    json_object_object_add(*json, "unix", json_object_new_int64((int64_t)now));
    json_object_object_add(*json, "timezone",
                           json_object_new_string(local ? "local" : "UTC"));
    return 0;
}

static int run_word_count(json_object *input, json_object **json, char *text,
                          size_t len)
{
    const char *s = str_field(input, "text", 1, text, len);
    if (!s)
        return -1;
    int64_t words = 0, lines = 0, chars = 0, bytes = 0;
    int in_word = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++, bytes++) {
        int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
                    *p == '\v' || *p == '\f';
        words += !space && !in_word;
        in_word = !space;
        lines += *p == '\n';
        chars += (*p & 0xC0) != 0x80; /* count UTF-8 lead bytes only */
    }
    if (bytes && s[bytes - 1] != '\n')
        lines++; /* a last line without its newline still counts */
    *json = json_object_new_object();
    json_object_object_add(*json, "words", json_object_new_int64(words));
    json_object_object_add(*json, "lines", json_object_new_int64(lines));
    json_object_object_add(*json, "characters", json_object_new_int64(chars));
    json_object_object_add(*json, "bytes", json_object_new_int64(bytes));
    return 0;
}

static const tool tools[] = {
    {"calculator",
     "Evaluate an arithmetic expression exactly. Supports integers and "
     "decimals, + - * / % (floored remainder), parentheses and unary minus. "
     "Results are exact; a division that does not terminate is given as a "
     "fraction with an approximation.",
     "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\","
     "\"description\":\"The expression, e.g. (2 + 3) * 4 / 7\"}},"
     "\"required\":[\"expression\"]}",
     run_calculator},
    {"current_time",
     "Get the current date and time as ISO 8601 text and Unix seconds.",
     "{\"type\":\"object\",\"properties\":{\"timezone\":{\"type\":\"string\","
     "\"enum\":[\"UTC\",\"local\"],\"description\":\"UTC (default) or the "
     "machine's local time\"}}}",
     run_current_time},
    {"word_count",
     "Count the words, lines, characters and bytes of a text.",
     "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\","
     "\"description\":\"The text to count\"}},\"required\":[\"text\"]}",
     run_word_count},
};

#define N_TOOLS (sizeof tools / sizeof tools[0])

int tools_select(tool_set *ts, const char *list, char *err, size_t errlen)
{
    ts->mask = 0;
    if (!list || strcmp(list, "all") == 0) {
        ts->mask = (1u << N_TOOLS) - 1;
        return 0;
    }
    if (strcmp(list, "none") == 0)
        return 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        size_t i = 0;
        while (i < N_TOOLS && !(strlen(tools[i].name) == n &&
                                strncmp(tools[i].name, p, n) == 0))
            i++;
        if (i == N_TOOLS) {
            snprintf(err, errlen, "unknown tool \"%.*s\" in --tools (known: "
                     "calculator, current_time, word_count, all, none)",
                     (int)n, p);
            return -1;
        }
        ts->mask |= 1u << i;
        p += n + (p[n] == ',');
    }
    return 0;
}

json_object *tools_specs(const tool_set *ts)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; arr && i < N_TOOLS; i++) {
        if (!(ts->mask & (1u << i)))
            continue;
        json_object *spec = json_object_new_object();
        json_object *schema = json_object_new_object();
        json_object_object_add(schema, "json", json_tokener_parse(tools[i].schema));
        json_object_object_add(spec, "name", json_object_new_string(tools[i].name));
        json_object_object_add(spec, "description",
                               json_object_new_string(tools[i].description));
        json_object_object_add(spec, "inputSchema", schema);
        json_object_array_add(arr, spec);
    }
    return arr;
}

static json_object *result_block(json_object *id, int ok, json_object *item)
{
    json_object *content = json_object_new_array();
    json_object *tr = json_object_new_object();
    json_object *block = json_object_new_object();
    json_object_array_add(content, item);
    json_object_object_add(tr, "toolUseId", json_object_get(id));
    json_object_object_add(tr, "status",
                           json_object_new_string(ok ? "success" : "error"));
    json_object_object_add(tr, "content", content);
    json_object_object_add(block, "toolResult", tr);
    return block;
}

static json_object *text_item(const char *key, json_object *value)
{
    json_object *item = json_object_new_object();
    json_object_object_add(item, key, value);
    return item;
}

json_object *tools_run(const tool_set *ts, json_object *tool_use,
                       int input_invalid)
{
    json_object *id = NULL, *name = NULL, *input = NULL, *json = NULL;
    json_object_object_get_ex(tool_use, "toolUseId", &id);
    json_object_object_get_ex(tool_use, "name", &name);
    json_object_object_get_ex(tool_use, "input", &input);
    const char *tname = json_object_get_string(name);
    char text[1024] = "";
    size_t i = 0;
    while (i < N_TOOLS && !(tname && (ts->mask & (1u << i)) &&
                            strcmp(tools[i].name, tname) == 0))
        i++;
    int rc = -1;
    if (i == N_TOOLS)
        snprintf(text, sizeof text, "unknown tool \"%s\"; this agent has "
                 "only the tools in its tool specs", tname ? tname : "");
    else if (input_invalid)
        snprintf(text, sizeof text, "the tool input is not valid JSON; "
                 "send a JSON object matching the input schema");
    else
        rc = tools[i].run(input, &json, text, sizeof text);
    if (rc == 0 && json)
        return result_block(id, 1, text_item("json", json));
    json_object_put(json);
    return result_block(id, rc == 0, text_item("text", json_object_new_string(text)));
}

int tools_result_failed(json_object *tool_result)
{
    json_object *tr = NULL, *status = NULL;
    json_object_object_get_ex(tool_result, "toolResult", &tr);
    json_object_object_get_ex(tr, "status", &status);
    const char *s = json_object_get_string(status);
    return !s || strcmp(s, "success") != 0;
}

const char *tools_result_text(json_object *tool_result)
{
    json_object *tr = NULL, *content = NULL, *v = NULL;
    json_object_object_get_ex(tool_result, "toolResult", &tr);
    json_object_object_get_ex(tr, "content", &content);
    json_object *item = json_object_array_get_idx(content, 0);
    if (json_object_object_get_ex(item, "text", &v))
        return json_object_get_string(v);
    if (json_object_object_get_ex(item, "json", &v))
        return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                     JSON_C_TO_STRING_NOSLASHESCAPE);
    return "";
}
