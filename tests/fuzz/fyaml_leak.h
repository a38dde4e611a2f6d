/**
 * @file fyaml_leak.h  LeakSanitizer suppression for the harnesses that
 * load YAML with libfyaml (include it in exactly one file of a harness).
 *
 * libfyaml 0.7.12 (Debian 12) leaks the text buffer of a quoted scalar
 * with many escapes, e.g. {''''''''''''}: a library bug fixed upstream,
 * not ours.  LeakSanitizer skips blocks allocated inside libfyaml; our own
 * are still checked, here and through tes_alloc_live().
 */
#ifndef TES_FUZZ_FYAML_LEAK_H
#define TES_FUZZ_FYAML_LEAK_H

const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libfyaml.so\n";
}

#endif /* TES_FUZZ_FYAML_LEAK_H */
