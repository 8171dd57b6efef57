/*
 * anthropic.h - Anthropic's Messages API (POST /v1/messages) as a wire
 * adapter (core/wire.h).  The contract is ../shared/spec/anthropic-wire.md;
 * the files of this folder each do one part of it (README in plugin/).
 */
#ifndef LP_ANTHROPIC_H
#define LP_ANTHROPIC_H

#include "../core/wire.h"

extern const lp_wire lp_wire_anthropic;

#endif
