/* A power-cut recorder, preloaded into the daemon by the crash test (node/tests/power_cut).
 *
 * After every successful fsync or fdatasync of a regular file it appends "S dev ino size" to the
 * file named by FEDREC_POWER_CUT_LOG: the length known to be on disk. Before a file is unlinked,
 * or replaced by a rename, it appends "U dev ino", so a reused inode number starts from nothing.
 * The size is read before the sync starts, so a write racing the sync is not counted as synced.
 *
 * At a simulated power cut the test kills the daemon and cuts every file back to its last
 * synced length (nothing, if it was never synced): what the page cache held and no sync reached
 * is lost, as it would be when the power goes. Directory entries (creations, renames, unlinks)
 * are kept as they are, which is kinder than a real power cut; the data is not. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void record(const char *line, int length) {
    const char *path = getenv("FEDREC_POWER_CUT_LOG");
    if (path == NULL) return;
    /* Opened for each line: the daemon may close any descriptor it did not open itself. One
     * write() of one short line to an O_APPEND file is not interleaved with another's. */
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    ssize_t written = write(fd, line, (size_t)length);
    (void)written;
    close(fd);
}

static int synced(int fd, int (*real)(int)) {
    struct stat before;
    int regular = fstat(fd, &before) == 0 && S_ISREG(before.st_mode);
    int result = real(fd);
    if (result == 0 && regular) {
        char line[96];
        int length = snprintf(line, sizeof line, "S %llu %llu %lld\n",
                              (unsigned long long)before.st_dev,
                              (unsigned long long)before.st_ino, (long long)before.st_size);
        record(line, length);
    }
    return result;
}

static void forgotten(int dirfd, const char *path) {
    struct stat gone;
    if (fstatat(dirfd, path, &gone, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(gone.st_mode)) {
        char line[96];
        int length = snprintf(line, sizeof line, "U %llu %llu\n",
                              (unsigned long long)gone.st_dev, (unsigned long long)gone.st_ino);
        record(line, length);
    }
}

int fsync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return synced(fd, real);
}

int fdatasync(int fd) {
    static int (*real)(int);
    if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return synced(fd, real);
}

int unlink(const char *path) {
    static int (*real)(const char *);
    if (real == NULL) real = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
    forgotten(AT_FDCWD, path);
    return real(path);
}

int unlinkat(int dirfd, const char *path, int flags) {
    static int (*real)(int, const char *, int);
    if (real == NULL) real = (int (*)(int, const char *, int))dlsym(RTLD_NEXT, "unlinkat");
    if ((flags & AT_REMOVEDIR) == 0) forgotten(dirfd, path);
    return real(dirfd, path, flags);
}

int rename(const char *from, const char *to) {
    static int (*real)(const char *, const char *);
    if (real == NULL) real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    forgotten(AT_FDCWD, to);
    return real(from, to);
}
