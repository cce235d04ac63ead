/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Description: runs a fuzz target on the files given, as libFuzzer would run
 * them, without libFuzzer: make check replays every corpus and regression
 * input with gcc's sanitizers.  A broken invariant aborts, and the file
 * being run was printed just before.
 *
 *   replay TARGET FILE...
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "macro.h"

static int read_file(const char *path, uint8_t **ret_data, size_t *ret_size)
{
	_cleanup_free_ uint8_t *data = NULL;
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t n;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) < 0) {
		fclose(f);
		return -errno;
	}
	/* one byte more than the file, so that an empty file is an allocation too */
	data = malloc((size_t)st.st_size + 1);
	if (!data) {
		fclose(f);
		return -ENOMEM;
	}
	n = fread(data, 1, (size_t)st.st_size, f);
	if (ferror(f) || n != (size_t)st.st_size) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	*ret_data = TAKE_PTR(data);
	*ret_size = n;
	return 0;
}

int main(int argc, char *argv[])
{
	const struct fuzz_target *t;

	if (argc < 2) {
		fprintf(stderr, "usage: %s TARGET FILE...\n", argv[0]);
		return EXIT_FAILURE;
	}
	for (t = fuzz_targets; t; t = t->next)
		if (!strcmp(t->name, argv[1]))
			break;
	if (!t) {
		fprintf(stderr, "%s: no fuzz target named %s\n", argv[0], argv[1]);
		return EXIT_FAILURE;
	}

	fuzz_init();
	for (int i = 2; i < argc; i++) {
		_cleanup_free_ uint8_t *data = NULL;
		size_t size;
		int e;

		e = read_file(argv[i], &data, &size);
		if (e < 0) {
			fprintf(stderr, "%s: %s: %s\n", argv[0], argv[i], strerror(-e));
			return EXIT_FAILURE;
		}
		printf("%s %s\n", t->name, argv[i]);
		fflush(stdout);
		t->run(data, size);
	}
	return EXIT_SUCCESS;
}
