/* Bad calls get an answer, never a crash: NULL and empty arguments to the free functions
 * and to every method, and operations on an undefined container. Arguments: LXCPATH. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>

static int passed, failed;

#define EXPECT(cond)                                                   \
	do {                                                           \
		if (cond) {                                            \
			passed++;                                      \
		} else {                                               \
			failed++;                                      \
			fprintf(stderr, "badcalls: failed: %s\n", #cond); \
		}                                                      \
	} while (0)

int main(int argc, char **argv)
{
	const char *lxcpath = argc > 1 ? argv[1] : NULL;
	struct lxc_container *c;
	char buf[64];
	char **names = NULL;
	int ttynum = -1, ptx = -1;
	pid_t pid = 0;
	lxc_attach_command_t cmd = { "true", (char *[]){ "true", NULL } };

	EXPECT(lxc_container_new(NULL, NULL) == NULL);
	EXPECT(lxc_container_new(NULL, lxcpath) == NULL);
	EXPECT(lxc_container_get(NULL) == 0);
	EXPECT(lxc_container_put(NULL) == -1);
	EXPECT(lxc_get_global_config_item(NULL) == NULL);
	EXPECT(lxc_get_global_config_item("lxc.no.such.item") == NULL);
	EXPECT(!lxc_config_item_is_supported(NULL));
	EXPECT(!lxc_config_item_is_supported(""));
	EXPECT(lxc_config_item_is_supported("lxc.net"));
	EXPECT(!lxc_config_item_is_supported("lxc.net.0.type"));
	EXPECT(lxc_has_api_extension(NULL));
	EXPECT(!lxc_has_api_extension("no_such_extension"));
	EXPECT(lxc_get_wait_states(NULL) == 8);
	EXPECT(lxc_attach_run_command(NULL) < 0);
	EXPECT(list_defined_containers(lxcpath, NULL, NULL) >= 0);

	c = lxc_container_new("badcalls-undefined", lxcpath);
	EXPECT(c != NULL);
	if (!c)
		goto out;
	EXPECT(!c->is_defined(c));
	EXPECT(strcmp(c->state(c), "STOPPED") == 0);
	EXPECT(!c->is_running(c));
	EXPECT(c->init_pid(c) == -1);
	EXPECT(!c->start(c, 0, NULL));
	EXPECT(!c->stop(c));
	EXPECT(!c->destroy(c));
	EXPECT(!c->set_config_item(c, NULL, NULL));
	EXPECT(!c->set_config_item(c, "lxc.uts.name", NULL));
	EXPECT(!c->set_config_item(c, NULL, "x"));
	EXPECT(!c->set_config_item(c, "lxc.bogus", "1"));
	EXPECT(!c->set_config_item(c, "", ""));
	EXPECT(c->get_config_item(c, NULL, buf, sizeof(buf)) < 0);
	EXPECT(c->get_config_item(c, "lxc.bogus", buf, sizeof(buf)) < 0);
	EXPECT(c->get_running_config_item(c, NULL) == NULL);
	EXPECT(c->get_running_config_item(c, "lxc.uts.name") == NULL);
	EXPECT(!c->clear_config_item(c, NULL));
	EXPECT(!c->wait(c, NULL, 0));
	EXPECT(!c->wait(c, "NOT_A_STATE", 0));
	EXPECT(!c->load_config(c, "/nonexistent/config"));
	EXPECT(!c->set_config_path(c, NULL));
	EXPECT(c->get_keys(c, NULL, NULL, 0) > 0);
	EXPECT(c->get_keys(c, NULL, buf, 0) > 0);
	EXPECT(c->console_getfd(c, &ttynum, &ptx) < 0);
	EXPECT(c->console_getfd(c, NULL, NULL) < 0);
	EXPECT(c->attach_run_wait(c, NULL, NULL, NULL) < 0);
	EXPECT(c->attach_run_wait(c, NULL, "true", (const char *const[]){ "true", NULL }) < 0);
	EXPECT(c->attach(c, NULL, NULL, NULL, NULL) < 0);
	EXPECT(c->attach(c, lxc_attach_run_command, &cmd, NULL, &pid) < 0);
	EXPECT(!c->shutdown(c, 0) || !c->is_running(c));
	EXPECT(!c->reboot(c));
	EXPECT(!c->freeze(c));
	EXPECT(!c->rename(c, NULL));
	EXPECT(c->clone(c, NULL, NULL, 0, NULL, NULL, 0, NULL) == NULL);
	EXPECT(c->snapshot(c, NULL) < 0);
	EXPECT(c->get_interfaces(c) == NULL);
	EXPECT(c->get_ips(c, NULL, NULL, 0) == NULL);
	EXPECT(c->get_cgroup_item(c, NULL, NULL, 0) < 0);
	EXPECT(!c->set_cgroup_item(c, NULL, NULL));
	EXPECT(c->init_pidfd(c) < 0);
	EXPECT(c->error_string != NULL);
	EXPECT(lxc_container_get(c) == 1);
	EXPECT(lxc_container_put(c) == 0);
	EXPECT(lxc_container_put(c) == 1);

out:
	(void)names;
	printf("badcalls: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
