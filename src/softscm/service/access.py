"""Who may connect to the daemon: the peer's credentials (``SO_PEERCRED``) against an
allow-list of users and groups."""

from __future__ import annotations

import grp
import os
import socket
import struct
from dataclasses import dataclass, field

#: The group whose members may use the daemon by default.
DEFAULT_GROUP = "softscm"
_UCRED = struct.Struct("3i")


@dataclass(frozen=True)
class Peer:
    """A connected process: its pid, user, primary group and supplementary groups."""

    pid: int
    uid: int
    gid: int
    groups: frozenset[int] = frozenset()


def peer_of(sock: socket.socket) -> Peer:
    """The credentials of the process at the other end of a Unix socket."""
    pid, uid, gid = _UCRED.unpack(
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _UCRED.size)
    )
    return Peer(pid, uid, gid, _supplementary_groups(pid))


def _supplementary_groups(pid: int) -> frozenset[int]:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Groups:"):
                    return frozenset(int(g) for g in line.split()[1:])
    except (OSError, ValueError):
        pass
    return frozenset()


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
        import pwd

        uids = {int(u) if u.isdigit() else pwd.getpwnam(u).pw_uid for u in users}
        gids = {int(g) if g.isdigit() else grp.getgrnam(g).gr_gid for g in groups}
        return cls(frozenset(uids), frozenset(gids))

    def allows(self, peer: Peer) -> bool:
        """Whether ``peer`` may use the daemon."""
        return (
            peer.uid in self.uids
            or peer.gid in self.gids
            or not self.gids.isdisjoint(peer.groups)
        )
