/*
 * Header-only ABI layout test for <lxc/lxccontainer.h>.
 *
 * Checks sizeof/offsetof of every public struct and the values of the
 * public flags against the LXC 5.0.2 x86_64 ABI.  Does not link against
 * liblxc.  Build and run:
 *
 *   cc -Wall -Werror -I crates/liblxc/include tests/c/layout.c -o layout && ./layout
 *   cc -Wall -Werror tests/c/layout.c -o layout-deb && ./layout-deb   (Debian's lxc-dev)
 */
#include <errno.h> /* Debian's LXC_ATTACH_OPTIONS_DEFAULT needs EBADF */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <lxc/lxccontainer.h>
#include <lxc/attach_options.h>
#include <lxc/version.h>

static int passed, failed;

static void check(const char *name, long long got, long long want)
{
	if (got == want) {
		passed++;
	} else {
		failed++;
		printf("%s: got %lld, want %lld\n", name, got, want);
	}
}

#define CHECK(expr, want) check(#expr, (long long)(expr), (long long)(want))
#define OFF(type, member, want) CHECK(offsetof(type, member), want)
#define SIZE(type, want) CHECK(sizeof(type), want)

static void check_str(const char *name, const char *got, const char *want)
{
	if (strcmp(got, want) == 0) {
		passed++;
	} else {
		failed++;
		printf("%s: got \"%s\", want \"%s\"\n", name, got, want);
	}
}

static void container(void)
{
	typedef struct lxc_container C;

	SIZE(C, 568);
	OFF(C, name, 0);
	OFF(C, configfile, 8);
	OFF(C, pidfile, 16);
	OFF(C, slock, 24);
	OFF(C, privlock, 32);
	OFF(C, numthreads, 40);
	OFF(C, lxc_conf, 48);
	OFF(C, error_string, 56);
	OFF(C, error_num, 64);
	OFF(C, daemonize, 68);
	OFF(C, config_path, 72);
	OFF(C, is_defined, 80);
	OFF(C, state, 88);
	OFF(C, is_running, 96);
	OFF(C, freeze, 104);
	OFF(C, unfreeze, 112);
	OFF(C, init_pid, 120);
	OFF(C, load_config, 128);
	OFF(C, start, 136);
	OFF(C, startl, 144);
	OFF(C, stop, 152);
	OFF(C, want_daemonize, 160);
	OFF(C, want_close_all_fds, 168);
	OFF(C, config_file_name, 176);
	OFF(C, wait, 184);
	OFF(C, set_config_item, 192);
	OFF(C, destroy, 200);
	OFF(C, save_config, 208);
	OFF(C, create, 216);
	OFF(C, createl, 224);
	OFF(C, rename, 232);
	OFF(C, reboot, 240);
	OFF(C, shutdown, 248);
	OFF(C, clear_config, 256);
	OFF(C, clear_config_item, 264);
	OFF(C, get_config_item, 272);
	OFF(C, get_running_config_item, 280);
	OFF(C, get_keys, 288);
	OFF(C, get_interfaces, 296);
	OFF(C, get_ips, 304);
	OFF(C, get_cgroup_item, 312);
	OFF(C, set_cgroup_item, 320);
	OFF(C, get_config_path, 328);
	OFF(C, set_config_path, 336);
	OFF(C, clone, 344);
	OFF(C, console_getfd, 352);
	OFF(C, console, 360);
	OFF(C, attach, 368);
	OFF(C, attach_run_wait, 376);
	OFF(C, attach_run_waitl, 384);
	OFF(C, snapshot, 392);
	OFF(C, snapshot_list, 400);
	OFF(C, snapshot_restore, 408);
	OFF(C, snapshot_destroy, 416);
	OFF(C, may_control, 424);
	OFF(C, add_device_node, 432);
	OFF(C, remove_device_node, 440);
	OFF(C, attach_interface, 448);
	OFF(C, detach_interface, 456);
	OFF(C, checkpoint, 464);
	OFF(C, restore, 472);
	OFF(C, destroy_with_snapshots, 480);
	OFF(C, snapshot_destroy_all, 488);
	OFF(C, migrate, 496);
	OFF(C, console_log, 504);
	OFF(C, reboot2, 512);
	OFF(C, mount, 520);
	OFF(C, umount, 528);
	OFF(C, seccomp_notify_fd, 536);
	OFF(C, seccomp_notify_fd_active, 544);
	OFF(C, init_pidfd, 552);
	OFF(C, devpts_fd, 560);

	/* a few member sizes that matter to callers reading fields directly */
	CHECK(sizeof(((C *)0)->numthreads), 4);
	CHECK(sizeof(((C *)0)->error_num), 4);
	CHECK(sizeof(((C *)0)->daemonize), 1);
}

