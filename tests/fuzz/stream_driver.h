/*
 * stream_driver.h - one driver for the response mapper of every wire
 * adapter (core/wire.h).
 *
 * A wire adapter's fuzz target is one small file: its "fuzz-seeds:" and
 * "fuzz-dict:" lines and FZ_WIRE_TARGET(lp_wire_xxx).  This driver does
 * the rest, through the adapter's lp_wire entry points (new_mapper, feed,
 * finish, cut, map_whole, free_mapper): it splits the input the way a
 * network would (in one piece, byte by byte, or at pseudo-random points),
 * ends the body cleanly, cuts it (connection reset or timeout) or hands
 * it over whole (a non-streaming answer), sometimes stops from the event
 * callback, sometimes with small limits, and checks the ABI contract on
 * everything that comes out (contract.h), the configured secrets included
 * (fz_secrets).
 *
 * The input is the response body as the server sends it; its LAST byte
 * also chooses the mode (XOR '\n', so a recorded transcript, which ends in
 * "\n", is replayed plainly: one piece, clean end).  See README.md.
 */
#ifndef FUZZ_STREAM_DRIVER_H
#define FUZZ_STREAM_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "../../plugin/core/wire.h"

/* Run one input through `w`'s mapper, checking the contract (aborts on a
 * break).  Returns the call's status. */
int fz_stream_run(const lp_wire *w, const uint8_t *data, size_t size);

#define FZ_WIRE_TARGET(wire)                                               \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)           \
    {                                                                      \
        fz_stream_run(&(wire), data, size);                                \
        return 0;                                                          \
    }

#endif
