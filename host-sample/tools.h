/*
 * tools.h - the sample host's built-in tools and their Strands tool specs.
 *
 *   calculator    {"expression": "..."}  exact arithmetic (calc.h)
 *   current_time  {"timezone": "UTC" | "local"}  (optional, default UTC)
 *   word_count    {"text": "..."}  words, lines, characters and bytes
 *
 * A tool call becomes one Strands toolResult block:
 *   {"toolResult":{"toolUseId":I,"status":"success"|"error",
 *                  "content":[{"text":...} | {"json":...}]}}
 * Every failure (an unknown tool, input that is not a JSON object, a
 * missing field, division by zero) is an "error" result whose text says
 * what went wrong, so the model can correct itself; nothing here aborts
 * the agent loop.
 */
#ifndef HOST_TOOLS_H
#define HOST_TOOLS_H

#include <json-c/json.h>
#include <stddef.h>

/* Which tools are enabled (one bit per tool). */
typedef struct tool_set {
    unsigned mask;
} tool_set;

/* Enable "all", "none" or a comma-separated list of tool names.  Returns 0,
 * or -1 with a message naming the unknown tool. */
int tools_select(tool_set *ts, const char *list, char *err, size_t errlen);

/* The tool specs of the enabled tools as a new JSON array
 * ([{"name","description","inputSchema":{"json":{...}}}]); an empty array
 * when none is enabled; NULL if out of memory. */
json_object *tools_specs(const tool_set *ts);

/* Run the toolUse block `tool_use` ({"toolUseId","name","input"}) and
 * return its toolResult block (a new reference; NULL only if out of
 * memory).  `input_invalid` says the model's input text was not valid
 * JSON (the assembler then stored {}): the result is an error. */
json_object *tools_run(const tool_set *ts, json_object *tool_use,
                       int input_invalid);

/* Whether a toolResult block made by tools_run reports an error. */
int tools_result_failed(json_object *tool_result);

/* The text of the first content item of a toolResult, or its JSON text,
 * for display (borrowed from the block). */
const char *tools_result_text(json_object *tool_result);

#endif
