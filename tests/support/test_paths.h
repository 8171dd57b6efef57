/*
 * test_paths.h - where the build, the source tree and the recorded
 * transcripts are.  The Makefile passes all three as absolute paths; these
 * defaults are for a compiler run by hand from the top of the tree.
 */
#ifndef TEST_PATHS_H
#define TEST_PATHS_H

#ifndef LP_BUILD_DIR
#define LP_BUILD_DIR "build"
#endif
#ifndef LP_SOURCE_DIR
#define LP_SOURCE_DIR "."
#endif
#ifndef LP_TRANSCRIPTS_DIR
#define LP_TRANSCRIPTS_DIR "../shared/fixtures/transcripts"
#endif

#endif
