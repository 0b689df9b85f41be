/*
 * The escape fixture's break-out attempts, built into escape.so only (with
 * detector.c -DMISBEHAVE_ESCAPE).  A constructor runs them when the library
 * is loaded (dlopen), before the host has called anything, and create()
 * runs them again, so both load time and run time are covered.  Each
 * attempt prints one line on stderr, which a sandbox test reads:
 *
 *   escape: <what> at <when>: ok
 *   escape: <what> at <when>: failed (<strerror, or how the child ended>)
 *   escape: <what> at <when>: skipped (<variable> unset)
 *
 * what is one of:
 *   write        append "escaped at <when>" to $BL_ESCAPE_DIR/escaped_write
 *   connect      TCP connect to 127.0.0.1:$BL_ESCAPE_PORT and send "escaped"
 *   fork+exec    fork(), then execl /bin/sh -c 'touch "$BL_ESCAPE_DIR/escaped_exec"'
 *   posix_spawn  the same command through posix_spawn()
 *   system       the same command through system()
 * A process attempt is ok when the command exited 0 (so the file exists).
 * Without BL_ESCAPE_DIR the file and process attempts are skipped (the
 * command would touch /escaped_exec), without BL_ESCAPE_PORT the connect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "misbehave.h"

#define DIR_VAR "BL_ESCAPE_DIR"
#define PORT_VAR "BL_ESCAPE_PORT"
#define COMMAND "touch \"$" DIR_VAR "/escaped_exec\""
#define MESSAGE "escaped"

extern char **environ;

static void say(const char *what, const char *when, const char *outcome, const char *why) {
    if (why != NULL)
        fprintf(stderr, "escape: %s at %s: %s (%s)\n", what, when, outcome, why);
    else
        fprintf(stderr, "escape: %s at %s: %s\n", what, when, outcome);
    fflush(stderr);
}

static void failed(const char *what, const char *when, int err) {
    say(what, when, "failed", strerror(err));
}

/* Report how a child that ran COMMAND ended (status from waitpid/system). */
static void ended(const char *what, const char *when, int status) {
    char why[64];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        say(what, when, "ok", NULL);
        return;
    }
    if (WIFEXITED(status))
        snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(why, sizeof why, "wait status 0x%x", (unsigned)status);
    say(what, when, "failed", why);
}

static void wait_child(const char *what, const char *when, pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            failed(what, when, errno);
            return;
        }
    }
    ended(what, when, status);
}

static void try_write(const char *dir, const char *when) {
    char path[4096], line[64];
    int n = snprintf(path, sizeof path, "%s/escaped_write", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        failed("write", when, ENAMETOOLONG);
        return;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        failed("write", when, errno);
        return;
    }
    size_t len = (size_t)snprintf(line, sizeof line, "escaped at %s\n", when);
    ssize_t w = write(fd, line, len);
    int err = w < 0 ? errno : EIO;
    close(fd);
    if (w == (ssize_t)len)
        say("write", when, "ok", NULL);
    else
        failed("write", when, err);
}

static void try_connect(const char *port_text, const char *when) {
    struct sockaddr_in addr;
    char *end;
    long port = strtol(port_text, &end, 10);
    if (*port_text == '\0' || *end != '\0' || port < 1 || port > 65535) {
        say("connect", when, "failed", PORT_VAR " is not a port number");
        return;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        failed("connect", when, errno);
        return;
    }
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int err = 0;
    if (connect(fd, (const struct sockaddr *)&addr, sizeof addr) != 0)
        err = errno;
    else {
        ssize_t w = send(fd, MESSAGE, sizeof MESSAGE - 1, MSG_NOSIGNAL);
        if (w != (ssize_t)(sizeof MESSAGE - 1))
            err = w < 0 ? errno : EIO;
    }
    close(fd);
    if (err == 0)
        say("connect", when, "ok", NULL);
    else
        failed("connect", when, err);
}

static void try_fork_exec(const char *when) {
    fflush(NULL); /* or the child's exit could write the parent's buffers twice */
    pid_t pid = fork();
    if (pid < 0) {
        failed("fork+exec", when, errno);
        return;
    }
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", COMMAND, (char *)NULL);
        _exit(127);
    }
    wait_child("fork+exec", when, pid);
}

static void try_posix_spawn(const char *when) {
    char *argv[] = {"sh", "-c", COMMAND, NULL};
    pid_t pid;
    int err = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
    if (err != 0) {
        failed("posix_spawn", when, err);
        return;
    }
    wait_child("posix_spawn", when, pid);
}

static void try_system(const char *when) {
    int status = system(COMMAND);
    if (status == -1)
        failed("system", when, errno);
    else
        ended("system", when, status);
}

void fixture_escape(const char *when) {
    const char *dir = getenv(DIR_VAR), *port = getenv(PORT_VAR);
    static const char *const by_process[] = {"fork+exec", "posix_spawn", "system"};
    if (dir != NULL) {
        try_write(dir, when);
    } else {
        say("write", when, "skipped", DIR_VAR " unset");
    }
    if (port != NULL)
        try_connect(port, when);
    else
        say("connect", when, "skipped", PORT_VAR " unset");
    if (dir != NULL) {
        try_fork_exec(when);
        try_posix_spawn(when);
        try_system(when);
    } else {
        for (size_t i = 0; i < sizeof by_process / sizeof by_process[0]; i++)
            say(by_process[i], when, "skipped", DIR_VAR " unset");
    }
}

__attribute__((constructor)) static void escape_at_dlopen(void) { fixture_escape("dlopen"); }
