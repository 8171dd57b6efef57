/*
 * video_sniff.c - the container of a video that came without a "format"
 * (decision 29; the reference sends such a video anyway), read from the
 * signature at the start of its bytes.  See request_internal.h.
 *
 * Only the leading bytes a signature needs are decoded (a few hundred, for
 * MPEG-TS's second sync byte), never the whole payload.
 */
#include <string.h>

#include "request_internal.h"

/* Enough for every signature below: M2TS's second sync byte is at 196. */
#define SNIFF_BYTES 300

/* Decode the leading bytes of standard base64 (already validated) into
 * out[0..cap); returns the byte count. */
static size_t decode_head(const char *s, size_t len, unsigned char *out,
                          size_t cap)
{
    size_t take = cap / 3 * 4, n = 0;
    if (take > len)
        take = len;
    strbuf sb;
    sb_init(&sb, cap + 3);
    if (!rq_base64_decode(s, take, &sb) && sb.data) {
        n = sb.len < cap ? sb.len : cap;
        memcpy(out, sb.data, n);
    }
    sb_free(&sb);
    return n;
}

static int at(const unsigned char *b, size_t n, size_t off, const char *sig,
              size_t len)
{
    return off + len <= n && memcmp(b + off, sig, len) == 0;
}

static int contains(const unsigned char *b, size_t n, const char *word)
{
    size_t k = strlen(word);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, word, k) == 0)
            return 1;
    return 0;
}

/* ISO base media (MP4, QuickTime, 3GPP): a box whose type is "ftyp" and
 * whose major brand names the flavour; old QuickTime files start with a
 * moov, mdat, wide or pnot atom instead. */
static const char *iso_bmff(const unsigned char *b, size_t n)
{
    if (at(b, n, 4, "ftyp", 4)) {
        if (at(b, n, 8, "qt  ", 4))
            return "mov";
        if (at(b, n, 8, "3gp", 3) || at(b, n, 8, "3g2", 3))
            return "three_gp";
        return "mp4";
    }
    static const char *const atoms[] = {"moov", "mdat", "wide", "pnot"};
    for (size_t i = 0; i < sizeof atoms / sizeof *atoms; i++)
        if (at(b, n, 4, atoms[i], 4))
            return "mov";
    return NULL;
}

/* MPEG transport stream: a 0x47 sync byte every 188 bytes (or every 192,
 * after a 4-byte timestamp, in M2TS). */
static int mpeg_ts(const unsigned char *b, size_t n)
{
    return (n > 188 && b[0] == 0x47 && b[188] == 0x47) ||
           (n > 196 && b[4] == 0x47 && b[196] == 0x47);
}

const char *rq_video_sniff(const char *b64, size_t len)
{
    static const char asf_guid[16] = "\x30\x26\xB2\x75\x8E\x66\xCF\x11"
                                     "\xA6\xD9\x00\xAA\x00\x62\xCE\x6C";
    unsigned char b[SNIFF_BYTES];
    size_t n = decode_head(b64, len, b, sizeof b);
    const char *iso = iso_bmff(b, n);
    if (iso)
        return iso;
    if (at(b, n, 0, "\x1A\x45\xDF\xA3", 4)) /* EBML: its DocType says */
        return contains(b, n < 64 ? n : 64, "webm") ? "webm" : "mkv";
    if (at(b, n, 0, "FLV\x01", 4))
        return "flv";
    if (at(b, n, 0, "RIFF", 4) && at(b, n, 8, "AVI ", 4))
        return "x-msvideo";
    if (at(b, n, 0, asf_guid, sizeof asf_guid))
        return "wmv";
    if (at(b, n, 0, "\x00\x00\x01\xBA", 4) || at(b, n, 0, "\x00\x00\x01\xB3", 4))
        return "mpeg";
    if (mpeg_ts(b, n))
        return "mp2t";
    if (at(b, n, 0, "OggS", 4))
        return "ogg";
    return NULL;
}
