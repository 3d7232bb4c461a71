"""Who may connect to the daemon: the peer's credentials from the kernel (``SO_PEERCRED``
for its uid and gid, ``SO_PEERGROUPS`` for its supplementary groups, else the uid's
groups in the user database) against an allow-list of users and groups. Nothing is read
from ``/proc/<pid>``: a pid can be reused by another process between the connection and
the look."""

from __future__ import annotations

import errno
import grp
import os
import pwd
import socket
import struct
from dataclasses import dataclass, field

from softscm.errors import InvalidArgument

#: The group whose members may use the daemon by default.
DEFAULT_GROUP = "softscm"
_UCRED = struct.Struct("3i")
#: ``SO_PEERGROUPS`` (Linux 4.13 and later); Python may not name it.
SO_PEERGROUPS = getattr(socket, "SO_PEERGROUPS", 59)
#: Most supplementary groups asked of the kernel at once (``NGROUPS_MAX`` is 65536).
_GROUPS_FIRST, _GROUPS_MAX = 256, 65536


@dataclass(frozen=True)
class Peer:
    """A connected process: its pid, user, primary group and supplementary groups."""

    pid: int
    uid: int
    gid: int
    groups: frozenset[int] = frozenset()


def credentials(sock: socket.socket) -> tuple[int, int, int]:
    """``(pid, uid, gid)`` of the process at the other end of a Unix socket, as the
    kernel recorded them when it connected (or listened)."""
    pid, uid, gid = _UCRED.unpack(
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    )
    return pid, uid, gid


def peer_of(sock: socket.socket) -> Peer:
    """The credentials of the process at the other end of a Unix socket."""
    pid, uid, gid = credentials(sock)
    groups = kernel_groups(sock)
    if groups is None:
        groups = user_groups(uid, gid)
    return Peer(pid, uid, gid, groups)


def kernel_groups(sock: socket.socket) -> frozenset[int] | None:
    """The peer's supplementary groups as the kernel recorded them at connection
    (``SO_PEERGROUPS``), or ``None`` where the kernel cannot say."""
    size = _GROUPS_FIRST
    while size <= _GROUPS_MAX:
        try:
            raw = sock.getsockopt(socket.SOL_SOCKET, SO_PEERGROUPS, size * 4)
        except OSError as exc:
            if exc.errno == errno.ERANGE:
                size *= 4
                continue
            return None  # ENOPROTOOPT: a kernel older than 4.13
        count = len(raw) // 4
        return frozenset(struct.unpack(f"={count}I", raw[:count * 4]))
    return None


def user_groups(uid: int, gid: int) -> frozenset[int]:
    """The groups of user ``uid`` in the user database (with ``gid``); none for a uid
    the database does not know."""
    try:
        name = pwd.getpwuid(uid).pw_name
        return frozenset(os.getgrouplist(name, gid))
    except (KeyError, OSError):
        return frozenset({gid})


def group_id(name: str) -> int | None:
    """The gid of group ``name``, or ``None`` if the host has no such group."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        return None


@dataclass(frozen=True)
class AllowList:
    """Users and groups allowed to connect. Never everyone."""

    uids: frozenset[int] = field(default_factory=frozenset)
    gids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def default(cls) -> AllowList:
        """The daemon's own user and the ``softscm`` group (if the host has it)."""
        gid = group_id(DEFAULT_GROUP)
        return cls(frozenset({os.geteuid()}), frozenset() if gid is None else frozenset({gid}))

    @classmethod
    def parse(cls, users: list[str], groups: list[str]) -> AllowList:
        """An allow-list from user and group names or numbers."""
        uids, gids = set(), set()
        for user in users:
            try:
                uids.add(int(user) if user.isdigit() else pwd.getpwnam(user).pw_uid)
            except KeyError:
                raise InvalidArgument(f"no such user: {user!r}") from None
        for group in groups:
            try:
                gids.add(int(group) if group.isdigit() else grp.getgrnam(group).gr_gid)
            except KeyError:
                raise InvalidArgument(f"no such group: {group!r}") from None
        return cls(frozenset(uids), frozenset(gids))

    def allows(self, peer: Peer) -> bool:
        """Whether ``peer`` may use the daemon."""
        return (
            peer.uid in self.uids
            or peer.gid in self.gids
            or not self.gids.isdisjoint(peer.groups)
        )
