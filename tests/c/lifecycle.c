/*
 * End-to-end lifecycle test written against the public LXC C API only
 * (<lxc/lxccontainer.h>), so it builds unchanged against LXC 5.0.2's own
 * header and against lxc-rs' crates/liblxc/include.
 *
 *   usage: lifecycle NAME LXCPATH
 *
 * Creates NAME under LXCPATH from the busybox template (no network:
 * lxc.net.0.type = empty), starts it, inspects it, shuts it down and
 * destroys it.  Each step is checked; on the first failure the container
 * is torn down as far as possible and the program exits 1.
 *
 * Build:  cc -Wall -Werror -I crates/liblxc/include tests/c/lifecycle.c -llxc
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>

static int passed;
static struct lxc_container *ct; /* torn down by fail() */

static void fail(const char *fmt, const char *detail)
{
	fprintf(stderr, "lifecycle: FAILED: ");
	fprintf(stderr, fmt, detail ? detail : "(null)");
	fprintf(stderr, "\n");
	if (ct && ct->error_string)
		fprintf(stderr, "lifecycle: error_string: %s\n", ct->error_string);

	if (ct) {
		if (ct->is_running(ct))
			ct->stop(ct);
		if (ct->is_defined(ct))
			ct->destroy(ct);
		lxc_container_put(ct);
		ct = NULL;
	}

	printf("lifecycle: %d passed, 1 failed\n", passed);
	exit(1);
}

/* Record one check; on failure print msg (which may contain one %s). */
static void check(int ok, const char *msg, const char *detail)
{
	if (!ok)
		fail(msg, detail);
	passed++;
}

static int names_contain(char **names, int n, const char *name)
{
	int found = 0;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			found = 1;
	return found;
}

static void free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int main(int argc, char *argv[])
{
	const char *name, *lxcpath;
	struct lxc_container *c;
	char buf[4096];
	char path[4096];
	char **names = NULL;
	char *val;
	const char *st;
	int len, n, ret;
	size_t plen;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NAME LXCPATH\n", argv[0]);
		return 2;
	}
	name = argv[1];
	lxcpath = argv[2];

	/* ---- calls that must fail cleanly ---- */
	check(lxc_container_new(NULL, NULL) == NULL,
	      "lxc_container_new(NULL, NULL) returned a container%s", "");
	check(lxc_get_version() != NULL && strcmp(lxc_get_version(), "5.0.2") == 0,
	      "lxc_get_version() is \"%s\", want \"5.0.2\"", lxc_get_version());

	/* ---- handle for a container that does not exist yet ---- */
	c = lxc_container_new(name, lxcpath);
	check(c != NULL, "lxc_container_new(\"%s\", lxcpath) returned NULL", name);
	ct = c;
	check(c->name && strcmp(c->name, name) == 0, "c->name is \"%s\"", c->name);

	/* c->config_path is the lxcpath without trailing slashes */
	snprintf(path, sizeof(path), "%s", lxcpath);
	plen = strlen(path);
	while (plen > 1 && path[plen - 1] == '/')
		path[--plen] = '\0';
	check(c->get_config_path(c) && strcmp(c->get_config_path(c), path) == 0,
	      "get_config_path() is \"%s\"", c->get_config_path(c));

	check(!c->is_defined(c), "container %s already exists", name);
	check(!c->start(c, 0, NULL), "start() of an undefined container %s succeeded", name);
	check(!c->set_config_item(c, "lxc.bogus", "1"),
	      "set_config_item(lxc.bogus) succeeded%s", "");

	/* ---- create ---- */
	check(c->set_config_item(c, "lxc.net.0.type", "empty"),
	      "set_config_item(lxc.net.0.type, empty) failed%s", "");
	check(c->get_config_item(c, "lxc.bogus", buf, sizeof(buf)) < 0,
	      "get_config_item(lxc.bogus) did not fail%s", "");
	check(c->createl(c, "busybox", NULL, NULL, LXC_CREATE_QUIET, (char *)NULL),
	      "createl(busybox) of %s failed", name);
	check(c->is_defined(c), "%s not defined after createl()", name);

	len = c->get_config_item(c, "lxc.uts.name", NULL, 0);
	check(len == (int)strlen(name),
	      "get_config_item(lxc.uts.name, NULL) returned a wrong length (want strlen(\"%s\"))", name);
	memset(buf, 0, sizeof(buf));
	ret = c->get_config_item(c, "lxc.uts.name", buf, sizeof(buf));
	check(ret == len, "get_config_item(lxc.uts.name, buf) length differs from NULL probe%s", "");
	check(strcmp(buf, name) == 0, "lxc.uts.name is \"%s\"", buf);

	n = list_defined_containers(lxcpath, &names, NULL);
	check(n >= 1, "list_defined_containers() returned no container%s", "");
	ret = names_contain(names, n, name);
	free_names(names, n);
	names = NULL;
	check(ret, "list_defined_containers() does not list %s", name);

	/* ---- run ---- */
	check(c->start(c, 0, NULL), "start() of %s failed", name);
	st = c->state(c);
	check(st && strcmp(st, "RUNNING") == 0, "state() after start() is %s, want RUNNING", st);
	check(c->is_running(c), "is_running() false after start()%s", "");
	check(c->init_pid(c) > 1, "init_pid() is not > 1 for %s", name);
	check(c->wait(c, "RUNNING", 5), "wait(RUNNING, 5) failed for %s", name);

	val = c->get_running_config_item(c, "lxc.uts.name");
	check(val != NULL, "get_running_config_item(lxc.uts.name) returned NULL%s", "");
	ret = strcmp(val, name) == 0;
	if (!ret)
		fprintf(stderr, "lifecycle: running lxc.uts.name is \"%s\"\n", val);
	free(val);
	check(ret, "get_running_config_item(lxc.uts.name) differs from \"%s\"", name);

	/* ---- stop ---- */
	if (!c->shutdown(c, 30)) {
		printf("lifecycle: shutdown(30) failed, forcing stop()\n");
		check(c->stop(c), "stop() of %s failed", name);
	} else {
		passed++;
	}
	c->wait(c, "STOPPED", 10);
	st = c->state(c);
	check(st && strcmp(st, "STOPPED") == 0, "state() after shutdown is %s, want STOPPED", st);
	check(!c->is_running(c), "is_running() true after shutdown%s", "");

	/* ---- destroy ---- */
	check(c->destroy(c), "destroy() of %s failed", name);
	check(!c->is_defined(c), "%s still defined after destroy()", name);

	n = list_defined_containers(lxcpath, &names, NULL);
	check(n >= 0, "list_defined_containers() failed after destroy%s", "");
	ret = names_contain(names, n, name);
	free_names(names, n);
	check(!ret, "list_defined_containers() still lists %s", name);

	ct = NULL;
	check(lxc_container_put(c) == 1, "lxc_container_put() did not free the last reference%s", "");

	printf("lifecycle: %d passed, 0 failed\n", passed);
	return 0;
}
