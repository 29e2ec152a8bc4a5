/* SPDX-License-Identifier: LGPL-2.1+ */
/*
 * lxc-rs: public C API of liblxc.so.1.
 *
 * Drop-in replacement for LXC 5.0.2's <lxc/lxccontainer.h>: same names,
 * same member order, same x86_64 layout (struct lxc_container is 568
 * bytes).  Containers are always allocated by the library
 * (lxc_container_new) and released with lxc_container_put.
 */
#ifndef __LXC_CONTAINER_H
#define __LXC_CONTAINER_H

#include <malloc.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "attach_options.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Flags for lxc_container::clone. */
#define LXC_CLONE_KEEPNAME        (1 << 0) /* leave the hostname inside the rootfs alone */
#define LXC_CLONE_KEEPMACADDR     (1 << 1) /* keep the MAC addresses of the NICs */
#define LXC_CLONE_SNAPSHOT        (1 << 2) /* copy-on-write clone */
#define LXC_CLONE_KEEPBDEVTYPE    (1 << 3) /* same storage backend as the original */
#define LXC_CLONE_MAYBE_SNAPSHOT  (1 << 4) /* snapshot when the backend can, else copy */
#define LXC_CLONE_MAXFLAGS        (1 << 5) /* historical upper bound */
#define LXC_CLONE_ALLOW_RUNNING   (1 << 6) /* permit cloning a running container */

/* Flags for lxc_container::create / ::createl. */
#define LXC_CREATE_QUIET          (1 << 0) /* template output goes to /dev/null */
#define LXC_CREATE_MAXFLAGS       (1 << 1)

/* Version tag for struct lxc_mount. */
#define LXC_MOUNT_API_V1 1

struct bdev_specs;
struct lxc_snapshot;
struct lxc_lock;
struct lxc_conf;
struct migrate_opts;
struct lxc_console_log;

/* Argument of lxc_container::mount / ::umount. */
struct lxc_mount {
	int version; /* LXC_MOUNT_API_V1 */
};

/*
 * A container handle.  Data members first, then the method table; every
 * method takes the handle itself as its first argument.  Offsets (x86_64)
 * are given for reference.
 */
struct lxc_container {
	/* -- data -- */
	char *name;                  /*   0  container name (read-only for callers) */
	char *configfile;            /*   8  <lxcpath>/<name>/config */
	char *pidfile;               /*  16  optional pid file for daemonized starts */
	struct lxc_lock *slock;      /*  24  inter-process lock (internal) */
	struct lxc_lock *privlock;   /*  32  in-process lock (internal) */
	int numthreads;              /*  40  reference count (internal) */
	struct lxc_conf *lxc_conf;   /*  48  parsed config, NULL if none loaded */
	char *error_string;          /*  56  */
	int error_num;               /*  64  exit status of the last start() */
	bool daemonize;              /*  68  start() in the background (default) */
	char *config_path;           /*  72  the lxcpath this container lives in */

	/* -- state -- */
	bool (*is_defined)(struct lxc_container *c);
	const char *(*state)(struct lxc_container *c);           /* static string, do not free */
	bool (*is_running)(struct lxc_container *c);
	bool (*freeze)(struct lxc_container *c);
	bool (*unfreeze)(struct lxc_container *c);
	pid_t (*init_pid)(struct lxc_container *c);              /* -1 if not running */
	bool (*load_config)(struct lxc_container *c, const char *alt_file);

	/* -- running -- */
	bool (*start)(struct lxc_container *c, int useinit, char * const argv[]);
	bool (*startl)(struct lxc_container *c, int useinit, ...);           /* NULL-terminated */
	bool (*stop)(struct lxc_container *c);
	bool (*want_daemonize)(struct lxc_container *c, bool state);
	bool (*want_close_all_fds)(struct lxc_container *c, bool state);
	char *(*config_file_name)(struct lxc_container *c);      /* caller frees */
	bool (*wait)(struct lxc_container *c, const char *state, int timeout);

