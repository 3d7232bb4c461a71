/*
 * Supervised boot (softscm.client.supervised_boot): the file is read here, inside the
 * boot directory the module reports, and the module signs its SHA-256 digest.
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes read at a time while hashing a boot file. */
#define ZK_BOOT_READ_CHUNK (1 << 16)

/* The SHA-256 of the regular file `path` inside `boot_dir`, as _digest_in: -errno if it
 * cannot be read, -EACCES if it leads (through a link) outside, -EINVAL if it is not a
 * regular file. */
static int digest_in(const char* boot_dir, const char* path, uint8_t digest[32])
{
    char root[PATH_MAX];
    if (realpath(boot_dir, root) == NULL) {
        size_t n = strlen(boot_dir);
        if (n >= sizeof(root))
            return -ENAMETOOLONG;
        memcpy(root, boot_dir, n + 1);
    }
    size_t root_len = strlen(root);
    char* joined = NULL;
    if (path[0] == '/') {
        joined = zk_strndup(path, strlen(path));
    } else {
        size_t n = root_len + 1 + strlen(path);
        joined = malloc(n + 1);
        if (joined != NULL) {
            memcpy(joined, root, root_len);
            joined[root_len] = '/';
            memcpy(joined + root_len + 1, path, strlen(path) + 1);
        }
    }
    if (joined == NULL)
        return -ENOMEM;
    char target[PATH_MAX];
    char* resolved = realpath(joined, target);
    int err = errno;
    free(joined);
    if (resolved == NULL)
        return -err;
    /* Strictly below the root. */
    bool root_is_slash = root_len == 1 && root[0] == '/';
    size_t prefix = root_is_slash ? 0 : root_len;
    if (strncmp(target, root, prefix) != 0 || target[prefix] != '/' || target[prefix + 1] == '\0')
        return -EACCES;
    int fd;
    do {
        fd = open(target, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        err = errno;
        close(fd);
        return -err;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    uint8_t* chunk = malloc(ZK_BOOT_READ_CHUNK);
    if (chunk == NULL) {
        close(fd);
        return -ENOMEM;
    }
    zk_sha256 sha;
    zk_sha256_init(&sha);
    int rc = 0;
    for (;;) {
        ssize_t got = read(fd, chunk, ZK_BOOT_READ_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = -errno;
            break;
        }
        if (got == 0)
            break;
        zk_sha256_update(&sha, chunk, (size_t)got);
    }
    free(chunk);
    close(fd);
    if (rc == 0)
        zk_sha256_final(&sha, digest);
    return rc;
}

int zkSetSupervisedBootPolicy(zkCTX ctx, int policy_id)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "set_supervised_boot_policy");
    zk_arg_int(&req, "policy_id", policy_id);
    return zk_call_void(c, &req);
}

int zkAddOrUpdateSupervisedBootFile(zkCTX ctx, const char* file_path, int slot)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || file_path == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "prepare_supervised_boot_file");
    zk_arg_str(&req, "path", file_path);
    zk_arg_int(&req, "slot", slot);
    char* boot_dir = NULL;
    int rc = zk_call_str(c, &req, &boot_dir);
    if (rc < 0)
        return rc;
    uint8_t digest[32];
    rc = digest_in(boot_dir, file_path, digest);
    free(boot_dir);
    if (rc < 0)
        return rc;
    zk_req(&req, "add_or_update_supervised_boot_file");
    zk_arg_str(&req, "path", file_path);
    zk_arg_int(&req, "slot", slot);
    zk_arg_bin(&req, "digest", digest, sizeof(digest));
    return zk_call_void(c, &req);
}

int zkRemoveSupervisedBootFile(zkCTX ctx, const char* file_path)
{
    zk_context* c = zk_ctx(ctx);
    if (c == NULL || file_path == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "remove_supervised_boot_file");
    zk_arg_str(&req, "path", file_path);
    return zk_call_void(c, &req);
}

int zkGetSupervisedBootFileManifest(zkCTX ctx, char** manifest)
{
    zk_context* c = zk_ctx(ctx);
    if (manifest != NULL)
        *manifest = NULL;
    if (c == NULL || manifest == NULL)
        return -EINVAL;
    zk_buf req;
    zk_req(&req, "supervised_boot_manifest");
    return zk_call_str(c, &req, manifest);
}
