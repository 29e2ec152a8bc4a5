/*
 * Clones and snapshots through the public LXC C API, built against either header.
 *
 *   usage: snapshots NAME LXCPATH COMMENTFILE
 *
 * NAME is a defined, stopped container. Prints one line per step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lxc/lxccontainer.h>

int main(int argc, char **argv)
{
	char name[256];
	if (argc != 4)
		return 2;
	struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
	if (!c || !c->is_defined(c))
		return 1;
	snprintf(name, sizeof(name), "%s-c", argv[1]);
	struct lxc_container *copy = c->clone(c, name, NULL, 0, NULL, NULL, 0, NULL);
	printf("clone %d\n", copy && copy->is_defined(copy));
	snprintf(name, sizeof(name), "%s-s", argv[1]);
	struct lxc_container *snap =
		c->clone(c, name, NULL, LXC_CLONE_SNAPSHOT, "overlayfs", NULL, 0, NULL);
	printf("snapshot clone %d\n", snap != NULL);
	int first = c->snapshot(c, argv[3]);
	int second = c->snapshot(c, NULL);
	printf("snapshot %d %d\n", first, second);
	struct lxc_snapshot *list = NULL;
	int n = c->snapshot_list(c, &list);
	printf("list %d", n);
	for (int i = 0; i < n; i++) {
		printf(" %s:%s", list[i].name, list[i].comment_pathname ? "comment" : "none");
		list[i].free(&list[i]);
	}
	free(list);
	printf("\n");
	snprintf(name, sizeof(name), "%s-r", argv[1]);
	printf("restore %d\n", c->snapshot_restore(c, "snap0", name));
	printf("destroy snap1 %d\n", c->snapshot_destroy(c, "snap1"));
	snprintf(name, sizeof(name), "%s-n", argv[1]);
	int renamed = copy->rename(copy, name);
	printf("rename %d %d\n", renamed, copy->is_defined(copy));
	int gone = snap->destroy(snap);
	gone = gone && c->destroy_with_snapshots(c);
	printf("destroy with snapshots %d\n", gone);
	printf("bad clone %d\n", c->clone(c, "x", NULL, 0, "zfs", NULL, 0, NULL) == NULL);
	lxc_container_put(copy);
	lxc_container_put(snap);
	lxc_container_put(c);
	return 0;
}
