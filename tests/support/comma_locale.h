/*
 * comma_locale.h - a locale whose decimal point is a comma, for the tests
 * that check numbers never depend on the process locale (MP_PLUGIN_11 and
 * the reading of numbers).  When de_DE.UTF-8 (or fr_FR) is not installed
 * it is generated once with localedef into a temporary directory (LOCPATH;
 * the `locales` package provides the sources).  A test that cannot get one
 * calls cmocka's skip(), so it is reported as skipped, never as passed.
 */
#ifndef TEST_COMMA_LOCALE_H
#define TEST_COMMA_LOCALE_H

/* Switch every category to a decimal-comma locale; 0 if none could be
 * found or made. */
int it_use_comma_locale(void);
/* Back to "C" (and no LOCPATH). */
void it_leave_comma_locale(void);
/* Remove the generated locale, if any (a group teardown); 0 on success. */
int it_remove_comma_locale(void);

#endif
