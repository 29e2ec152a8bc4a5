/* SPDX-License-Identifier: LGPL-2.1+ */
/*
 * lxc-rs: options for running code inside a container
 * (lxc_container::attach, ::attach_run_wait, ::attach_run_waitl).
 *
 * ABI-compatible with LXC 5.0.2 on x86_64.
 */
#ifndef __LXC_ATTACH_OPTIONS_H
#define __LXC_ATTACH_OPTIONS_H

#include <errno.h>      /* EBADF, used by LXC_ATTACH_OPTIONS_DEFAULT */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What happens to the caller's environment in the attached process. */
typedef enum lxc_attach_env_policy_t {
	LXC_ATTACH_KEEP_ENV = 0,  /* inherit it */
#define LXC_ATTACH_KEEP_ENV LXC_ATTACH_KEEP_ENV
	LXC_ATTACH_CLEAR_ENV = 1, /* start from an empty one */
#define LXC_ATTACH_CLEAR_ENV LXC_ATTACH_CLEAR_ENV
} lxc_attach_env_policy_t;

/*
 * Bits for lxc_attach_options_t.attach_flags.  The low 16 bits form the
 * "on by default" group, the high 16 bits the "off by default" group.
 * Each constant is also a macro so that #ifdef can probe for it.
 */
enum {
	/* on by default */
	LXC_ATTACH_MOVE_TO_CGROUP = 0x00000001,
#define LXC_ATTACH_MOVE_TO_CGROUP LXC_ATTACH_MOVE_TO_CGROUP
	LXC_ATTACH_DROP_CAPABILITIES = 0x00000002,
#define LXC_ATTACH_DROP_CAPABILITIES LXC_ATTACH_DROP_CAPABILITIES
	LXC_ATTACH_SET_PERSONALITY = 0x00000004,
#define LXC_ATTACH_SET_PERSONALITY LXC_ATTACH_SET_PERSONALITY
	LXC_ATTACH_LSM_EXEC = 0x00000008,
#define LXC_ATTACH_LSM_EXEC LXC_ATTACH_LSM_EXEC

	/* off by default */
	LXC_ATTACH_REMOUNT_PROC_SYS = 0x00010000,
#define LXC_ATTACH_REMOUNT_PROC_SYS LXC_ATTACH_REMOUNT_PROC_SYS
	LXC_ATTACH_LSM_NOW = 0x00020000, /* reserved, has no effect */
#define LXC_ATTACH_LSM_NOW LXC_ATTACH_LSM_NOW
	LXC_ATTACH_NO_NEW_PRIVS = 0x00040000, /* prctl(PR_SET_NO_NEW_PRIVS) */
#define LXC_ATTACH_NO_NEW_PRIVS LXC_ATTACH_NO_NEW_PRIVS
	LXC_ATTACH_TERMINAL = 0x00080000, /* give the process a new pty */
#define LXC_ATTACH_TERMINAL LXC_ATTACH_TERMINAL
	LXC_ATTACH_LSM_LABEL = 0x00100000, /* apply options->lsm_label */
#define LXC_ATTACH_LSM_LABEL LXC_ATTACH_LSM_LABEL
	LXC_ATTACH_SETGROUPS = 0x00200000, /* apply options->groups */
#define LXC_ATTACH_SETGROUPS LXC_ATTACH_SETGROUPS

	/* the whole "on by default" group */
	LXC_ATTACH_DEFAULT = 0x0000FFFF
#define LXC_ATTACH_DEFAULT LXC_ATTACH_DEFAULT
};

/* Every flag that concerns the Linux Security Module. */
#define LXC_ATTACH_LSM (LXC_ATTACH_LSM_EXEC | LXC_ATTACH_LSM_NOW | LXC_ATTACH_LSM_LABEL)

/*
 * Function run in the attached process; what it returns becomes the
 * process' exit status.
 */
typedef int (*lxc_attach_exec_t)(void* payload);

/* Supplementary group list (used with LXC_ATTACH_SETGROUPS). */
typedef struct lxc_groups_t {
	size_t size;
	gid_t *list;
} lxc_groups_t;

/* personality value meaning "use the container's". */
#define LXC_ATTACH_DETECT_PERSONALITY ~0L

/*
 * Options for attach().  x86_64 size: 96 bytes.  Callers built against
 * older headers may pass a struct that ends after log_fd (72 bytes); the
 * library reads lsm_label/groups only when their flag bit is set.
 */
typedef struct lxc_attach_options_t {
	int attach_flags;                   /* LXC_ATTACH_* bits */
	int namespaces;                     /* CLONE_NEW* mask, -1 = all of the container's */
	long personality;                   /* or LXC_ATTACH_DETECT_PERSONALITY */
	char *initial_cwd;                  /* NULL = keep the current directory */
	uid_t uid;                          /* (uid_t)-1 = pick automatically */
	gid_t gid;                          /* (gid_t)-1 = pick automatically */
	lxc_attach_env_policy_t env_policy;
	char **extra_env_vars;              /* "NAME=value", NULL-terminated */
	char **extra_keep_env;              /* names kept with LXC_ATTACH_CLEAR_ENV */
	int stdin_fd;
	int stdout_fd;
	int stderr_fd;
	int log_fd;                         /* -EBADF = none */
	char *lsm_label;                    /* with LXC_ATTACH_LSM_LABEL */
	lxc_groups_t groups;                /* with LXC_ATTACH_SETGROUPS */
} lxc_attach_options_t;

/* Initializer with the library's defaults. */
#define LXC_ATTACH_OPTIONS_DEFAULT                                      \
	{                                                               \
		.attach_flags   = LXC_ATTACH_DEFAULT,                   \
		.namespaces     = -1,                                   \
		.personality    = LXC_ATTACH_DETECT_PERSONALITY,        \
		.initial_cwd    = NULL,                                 \
		.uid            = (uid_t)-1,                            \
		.gid            = (gid_t)-1,                            \
		.env_policy     = LXC_ATTACH_KEEP_ENV,                  \
		.extra_env_vars = NULL,                                 \
		.extra_keep_env = NULL,                                 \
		.stdin_fd       = 0,                                    \
		.stdout_fd      = 1,                                    \
		.stderr_fd      = 2,                                    \
		.log_fd         = -EBADF,                               \
		.lsm_label      = NULL,                                 \
		.groups         = { 0, NULL },                          \
	}

/* Payload for lxc_attach_run_command(). */
typedef struct lxc_attach_command_t {
	char *program; /* looked up in PATH (execvp) */
	char **argv;   /* NULL-terminated, argv[0] included */
} lxc_attach_command_t;

/*
 * Ready-made lxc_attach_exec_t functions:
 * run_command execs the lxc_attach_command_t given as payload,
 * run_shell execs the user's login shell (payload unused).
 * Both return only if exec failed.
 */
extern int lxc_attach_run_command(void* payload);
extern int lxc_attach_run_shell(void* payload);

#ifdef __cplusplus
}
#endif

#endif /* __LXC_ATTACH_OPTIONS_H */
