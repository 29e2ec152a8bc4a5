/*
 * attach_interface / detach_interface through the public LXC C API, built against
 * either header.
 *
 *   usage: hotplug NAME LXCPATH HOSTDEV INSIDE
 *
 * NAME must be running. Moves HOSTDEV in as INSIDE, checks get_interfaces, moves it back
 * under its host name, and checks a second detach fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>

static int has(char **names, const char *name)
{
	int found = 0;
	for (int i = 0; names && names[i]; i++) {
		if (strcmp(names[i], name) == 0)
			found = 1;
		free(names[i]);
	}
	free(names);
	return found;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: hotplug NAME LXCPATH HOSTDEV INSIDE\n");
		return 2;
	}
	struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
	if (!c || !c->is_running(c)) {
		fprintf(stderr, "hotplug: %s is not running\n", argv[1]);
		return 1;
	}
	int ok = c->attach_interface(c, argv[3], argv[4]);
	int inside = has(c->get_interfaces(c), argv[4]);
	int back = c->detach_interface(c, argv[4], argv[3]);
	int again = c->detach_interface(c, argv[4], argv[3]);
	int gone = !has(c->get_interfaces(c), argv[4]);
	printf("attach %d inside %d back %d again %d gone %d\n", ok, inside, back, again, gone);
	lxc_container_put(c);
	return ok && inside && back && !again && gone ? 0 : 1;
}