static void other_structs(void)
{
	SIZE(struct lxc_snapshot, 40);
	OFF(struct lxc_snapshot, name, 0);
	OFF(struct lxc_snapshot, comment_pathname, 8);
	OFF(struct lxc_snapshot, timestamp, 16);
	OFF(struct lxc_snapshot, lxcpath, 24);
	OFF(struct lxc_snapshot, free, 32);

	SIZE(struct bdev_specs, 72);
	OFF(struct bdev_specs, fstype, 0);
	OFF(struct bdev_specs, fssize, 8);
	OFF(struct bdev_specs, zfs, 16);
	OFF(struct bdev_specs, zfs.zfsroot, 16);
	OFF(struct bdev_specs, lvm, 24);
	OFF(struct bdev_specs, lvm.vg, 24);
	OFF(struct bdev_specs, lvm.lv, 32);
	OFF(struct bdev_specs, lvm.thinpool, 40);
	OFF(struct bdev_specs, dir, 48);
	OFF(struct bdev_specs, rbd, 56);
	OFF(struct bdev_specs, rbd.rbdname, 56);
	OFF(struct bdev_specs, rbd.rbdpool, 64);
	CHECK(sizeof(((struct bdev_specs *)0)->fssize), 8);
	CHECK(sizeof(((struct bdev_specs *)0)->zfs), 8);
	CHECK(sizeof(((struct bdev_specs *)0)->lvm), 24);
	CHECK(sizeof(((struct bdev_specs *)0)->rbd), 16);

	SIZE(struct migrate_opts, 80);
	OFF(struct migrate_opts, directory, 0);
	OFF(struct migrate_opts, verbose, 8);
	OFF(struct migrate_opts, stop, 9);
	OFF(struct migrate_opts, predump_dir, 16);
	OFF(struct migrate_opts, pageserver_address, 24);
	OFF(struct migrate_opts, pageserver_port, 32);
	OFF(struct migrate_opts, preserves_inodes, 40);
	OFF(struct migrate_opts, action_script, 48);
	OFF(struct migrate_opts, disable_skip_in_flight, 56);
	OFF(struct migrate_opts, ghost_limit, 64);
	OFF(struct migrate_opts, features_to_check, 72);

	SIZE(struct lxc_console_log, 24);
	OFF(struct lxc_console_log, clear, 0);
	OFF(struct lxc_console_log, read, 1);
	OFF(struct lxc_console_log, read_max, 8);
	OFF(struct lxc_console_log, data, 16);

	SIZE(struct lxc_mount, 4);
	OFF(struct lxc_mount, version, 0);

	SIZE(struct lxc_log, 48);
	OFF(struct lxc_log, name, 0);
	OFF(struct lxc_log, lxcpath, 8);
	OFF(struct lxc_log, file, 16);
	OFF(struct lxc_log, level, 24);
	OFF(struct lxc_log, prefix, 32);
	OFF(struct lxc_log, quiet, 40);
}

static void attach_structs(void)
{
	SIZE(lxc_attach_command_t, 16);
	OFF(lxc_attach_command_t, program, 0);
	OFF(lxc_attach_command_t, argv, 8);

	SIZE(lxc_groups_t, 16);
	OFF(lxc_groups_t, size, 0);
	OFF(lxc_groups_t, list, 8);

	SIZE(lxc_attach_env_policy_t, 4);

	SIZE(lxc_attach_options_t, 96);
	OFF(lxc_attach_options_t, attach_flags, 0);
	OFF(lxc_attach_options_t, namespaces, 4);
	OFF(lxc_attach_options_t, personality, 8);
	OFF(lxc_attach_options_t, initial_cwd, 16);
	OFF(lxc_attach_options_t, uid, 24);
	OFF(lxc_attach_options_t, gid, 28);
	OFF(lxc_attach_options_t, env_policy, 32);
	OFF(lxc_attach_options_t, extra_env_vars, 40);
	OFF(lxc_attach_options_t, extra_keep_env, 48);
	OFF(lxc_attach_options_t, stdin_fd, 56);
	OFF(lxc_attach_options_t, stdout_fd, 60);
	OFF(lxc_attach_options_t, stderr_fd, 64);
	OFF(lxc_attach_options_t, log_fd, 68);
	OFF(lxc_attach_options_t, lsm_label, 72);
	OFF(lxc_attach_options_t, groups, 80);
	OFF(lxc_attach_options_t, groups.size, 80);
	OFF(lxc_attach_options_t, groups.list, 88);
}

