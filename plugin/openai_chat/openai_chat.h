/*
 * openai_chat.h - the OpenAI /chat/completions wire adapter (see
 * core/wire.h): LiteLLM proxies and every OpenAI-compatible provider of
 * the route table speak it.
 */
#ifndef LP_OPENAI_CHAT_H
#define LP_OPENAI_CHAT_H

#include "../core/wire.h"

extern const lp_wire lp_wire_openai_chat;

#endif
