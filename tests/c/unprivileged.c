/*
 * An unprivileged container through the public LXC C API (Debian's header): lxc.idmap set
 * before create, the busybox template, start, a command attached as its root, stop,
 * destroy.
 *
 *   usage: unprivileged NAME LXCPATH
 *
 * Prints one line per step.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/wait.h>

#include <lxc/lxccontainer.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
	if (!c)
		return 1;
	int set = c->set_config_item(c, "lxc.net.0.type", "empty") &&
		  c->set_config_item(c, "lxc.idmap", "u 0 100000 65536") &&
		  c->set_config_item(c, "lxc.idmap", "g 0 100000 65536");
	printf("maps %d\n", set);
	printf("create %d\n", c->createl(c, "busybox", NULL, NULL, LXC_CREATE_QUIET, NULL));
	printf("start %d\n", c->start(c, 0, NULL));
	lxc_attach_options_t options = LXC_ATTACH_OPTIONS_DEFAULT;
	char *argv_inside[] = {"sh", "-c", "test $(id -u) = 0 && test $(stat -c %u /) = 0", NULL};
	int status = c->attach_run_wait(c, &options, "sh", (const char *const *)argv_inside);
	printf("root inside %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	printf("stop %d\n", c->stop(c));
	printf("destroy %d\n", c->destroy(c));
	lxc_container_put(c);
	return 0;
}