static void attach_defaults(void)
{
	lxc_attach_options_t o = LXC_ATTACH_OPTIONS_DEFAULT;

	CHECK(o.attach_flags, LXC_ATTACH_DEFAULT);
	CHECK(o.namespaces, -1);
	CHECK(o.personality, -1);
	CHECK(o.initial_cwd == NULL, 1);
	CHECK(o.uid, (uid_t)-1);
	CHECK(o.gid, (gid_t)-1);
	CHECK(o.env_policy, LXC_ATTACH_KEEP_ENV);
	CHECK(o.extra_env_vars == NULL, 1);
	CHECK(o.extra_keep_env == NULL, 1);
	CHECK(o.stdin_fd, 0);
	CHECK(o.stdout_fd, 1);
	CHECK(o.stderr_fd, 2);
	CHECK(o.log_fd, -9);
	CHECK(o.lsm_label == NULL, 1);
	CHECK(o.groups.size, 0);
	CHECK(o.groups.list == NULL, 1);
}

static void flags(void)
{
	CHECK(LXC_CLONE_KEEPNAME, 0x01);
	CHECK(LXC_CLONE_KEEPMACADDR, 0x02);
	CHECK(LXC_CLONE_SNAPSHOT, 0x04);
	CHECK(LXC_CLONE_KEEPBDEVTYPE, 0x08);
	CHECK(LXC_CLONE_MAYBE_SNAPSHOT, 0x10);
	CHECK(LXC_CLONE_MAXFLAGS, 0x20);
	CHECK(LXC_CLONE_ALLOW_RUNNING, 0x40);

	CHECK(LXC_CREATE_QUIET, 0x01);
	CHECK(LXC_CREATE_MAXFLAGS, 0x02);

	CHECK(LXC_MOUNT_API_V1, 1);

	CHECK(LXC_ATTACH_KEEP_ENV, 0);
	CHECK(LXC_ATTACH_CLEAR_ENV, 1);
	CHECK(LXC_ATTACH_MOVE_TO_CGROUP, 0x00000001);
	CHECK(LXC_ATTACH_DROP_CAPABILITIES, 0x00000002);
	CHECK(LXC_ATTACH_SET_PERSONALITY, 0x00000004);
	CHECK(LXC_ATTACH_LSM_EXEC, 0x00000008);
	CHECK(LXC_ATTACH_REMOUNT_PROC_SYS, 0x00010000);
	CHECK(LXC_ATTACH_LSM_NOW, 0x00020000);
	CHECK(LXC_ATTACH_NO_NEW_PRIVS, 0x00040000);
	CHECK(LXC_ATTACH_TERMINAL, 0x00080000);
	CHECK(LXC_ATTACH_LSM_LABEL, 0x00100000);
	CHECK(LXC_ATTACH_SETGROUPS, 0x00200000);
	CHECK(LXC_ATTACH_DEFAULT, 0x0000FFFF);
	CHECK(LXC_ATTACH_LSM, 0x00120008);
	CHECK(LXC_ATTACH_DETECT_PERSONALITY, -1L);
	CHECK(sizeof(LXC_ATTACH_DETECT_PERSONALITY), sizeof(long));

	/* the enum constants must also exist as macros */
#if !defined(LXC_ATTACH_KEEP_ENV) || !defined(LXC_ATTACH_CLEAR_ENV) ||        \
	!defined(LXC_ATTACH_MOVE_TO_CGROUP) ||                                 \
	!defined(LXC_ATTACH_DROP_CAPABILITIES) ||                              \
	!defined(LXC_ATTACH_SET_PERSONALITY) || !defined(LXC_ATTACH_LSM_EXEC) || \
	!defined(LXC_ATTACH_REMOUNT_PROC_SYS) || !defined(LXC_ATTACH_LSM_NOW) || \
	!defined(LXC_ATTACH_NO_NEW_PRIVS) || !defined(LXC_ATTACH_TERMINAL) ||  \
	!defined(LXC_ATTACH_LSM_LABEL) || !defined(LXC_ATTACH_SETGROUPS) ||    \
	!defined(LXC_ATTACH_DEFAULT)
	failed++;
	printf("attach enum constants defined as macros: got no, want yes\n");
#else
	passed++;
#endif

	CHECK(MIGRATE_PRE_DUMP, 0);
	CHECK(MIGRATE_DUMP, 1);
	CHECK(MIGRATE_RESTORE, 2);
	CHECK(MIGRATE_FEATURE_CHECK, 3);
	CHECK(FEATURE_MEM_TRACK, 1);
	CHECK(FEATURE_LAZY_PAGES, 2);
	CHECK(sizeof(FEATURE_MEM_TRACK), 8);
}

static void version(void)
{
	CHECK(LXC_VERSION_MAJOR, 5);
	CHECK(LXC_VERSION_MINOR, 0);
	CHECK(LXC_VERSION_MICRO, 2);
	CHECK(LXC_DEVEL, 0);
	check_str("LXC_VERSION", LXC_VERSION, "5.0.2");
	check_str("LXC_VERSION_ABI", LXC_VERSION_ABI, "1.7.0");
}

int main(void)
{
	container();
	other_structs();
	attach_structs();
	attach_defaults();
	flags();
	version();

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
