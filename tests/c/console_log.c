/*
 * console_log through the public LXC C API: read the console ring buffer, then read again
 * (what was read is consumed).
 *
 *   usage: console_log NAME LXCPATH MARKER
 *
 * Prints "ret R marker M bytes N again R2 M2": R and R2 the return values, M and M2 whether
 * MARKER was in what each read got, N the bytes the first read got. What the first read
 * got is consumed: the second one gets only what the console printed since (ENODATA
 * when nothing).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: console_log NAME LXCPATH MARKER\n");
		return 2;
	}
	struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
	if (!c) {
		fprintf(stderr, "console_log: no container %s\n", argv[1]);
		return 1;
	}
	uint64_t max = 0;
	struct lxc_console_log log = { .read = true, .read_max = &max };
	int ret = c->console_log(c, &log);
	int marker = log.data && strstr(log.data, argv[3]) != NULL;
	free(log.data);
	uint64_t first = max;
	max = 0;
	log.data = NULL;
	int again = c->console_log(c, &log);
	int marker_again = log.data && strstr(log.data, argv[3]) != NULL;
	free(log.data);
	printf("ret %d marker %d bytes %llu again %d %d\n", ret, marker,
	       (unsigned long long)first, again, marker_again);
	lxc_container_put(c);
	return 0;
}