	/* -- configuration, creation, destruction -- */
	bool (*set_config_item)(struct lxc_container *c, const char *key, const char *value);
	bool (*destroy)(struct lxc_container *c);
	bool (*save_config)(struct lxc_container *c, const char *alt_file);
	bool (*create)(struct lxc_container *c, const char *t, const char *bdevtype,
		       struct bdev_specs *specs, int flags, char *const argv[]);
	bool (*createl)(struct lxc_container *c, const char *t, const char *bdevtype,
			struct bdev_specs *specs, int flags, ...);           /* NULL-terminated */
	bool (*rename)(struct lxc_container *c, const char *newname);
	bool (*reboot)(struct lxc_container *c);
	bool (*shutdown)(struct lxc_container *c, int timeout);
	void (*clear_config)(struct lxc_container *c);
	bool (*clear_config_item)(struct lxc_container *c, const char *key);

	/*
	 * Value lookups: with retv == NULL the needed length (without the
	 * NUL) is returned; otherwise up to inlen bytes are written.  Negative
	 * on error.
	 */
	int (*get_config_item)(struct lxc_container *c, const char *key, char *retv, int inlen);
	char* (*get_running_config_item)(struct lxc_container *c, const char *key); /* caller frees */
	int (*get_keys)(struct lxc_container *c, const char *key, char *retv, int inlen);
	char** (*get_interfaces)(struct lxc_container *c);      /* NULL-terminated, caller frees */
	char** (*get_ips)(struct lxc_container *c, const char* interface, const char* family, int scope);
	int (*get_cgroup_item)(struct lxc_container *c, const char *subsys, char *retv, int inlen);
	bool (*set_cgroup_item)(struct lxc_container *c, const char *subsys, const char *value);
	const char *(*get_config_path)(struct lxc_container *c);
	bool (*set_config_path)(struct lxc_container *c, const char *path);

	/* -- copies -- */
	struct lxc_container *(*clone)(struct lxc_container *c, const char *newname,
				       const char *lxcpath, int flags, const char *bdevtype,
				       const char *bdevdata, uint64_t newsize, char **hookargs);

	/* -- terminals -- */
	int (*console_getfd)(struct lxc_container *c, int *ttynum, int *ptxfd);
	int (*console)(struct lxc_container *c, int ttynum,
		       int stdinfd, int stdoutfd, int stderrfd, int escape);

	/* -- attach -- */
	int (*attach)(struct lxc_container *c, lxc_attach_exec_t exec_function,
		      void *exec_payload, lxc_attach_options_t *options, pid_t *attached_process);
	int (*attach_run_wait)(struct lxc_container *c, lxc_attach_options_t *options,
			       const char *program, const char * const argv[]);
	int (*attach_run_waitl)(struct lxc_container *c, lxc_attach_options_t *options,
				const char *program, const char *arg, ...);

	/* -- snapshots -- */
	int (*snapshot)(struct lxc_container *c, const char *commentfile);
	int (*snapshot_list)(struct lxc_container *c, struct lxc_snapshot **snapshots);
	bool (*snapshot_restore)(struct lxc_container *c, const char *snapname, const char *newname);
	bool (*snapshot_destroy)(struct lxc_container *c, const char *snapname);

	bool (*may_control)(struct lxc_container *c);

	/* -- devices and interfaces of a running container -- */
	bool (*add_device_node)(struct lxc_container *c, const char *src_path, const char *dest_path);
	bool (*remove_device_node)(struct lxc_container *c, const char *src_path, const char *dest_path);
	bool (*attach_interface)(struct lxc_container *c, const char *dev, const char *dst_dev);
	bool (*detach_interface)(struct lxc_container *c, const char *dev, const char *dst_dev);

	/* -- checkpoint / restore (CRIU) -- */
	bool (*checkpoint)(struct lxc_container *c, char *directory, bool stop, bool verbose);
	bool (*restore)(struct lxc_container *c, char *directory, bool verbose);

	bool (*destroy_with_snapshots)(struct lxc_container *c);
	bool (*snapshot_destroy_all)(struct lxc_container *c);

	/* size = sizeof(struct migrate_opts) as known to the caller */
	int (*migrate)(struct lxc_container *c, unsigned int cmd, struct migrate_opts *opts, unsigned int size);

	int (*console_log)(struct lxc_container *c, struct lxc_console_log *log);
	bool (*reboot2)(struct lxc_container *c, int timeout);

