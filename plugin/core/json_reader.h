/*
 * json_reader.h - a fast read-only JSON reader for the answers' payloads.
 *
 * Why not json-c, which reads everything else: a stream is a long run of
 * small payloads, and json-c builds each one as a tree of heap objects
 * (a hash table per object, a copy per key and string) only for the
 * mapper to look at a few members and free it all.  That cost about 95%
 * of a minimal client's CPU per chunk.  This reader writes one payload
 * into two buffers it keeps from payload to payload, and allocates
 * nothing once they have grown to the largest payload seen:
 *   - the values, in document order, each container followed by its
 *     members (an object's as name, value, name, value, ...), so that a
 *     value's next sibling is `span` values further on;
 *   - the strings' decoded bytes, each NUL-terminated.
 *
 * What it accepts is what json-c's strict mode accepted before it, so
 * the same bytes still give the same events, except:
 *   - spellings that break RFC 8259, which no server relies on and
 *     Python's json.loads (the reference's reader) refuses too, and
 *     json-c read: a single-quoted member name ({'a':1}), "1.", "1.e5",
 *     "-.5", "00" and "-01" (json-c's -1) are refused;
 *   - a number or literal at the very end of the input, which json-c
 *     could not finish, reads;
 *   - depth counts containers only: 64 nested arrays around a number
 *     read here at a limit of 64, where json-c counted the number as a
 *     65th level.
 *   - a surrogate pair for a code point whose low 16 bits fall in
 *     D800-DFFF (U+1D800-U+1DFFF: Sutton SignWriting, Latin Extended-G;
 *     and the same range of the planes above) is decoded; json-c 0.16
 *     took the decoded value for a surrogate again and gave U+FFFD.
 * Kept as json-c had them:
 *   - NaN, Infinity and -Infinity are numbers (Python's json.dumps writes
 *     them, and json.loads reads them);
 *   - raw control characters inside strings are kept as they are (a NUL
 *     byte, which ended json-c's input, is refused);
 *   - an unpaired \u surrogate becomes U+FFFD;
 *   - bytes that are not UTF-8 pass through (the mapper checks the
 *     strings it hands on);
 *   - an integer beyond 64 bits saturates (its `flag` set);
 *   - a repeated name is kept twice; jr_get finds the last, as json-c did.
 *
 * Numbers with a fraction or exponent are read with strtod_l on the C
 * locale object: a host's decimal-comma locale changes nothing, and no
 * locale lock is taken.
 *
 * Threads: a jr_doc belongs to one thread at a time; the values it
 * returns live until the next jr_parse or jr_free on the same doc.
 */
#ifndef LP_JSON_READER_H
#define LP_JSON_READER_H

#include <stddef.h>
#include <stdint.h>

enum jr_type {
    JR_NULL,
    JR_BOOL,
    JR_INT,
    JR_DOUBLE,
    JR_STRING,
    JR_ARRAY,
    JR_OBJECT
};

typedef struct jr_val {
    uint8_t type;  /* enum jr_type */
    uint8_t flag;  /* JR_BOOL: the value; JR_INT: 1 when saturated */
    uint32_t count; /* string: bytes; array: elements; object: members */
    uint32_t span; /* values in this one, itself and all it holds */
    uint32_t src;  /* where the value's text starts in the input */
    uint32_t src_len; /* and its length */
    union {
        const char *s; /* JR_STRING: `count` bytes and a NUL */
        int64_t i;
        double d;
    } u;
} jr_val;

/* Why a parse failed. */
enum jr_status {
    JR_OK,
    JR_E_SYNTAX,   /* err_at and err_what say where and what */
    JR_E_END,      /* the input ended inside a value */
    JR_E_TRAILING, /* a value, then something else than white space */
    JR_E_DEPTH,    /* nested deeper than the doc's limit */
    JR_E_TOO_LARGE,/* over 4 GiB: offsets are 32 bits */
    JR_E_NO_MEMORY
};

typedef struct jr_doc {
    jr_val *vals;
    size_t nvals, cap_vals;
    char *text;          /* the decoded strings */
    size_t cap_text;
    unsigned max_depth;
    /* After a failure: */
    size_t err_at;       /* the byte offset of the failure */
    const char *err_what;/* a static phrase, e.g. "expected ':'" */
} jr_doc;

/* An empty doc that refuses nesting deeper than max_depth containers. */
void jr_init(jr_doc *d, unsigned max_depth);
void jr_free(jr_doc *d);

/* Reads exactly one JSON value from s[0..len), white space around it
 * allowed.  On JR_OK *root is the value (owned by the doc). */
enum jr_status jr_parse(jr_doc *d, const char *s, size_t len,
                        const jr_val **root);

/* The accessors take NULL for "no value": jr_is(NULL, JR_NULL) is true,
 * as json-c's json_object_is_type was for a missing member. */
static inline int jr_is(const jr_val *v, enum jr_type t)
{
    return v ? v->type == (uint8_t)t : t == JR_NULL;
}

/* The first element or member value of a container (NULL when empty);
 * for an object, the first member's name (its value is name + 1). */
static inline const jr_val *jr_first(const jr_val *v)
{
    return v && (v->type == JR_ARRAY || v->type == JR_OBJECT) && v->count
               ? v + 1 : NULL;
}

/* The value after v inside the same container (valid only while one is
 * left: callers count to the container's `count`). */
static inline const jr_val *jr_next(const jr_val *v)
{
    return v + v->span;
}

/* obj's member named key (the last of that name); NULL when obj is not
 * an object or has none. */
const jr_val *jr_get(const jr_val *obj, const char *key);

/* A string's bytes ("" for anything else). */
static inline const char *jr_str(const jr_val *v)
{
    return v && v->type == JR_STRING ? v->u.s : "";
}

/* A string's length in bytes, an array's elements, an object's members;
 * 0 for NULL and the other types. */
static inline size_t jr_len(const jr_val *v)
{
    return v ? v->count : 0;
}

/* A number as an integer (a double truncated, saturating as json-c's
 * json_object_get_int64 did) or as a double; 0 for anything else. */
int64_t jr_int64(const jr_val *v);
double jr_double(const jr_val *v);

/* "object", "array", "string", "integer", "number", "boolean", "null":
 * the words lp_json_type_name uses, for the same messages. */
const char *jr_type_name(const jr_val *v);

/* An object's first member name; NULL for an empty object, NULL, or any
 * other type (an array's elements are not names). */
static inline const jr_val *jr_first_member(const jr_val *obj)
{
    return obj && obj->type == JR_OBJECT ? jr_first(obj) : NULL;
}

/* Iterate an object's members: `name` is each member's name (a JR_STRING
 * value: jr_str(name), jr_len(name)), `val` its value.  Anything but an
 * object has none. */
#define JR_FOREACH_MEMBER(obj, name, val)                                    \
    for (const jr_val *name = jr_first_member(obj),                          \
                      *val = name ? name + 1 : NULL,                         \
                      *jr_end_ = name ? (obj) + (obj)->span : NULL;          \
         name && name < jr_end_;                                             \
         name = val + val->span, val = name < jr_end_ ? name + 1 : NULL)

#endif
