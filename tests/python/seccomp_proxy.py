#!/usr/bin/env python3
"""A seccomp notification supervisor speaking LXC's proxy protocol (what LXD and Incus
serve), for the tests: it logs each notification it gets and answers it with success and
nothing done, under a wrong id the monitor has to put right; with "silent" it never answers.

Usage: seccomp_proxy.py SOCKET LOG [silent]   (prints "ready" once it listens)
"""
import array
import os
import socket
import struct
import sys

HEADER = struct.Struct("=QiiHHHxxQ")  # reserved, monitor pid, init pid, 3 sizes, cookie length
NOTIF = struct.Struct("=QIIiI")  # id, pid, flags, nr, arch
RESP = struct.Struct("=QqiI")  # id, val, error, flags


def main():
    path, log_path = sys.argv[1], sys.argv[2]
    silent = sys.argv[3:] == ["silent"]
    server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    server.bind(path)
    server.listen(1)
    print("ready", flush=True)
    conn, _ = server.accept()
    while True:
        fds = array.array("i")
        msg, ancillary, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(2 * fds.itemsize))
        if not msg:
            return
        for level, kind, data in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        _, monitor, init, n_notif, n_resp, _, n_cookie = HEADER.unpack_from(msg)
        at = HEADER.size
        notif = msg[at : at + n_notif]
        resp = bytearray(msg[at + n_notif : at + n_notif + n_resp])
        cookie = msg[at + n_notif + n_resp : at + n_notif + n_resp + n_cookie]
        _, pid, _, nr, _ = NOTIF.unpack_from(notif)
        # The first descriptor is the caller's /proc/<pid>, the second its memory.
        comm_fd = os.open("comm", os.O_RDONLY, dir_fd=fds[0])
        comm = os.read(comm_fd, 64).decode().strip()
        os.close(comm_fd)
        mem_ok = os.lseek(fds[1], 0, os.SEEK_SET) == 0
        for fd in fds:
            os.close(fd)
        with open(log_path, "a") as log:
            log.write(
                f"nr={nr} pid={pid} comm={comm} cookie={cookie.decode()} init={init} "
                f"monitor={monitor} fds={len(fds)} mem={mem_ok} len={len(msg)}\n"
            )
        if silent:
            continue
        RESP.pack_into(resp, 0, 0xDEADBEEF, 0, 0, 0)
        conn.sendmsg([msg[: at + n_notif] + bytes(resp)])


if __name__ == "__main__":
    main()
