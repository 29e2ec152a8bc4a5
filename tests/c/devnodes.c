/*
 * add_device_node / remove_device_node through the public LXC C API.
 *
 *   usage: devnodes NAME LXCPATH HOSTNODE INSIDE
 *
 * NAME must be running. Adds HOSTNODE as INSIDE (a second add fails: it exists), removes
 * it (a second remove succeeds too: the device is denied, and no node is left to remove).
 */
#include <stdio.h>

#include <lxc/lxccontainer.h>

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: devnodes NAME LXCPATH HOSTNODE INSIDE\n");
		return 2;
	}
	struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
	if (!c || !c->is_running(c)) {
		fprintf(stderr, "devnodes: %s is not running\n", argv[1]);
		return 1;
	}
	int add = c->add_device_node(c, argv[3], argv[4]);
	int add_again = c->add_device_node(c, argv[3], argv[4]);
	int rm = c->remove_device_node(c, argv[3], argv[4]);
	int rm_again = c->remove_device_node(c, argv[3], argv[4]);
	printf("add %d again %d remove %d again %d\n", add, add_again, rm, rm_again);
	lxc_container_put(c);
	return add && !add_again && rm && rm_again ? 0 : 1;
}
