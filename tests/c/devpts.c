/*
 * devpts_fd through the public LXC C API: the container's devpts, where a pty of the
 * container's own can be opened.
 *
 *   usage: devpts NAME LXCPATH
 *
 * Prints "dev MAJOR:MINOR pty OK" (the devpts' device number, whether ptmx in it gave a
 * pty), or "devpts_fd RET" when there is none.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <lxc/lxccontainer.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: devpts NAME LXCPATH\n");
		return 2;
	}
	struct lxc_container *c = lxc_container_new(argv[1], argv[2]);
	if (!c) {
		fprintf(stderr, "devpts: no container %s\n", argv[1]);
		return 1;
	}
	int fd = c->devpts_fd(c);
	if (fd < 0) {
		printf("devpts_fd %d\n", fd);
		lxc_container_put(c);
		return 0;
	}
	struct stat st;
	int pty = -1;
	fstat(fd, &st);
	int ptmx = openat(fd, "ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int ok = ptmx >= 0 && ioctl(ptmx, TIOCGPTN, &pty) == 0 && pty >= 0;
	printf("dev %u:%u pty %d\n", major(st.st_dev), minor(st.st_dev), ok);
	lxc_container_put(c);
	return 0;
}
