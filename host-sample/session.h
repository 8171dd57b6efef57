/*
 * session.h - the conversation on disk: a JSON array of Strands messages,
 * the very shape stream() takes (binary payloads as base64 text).
 *
 * Saving is atomic: the new text goes to a temporary file in the same
 * directory, which is fsync'd and renamed over the old one, and then the
 * directory is fsync'd.  A crash or a full disk leaves either the old
 * session or the new one, never a mix or a truncated file.  The new file
 * keeps the old one's permission bits; a new session file is 0600.
 *
 * A crash in the middle of a save leaves its temporary file
 * (.NAME.tmp-PID) behind.  Only a save by a process with that same pid
 * removes it: another process cannot tell a crashed writer's file from a
 * live one's, and must never remove a file a live process is writing.
 *
 * Fault injection for tests, through the environment:
 *   AGENT_HOST_FAULT=session-write  the write fails (as with ENOSPC) after
 *                                   half of the temporary file
 *   AGENT_HOST_FAULT=session-crash  the process dies (_exit(70)) after
 *                                   half of the temporary file
 */
#ifndef HOST_SESSION_H
#define HOST_SESSION_H

#include <json-c/json.h>
#include <stddef.h>

/* Read the session at `path` into *out (a new array; an empty one when the
 * file does not exist yet or is empty, e.g. made by `touch`).  Returns 0,
 * or -1 with the reason in `why` when the file cannot be read or is not a
 * valid conversation; the file is never modified. */
int session_load(const char *path, json_object **out, char *why, size_t len);

/* Whether a session can be saved at `path` later: its folder exists and
 * is writable (the save writes a temporary file there and renames it), and
 * `path` is not a folder.  Checked before the first model call, so a typo
 * in the path costs no tokens.  0, or -1 with the reason in `why`. */
int session_check_path(const char *path, char *why, size_t len);

/* Save `conv` to `path` atomically.  Returns 0, or -1 with the reason in
 * `why`; on failure the previous file is intact and no temporary file is
 * left behind. */
int session_save(const char *path, json_object *conv, char *why, size_t len);

#endif
