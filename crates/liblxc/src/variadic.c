/* The C-variadic methods of struct lxc_container: collect the NULL-terminated argument
 * list into an array and hand it to the array-taking implementation in Rust. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>

struct lxc_container;
struct bdev_specs;

extern bool lxcrs_create(struct lxc_container *c, const char *t, const char *bdevtype,
                         struct bdev_specs *specs, int flags, char *const argv[]);
extern bool lxcrs_start(struct lxc_container *c, int useinit, char *const argv[]);
extern int lxcrs_attach_run_wait(struct lxc_container *c, void *options,
                                 const char *program, const char *const argv[]);

/* Count the arguments up to the NULL terminator, then copy them; NULL on no memory. */
static char **collect(const char *first, va_list ap)
{
    va_list count;
    size_t n = 0, i = 0;
    char **argv;
    const char *arg;

    va_copy(count, ap);
    for (arg = first; arg; arg = va_arg(count, const char *))
        n++;
    va_end(count);
    argv = calloc(n + 1, sizeof(*argv));
    if (!argv)
        return NULL;
    for (arg = first; arg; arg = va_arg(ap, const char *))
        argv[i++] = (char *)arg;
    return argv;
}

bool lxcrs_createl(struct lxc_container *c, const char *t, const char *bdevtype,
                   struct bdev_specs *specs, int flags, ...)
{
    va_list ap;
    char **argv;
    bool ok;

    va_start(ap, flags);
    argv = collect(va_arg(ap, const char *), ap);
    va_end(ap);
    if (!argv)
        return false;
    ok = lxcrs_create(c, t, bdevtype, specs, flags, argv);
    free(argv);
    return ok;
}

bool lxcrs_startl(struct lxc_container *c, int useinit, ...)
{
    va_list ap;
    char **argv;
    bool ok;

    va_start(ap, useinit);
    argv = collect(va_arg(ap, const char *), ap);
    va_end(ap);
    if (!argv)
        return false;
    ok = lxcrs_start(c, useinit, argv[0] ? argv : NULL);
    free(argv);
    return ok;
}

int lxcrs_attach_run_waitl(struct lxc_container *c, void *options, const char *program,
                           const char *arg, ...)
{
    va_list ap;
    char **argv;
    int ret;

    va_start(ap, arg);
    argv = collect(arg, ap);
    va_end(ap);
    if (!argv)
        return -1;
    ret = lxcrs_attach_run_wait(c, options, program, (const char *const *)argv);
    free(argv);
    return ret;
}
