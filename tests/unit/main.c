/**
 * @file main.c  tes_tests runner: runs every registered test (or those whose
 * name contains an argument), each leak-checked, and prints a summary line.
 */
#include <stdlib.h>

#include "test.h"

enum { MAX_TESTS = 1024 };

static struct {
	const char *name;
	tes_test_h *fn;
} tests[MAX_TESTS];
static size_t ntests;

void tes_test_register(const char *name, tes_test_h *fn)
{
	if (ntests == MAX_TESTS) {
		fprintf(stderr, "too many tests, raise MAX_TESTS\n");
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

const char *tes_test_vectors_dir(void)
{
	const char *d = getenv("TES_VECTORS_DIR");

	return d ? d : TES_VECTORS_DIR;
}

char *tes_test_read_vector(const char *name, size_t *lenp)
{
	char path[1024];
	char *buf = NULL;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tes_test_vectors_dir(), name);
	f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  cannot open %s\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET))
		goto out;
	buf = malloc((size_t)len + 1);
	if (!buf)
		goto out;
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[len] = '\0';
	if (lenp)
		*lenp = (size_t)len;
out:
	fclose(f);
	return buf;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	/* stable order: by name */
	qsort(tests, ntests, sizeof(tests[0]), cmp_name);

	if (argc > 1 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < ntests; i++)
			printf("%s\n", tests[i].name);
		return 0;
	}

	tes_log_set_level(TES_LOG_ERROR);

	for (size_t i = 0; i < ntests; i++) {
		long before;
		int err;

		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;

		before = tes_alloc_live();
		err = tests[i].fn();
		if (!err && tes_alloc_live() != before) {
			fprintf(stderr, "  leak: %ld tes_alloc blocks alive\n",
				tes_alloc_live() - before);
			err = 1;
		}
		printf("%-4s %s\n", err ? "FAIL" : "ok", tests[i].name);
		fflush(stdout);
		if (err)
			failed++;
		else
			passed++;
	}

	printf("%u passed, %u failed\n", passed, failed);

	return failed || !passed ? 1 : 0;
}
