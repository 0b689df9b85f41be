/* Messages between borderlab and a plugin host process: host_protocol.h. */
#include "plugin/host_protocol.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

int bl_host_send(int sock, const void *head, size_t head_len, const void *payload,
                 size_t payload_len, const int *fds, size_t n_fds) {
    struct iovec iov[2] = {{(void *)head, head_len}, {(void *)payload, payload_len}};
    union {
        char buf[CMSG_SPACE(sizeof(int) * BL_HOST_FDS_MAX)];
        struct cmsghdr align;
    } control;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = payload_len > 0 ? 2 : 1;
    if (n_fds > BL_HOST_FDS_MAX || head_len + payload_len > BL_HOST_MESSAGE_MAX) {
        errno = EMSGSIZE;
        return -1;
    }
    if (n_fds > 0) {
        memset(&control, 0, sizeof control);
        msg.msg_control = control.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
    }
    for (;;) {
        ssize_t sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (sent >= 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

int bl_host_spin(int sock, double spin_s) {
    struct timespec t0, t;
    char probe;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        ssize_t got = recv(sock, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
        if (got >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 > spin_s)
            return 0;
    }
}

long bl_host_recv(int sock, void *buf, size_t cap, int *fds, size_t *n_fds) {
    struct iovec iov = {buf, cap};
    union {
        char buf[CMSG_SPACE(sizeof(int) * BL_HOST_FDS_MAX)];
        struct cmsghdr align;
    } control;
    struct msghdr msg;
    ssize_t got;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    if (n_fds != NULL)
        *n_fds = 0;
    do
        got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        int tmp[BL_HOST_FDS_MAX * 2];
        if (k > sizeof tmp / sizeof tmp[0])
            k = sizeof tmp / sizeof tmp[0];
        memcpy(tmp, CMSG_DATA(c), k * sizeof(int));
        for (size_t i = 0; i < k; i++) {
            if (fds != NULL && n_fds != NULL && *n_fds < BL_HOST_FDS_MAX)
                fds[(*n_fds)++] = tmp[i];
            else
                close(tmp[i]);
        }
    }
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        for (size_t i = 0; fds != NULL && n_fds != NULL && i < *n_fds; i++)
            close(fds[i]);
        if (n_fds != NULL)
            *n_fds = 0;
        errno = EMSGSIZE;
        return -1;
    }
    return (long)got;
}
