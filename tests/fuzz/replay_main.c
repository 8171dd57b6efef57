/*
 * replay_main.c - a fuzz target as a cmocka program for `make test` (and
 * `make asan`): every seed input the target names (its "fuzz-seeds:"
 * line) and every input of tests/fuzz/regressions/<target>/ goes through
 * LLVMFuzzerTestOneInput once, so a finding, once fixed and saved there,
 * stays fixed, and every seed keeps the contract without libFuzzer.  One
 * test per directory; a directory that is not there (../shared missing)
 * is SKIPPED.  Built with -DFZ_TARGET=\"name\" beside fuzz_<name>.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DIRS 16

static char dirs[MAX_DIRS][4096];
static size_t ndirs;
static size_t ran;

static int run_file(const char *path, const struct stat *st, int type,
                    struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t cap = (size_t)st->st_size + 1, n;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return 1;
    }
    n = fread(buf, 1, cap, f);
    fclose(f);
    /* A copy of exactly its size, so a read past the end is caught. */
    uint8_t *exact = malloc(n ? n : 1);
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    ran++;
    return 0;
}

static void replay_dir(void **state)
{
    const char *dir = *state;
    struct stat st;
    if (stat(dir, &st) != 0) {
        print_message("%s: not here, skipped\n", dir);
        skip();
    }
    size_t before = ran;
    assert_int_equal(nftw(dir, run_file, 16, FTW_PHYS), 0);
    print_message("%s: %zu input(s) kept the contract\n", dir, ran - before);
}

/* The words after "fuzz-seeds:" in the target's source, with a leading
 * $TRANSCRIPTS replaced by the transcripts directory; other paths are from
 * the source tree. */
static void seed_dirs(void)
{
    char src[4096];
    snprintf(src, sizeof src, "%s/tests/fuzz/fuzz_%s.c", LP_SOURCE_DIR,
             FZ_TARGET);
    FILE *f = fopen(src, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f)) {
        char *p = strstr(line, "fuzz-seeds:");
        if (!p)
            continue;
        for (char *w = strtok(p + 11, " \t\r\n"); w && ndirs < MAX_DIRS - 1;
             w = strtok(NULL, " \t\r\n")) {
            if (strncmp(w, "$TRANSCRIPTS", 12) == 0)
                snprintf(dirs[ndirs++], sizeof dirs[0], "%s%s",
                         LP_TRANSCRIPTS_DIR, w + 12);
            else
                snprintf(dirs[ndirs++], sizeof dirs[0], "%s/%s",
                         LP_SOURCE_DIR, w);
        }
        break;
    }
    if (f)
        fclose(f);
    /* Findings kept as regression inputs, where the target has any. */
    struct stat st;
    snprintf(dirs[ndirs], sizeof dirs[0], "%s/tests/fuzz/regressions/%s",
             LP_SOURCE_DIR, FZ_TARGET);
    if (stat(dirs[ndirs], &st) == 0)
        ndirs++;
}

int main(void)
{
    seed_dirs();
    struct CMUnitTest tests[MAX_DIRS];
    memset(tests, 0, sizeof tests);
    for (size_t i = 0; i < ndirs; i++) {
        tests[i].name = dirs[i];
        tests[i].test_func = replay_dir;
        tests[i].initial_state = dirs[i];
    }
    return _cmocka_run_group_tests("fuzz replay " FZ_TARGET, tests, ndirs,
                                   NULL, NULL);
}
