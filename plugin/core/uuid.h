/*
 * uuid.h - random (version 4) UUIDs, for the ids the plugin has to make up
 * (a tool call that arrived without one, reference-update 2.4).
 *
 * The bytes come from the kernel's generator (getrandom(2), else
 * /dev/urandom): ids must not repeat across instances, processes or
 * machines, which a seeded PRNG cannot promise.
 *
 * Thread: [any-thread].
 */
#ifndef LP_UUID_H
#define LP_UUID_H

/* Length of the canonical text form, without the NUL. */
#define LP_UUID_TEXT_LEN 36

/* Write a random UUID version 4 in canonical lower-case form
 * ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx") and a NUL into out[0..36].
 * Returns MP_OK, or MP_E_INTERNAL when no random bytes could be had (out
 * is then an empty string). */
int lp_uuid4(char out[LP_UUID_TEXT_LEN + 1]);

#endif
