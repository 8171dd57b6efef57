/* comma_locale.c - a decimal-comma locale for tests; see comma_locale.h. */
#include "comma_locale.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

static char locale_dir[64];

#if defined(__SANITIZE_ADDRESS__)
/* Under AddressSanitizer: glibc keeps the LOCPATH list it builds in
 * setlocale() and never frees it (29 bytes a call, from __argz_add_sep).
 * That is glibc's, not ours; only it is exempted from the leak check. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:__argz_add_sep\n";
}
#endif

int it_use_comma_locale(void)
{
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8",
                                        "fr_FR.UTF-8", "fr_FR.utf8"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (setlocale(LC_ALL, names[i]))
            return 1;
    if (!locale_dir[0]) {
        snprintf(locale_dir, sizeof locale_dir, "/tmp/lp-locale-XXXXXX");
        if (!mkdtemp(locale_dir)) {
            locale_dir[0] = '\0';
            return 0;
        }
        char cmd[256];
        snprintf(cmd, sizeof cmd, "localedef -i de_DE -f UTF-8 %s/de_DE.UTF-8 "
                 ">/dev/null 2>&1", locale_dir);
        if (system(cmd) != 0)
            return 0;
    }
    setenv("LOCPATH", locale_dir, 1);
    return setlocale(LC_ALL, "de_DE.UTF-8") != NULL;
}

void it_leave_comma_locale(void)
{
    setlocale(LC_ALL, "C");
    unsetenv("LOCPATH");
}

int it_remove_comma_locale(void)
{
    if (!locale_dir[0])
        return 0;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", locale_dir);
    locale_dir[0] = '\0';
    return system(cmd) == 0 ? 0 : -1;
}
