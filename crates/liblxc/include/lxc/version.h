/* SPDX-License-Identifier: LGPL-2.1+ */
/*
 * lxc-rs: version constants of the LXC release whose C ABI liblxc.so.1
 * implements.
 */
#ifndef __LXC_VERSION_H
#define __LXC_VERSION_H

#define LXC_VERSION "5.0.2"
#define LXC_VERSION_MAJOR 5
#define LXC_VERSION_MINOR 0
#define LXC_VERSION_MICRO 2
/* 0 for a release build, 1 for a development snapshot. */
#define LXC_DEVEL 0
/* Shared object version: liblxc.so.1.7.0 (SONAME liblxc.so.1). */
#define LXC_VERSION_ABI "1.7.0"

#endif /* __LXC_VERSION_H */
