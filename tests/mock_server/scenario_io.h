/* scenario_io.h - file and body helpers used while loading scenarios.
 * Internal to scenario.c and scenario_io.c. */
#ifndef MOCK_SCENARIO_IO_H
#define MOCK_SCENARIO_IO_H

#include <stdbool.h>
#include <stddef.h>

struct scenario;

/* Read the whole file at path into a malloc'd buffer with a NUL appended;
 * *len excludes the NUL. Returns NULL with errno set on failure. */
char *scn_slurp(const char *path, size_t *len);

/* Fill s->event_end / s->n_events from s->body. Returns false when out of
 * memory. */
bool scn_split_events(struct scenario *s);

#endif
