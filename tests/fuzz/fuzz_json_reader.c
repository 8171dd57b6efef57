/*
 * fuzz_json_reader.c - the plugin's JSON reader (plugin/core/json_reader.h)
 * against json-c on the same bytes: both accept and read the same value,
 * or both refuse, apart from the differences the reader's header lists as
 * intended.  Each input is read twice with one doc, as the mapper reuses
 * its buffers from payload to payload: the second read must agree too.
 *
 * fuzz-seeds: tests/fuzz/seeds/json_reader $TRANSCRIPTS
 * fuzz-dict: json.dict
 */
#include <stdint.h>
#include <string.h>

#include "contract.h"
#include "../support/json_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];
    if (!js_same_text((const char *)data, size, 64, why, sizeof why))
        fz_fail("the reader and json-c differ: %s", why);
    /* Reuse: a doc that read something else first reads this the same. */
    jr_doc d;
    jr_init(&d, 64);
    const jr_val *a, *b;
    enum jr_status s1 = jr_parse(&d, "[\"warm\",{\"x\":[1,2,3]}]", 22, &a);
    if (s1 != JR_OK)
        fz_fail("the warm-up text did not parse");
    jr_doc fresh;
    jr_init(&fresh, 64);
    enum jr_status s2 = jr_parse(&d, (const char *)data, size, &a);
    enum jr_status s3 = jr_parse(&fresh, (const char *)data, size, &b);
    if (s2 != s3)
        fz_fail("a reused doc says %d, a fresh one %d", (int)s2, (int)s3);
    if (s2 == JR_OK && (d.nvals != fresh.nvals ||
                        a->src_len != b->src_len || a->span != b->span))
        fz_fail("a reused doc reads another shape");
    jr_free(&d);
    jr_free(&fresh);
    return 0;
}
