/*
 * attach_run_wait with the flags that are off by default: LXC_ATTACH_SETGROUPS (groups
 * 7 and 9) and LXC_ATTACH_NO_NEW_PRIVS; the program prints its Groups and NoNewPrivs.
 *
 *   usage: attach_flags NAME LXCPATH
 */
#include <errno.h>
#include <stdio.h>

#include <lxc/lxccontainer.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: attach_flags NAME LXCPATH\n");
		return 2;
	}
	struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
	if (!c || !c->is_running(c)) {
		fprintf(stderr, "attach_flags: %s is not running\n", argv[1]);
		return 1;
	}
	gid_t groups[] = { 7, 9 };
	lxc_attach_options_t options = LXC_ATTACH_OPTIONS_DEFAULT;
	options.attach_flags |= LXC_ATTACH_SETGROUPS | LXC_ATTACH_NO_NEW_PRIVS;
	options.groups.size = 2;
	options.groups.list = groups;
	const char *const cmd[] = { "sh", "-c", "grep -E '^(Groups|NoNewPrivs)' /proc/self/status",
				    NULL };
	fflush(stdout);
	int status = c->attach_run_wait(c, &options, "sh", cmd);
	lxc_container_put(c);
	return status == 0 ? 0 : 1;
}
