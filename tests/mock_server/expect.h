/* expect.h - check a request against a scenario's `expect.*` lines. */
#ifndef MOCK_EXPECT_H
#define MOCK_EXPECT_H

#include <stdbool.h>
#include <json-c/json.h>

struct scenario;
struct request;

/* Returns NULL when every expectation holds, otherwise a malloc'd message
 * naming each failed expectation and what the request had instead, for
 * the 418 answer and the log. body is the parsed request body (NULL with
 * body_is_json for a literal null); body_is_json is false when the body
 * was missing or not JSON. */
char *expect_check(const struct scenario *sc, const struct request *req,
                   json_object *body, bool body_is_json);

#endif
