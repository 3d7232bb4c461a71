/*
 * Files read and written on the client side (softscm.client.files): paths are resolved
 * in the calling process. Writes are atomic: a temporary file beside the target,
 * fsync, the permissions open() would give (0666 less the umask), rename; on any
 * failure the target is left untouched. Failures are -errno.
 */
#include "internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int zk_read_file(const char* path, uint8_t** data, size_t* len)
{
    *data = NULL;
    *len = 0;
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -errno;
    size_t cap = 1 << 16, n = 0;
    uint8_t* buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    for (;;) {
        if (n == cap) {
            uint8_t* bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (bigger == NULL) {
                free(buf);
                close(fd);
                return -ENOMEM;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            free(buf);
            close(fd);
            return -err;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    *data = buf;
    *len = n;
    return 0;
}

/* The process's umask, read without changing it where Linux allows. */
static mode_t current_umask(void)
{
    FILE* status = fopen("/proc/self/status", "re");
    if (status != NULL) {
        char line[256];
        unsigned mask;
        while (fgets(line, sizeof(line), status) != NULL) {
            if (sscanf(line, "Umask: %o", &mask) == 1) {
                fclose(status);
                return (mode_t)mask;
            }
        }
        fclose(status);
    }
    mode_t mask = umask(0);
    umask(mask);
    return mask;
}

int zk_atomic_open(zk_atomic* a, const char* path)
{
    a->fd = -1;
    a->tmp = a->target = NULL;
    if (path == NULL)
        return -EINVAL;
    const char* slash = strrchr(path, '/');
    size_t dir_len = slash == NULL ? 0 : (size_t)(slash - path) + 1;
    static const char name[] = ".softscm-XXXXXX";
    a->target = zk_strndup(path, strlen(path));
    a->tmp = malloc(dir_len + sizeof(name));
    if (a->target == NULL || a->tmp == NULL) {
        free(a->target);
        free(a->tmp);
        a->tmp = a->target = NULL;
        return -ENOMEM;
    }
    memcpy(a->tmp, path, dir_len);
    memcpy(a->tmp + dir_len, name, sizeof(name));
    a->fd = mkostemp(a->tmp, O_CLOEXEC);
    if (a->fd < 0) {
        int err = errno;
        free(a->target);
        free(a->tmp);
        a->tmp = a->target = NULL;
        return -err;
    }
    return 0;
}

int zk_atomic_write(zk_atomic* a, const void* data, size_t n)
{
    const uint8_t* p = data;
    while (n > 0) {
        ssize_t put = write(a->fd, p, n);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

static void release(zk_atomic* a)
{
    if (a->fd >= 0)
        close(a->fd);
    free(a->tmp);
    free(a->target);
    a->fd = -1;
    a->tmp = a->target = NULL;
}

void zk_atomic_abort(zk_atomic* a)
{
    if (a->tmp != NULL)
        unlink(a->tmp);
    release(a);
}

int zk_atomic_commit(zk_atomic* a)
{
    int rc = 0;
    if (fsync(a->fd) < 0 || fchmod(a->fd, 0666 & ~current_umask()) < 0)
        rc = -errno;
    if (rc == 0) {
        int fd = a->fd;
        a->fd = -1;
        if (close(fd) < 0 && errno != EINTR)
            rc = -errno;
    }
    if (rc == 0 && rename(a->tmp, a->target) < 0)
        rc = -errno;
    if (rc < 0) {
        zk_atomic_abort(a);
        return rc;
    }
    release(a);
    return 0;
}

int zk_write_file(const char* path, const void* data, size_t n)
{
    zk_atomic a;
    int rc = zk_atomic_open(&a, path);
    if (rc < 0)
        return rc;
    rc = zk_atomic_write(&a, data, n);
    if (rc < 0) {
        zk_atomic_abort(&a);
        return rc;
    }
    return zk_atomic_commit(&a);
}