	/* -- mount injection -- */
	int (*mount)(struct lxc_container *c, const char *source,
		     const char *target, const char *filesystemtype,
		     unsigned long mountflags, const void *data,
		     struct lxc_mount *mnt);
	int (*umount)(struct lxc_container *c, const char *target,
		      unsigned long mountflags, struct lxc_mount *mnt);

	/* -- file descriptors of a running container -- */
	int (*seccomp_notify_fd)(struct lxc_container *c);
	int (*seccomp_notify_fd_active)(struct lxc_container *c);
	int (*init_pidfd)(struct lxc_container *c);
	int (*devpts_fd)(struct lxc_container *c);              /* 560 */
};

/*
 * One entry of snapshot_list().  s->free(s) releases the strings only;
 * the array itself is freed by the caller.
 */
struct lxc_snapshot {
	char *name;             /* "snapN" */
	char *comment_pathname; /* comment file, may be NULL */
	char *timestamp;
	char *lxcpath;          /* where the snapshot container lives */
	void (*free)(struct lxc_snapshot *s);
};

/* Storage parameters for create(); unused members may stay NULL/0. */
struct bdev_specs {
	char *fstype;
	uint64_t fssize;        /* bytes */
	struct {
		char *zfsroot;
	} zfs;
	struct {
		char *vg;
		char *lv;
		char *thinpool;
	} lvm;
	char *dir;
	struct {
		char *rbdname;
		char *rbdpool;
	} rbd;
};

/* Commands for migrate(). */
enum {
	MIGRATE_PRE_DUMP,
	MIGRATE_DUMP,
	MIGRATE_RESTORE,
	MIGRATE_FEATURE_CHECK,
};

/* Bits for migrate_opts.features_to_check (MIGRATE_FEATURE_CHECK). */
#define FEATURE_MEM_TRACK  (1ULL << 0)
#define FEATURE_LAZY_PAGES (1ULL << 1)

/* Options for migrate(); new members are only ever appended. */
struct migrate_opts {
	char *directory;
	bool verbose;
	bool stop;                   /* stop the container after dumping */
	char *predump_dir;
	char *pageserver_address;
	char *pageserver_port;
	bool preserves_inodes;
	char *action_script;
	bool disable_skip_in_flight;
	uint64_t ghost_limit;
	uint64_t features_to_check;
};

/* Argument of console_log(). */
struct lxc_console_log {
	bool clear;             /* empty the ring buffer */
	bool read;              /* return its contents in data */
	uint64_t *read_max;     /* in: byte limit (0 = all); out: bytes returned */
	char *data;             /* out, caller frees */
};

/* Create a handle for container name under lxcpath configpath (NULL = default). */
struct lxc_container *lxc_container_new(const char *name, const char *configpath);

/* Take a reference: 1 on success, 0 on failure. */
int lxc_container_get(struct lxc_container *c);

/* Drop a reference: 1 if c was freed, 0 if still alive, -1 on error. */
int lxc_container_put(struct lxc_container *c);

/* Number of container states; with states != NULL also fills their names. */
int lxc_get_wait_states(const char **states);

/* Value of a key from the global lxc.conf (do not free). */
const char *lxc_get_global_config_item(const char *key);

/* "5.0.2" */
const char *lxc_get_version(void);

/*
 * Enumerate containers under lxcpath.  Return the count (-1 on error) and,
 * for non-NULL out pointers, a sorted array of names and/or an array of
 * new container references; the caller frees all of it.
 */
int list_defined_containers(const char *lxcpath, char ***names, struct lxc_container ***cret);
int list_active_containers(const char *lxcpath, char ***names, struct lxc_container ***cret);
int list_all_containers(const char *lxcpath, char ***names, struct lxc_container ***cret);

/* Logging set-up for lxc_log_init(). */
struct lxc_log {
	const char *name;
	const char *lxcpath;
	const char *file;       /* "none" disables the log file */
	const char *level;      /* TRACE ... FATAL */
	const char *prefix;
	bool quiet;             /* nothing on stderr */
};

int lxc_log_init(struct lxc_log *log);
void lxc_log_close(void);

/* Whether key is a known configuration key name. */
bool lxc_config_item_is_supported(const char *key);

/* Whether this library provides the named API extension. */
bool lxc_has_api_extension(const char *extension);

#ifdef __cplusplus
}
#endif

#endif /* __LXC_CONTAINER_H */
