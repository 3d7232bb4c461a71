"""Authorisation of a hold (``scm-behaviour.md`` §9.3): the tap code and the remote
challenge, as pure rules over the state the engine keeps.

A hold that needs authorisation (``require_authorization``, after its condition is
remedied) is released by the provisioned tap code or by a signature over a fresh
challenge from the authority's key in the foreign keyring.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

from softscm.errors import InvalidArgument

#: Seconds of stillness that end a group of taps.
TAP_GROUP_GAP_S = 1.5
#: Seconds within which the whole code must be entered, from its first tap.
TAP_CODE_WINDOW_S = 30.0
#: Most groups in a tap code, and most taps in a group.
TAP_CODE_MAX_GROUPS = 8
TAP_GROUP_MAX_TAPS = 9
#: Length of a remote challenge, in bytes.
CHALLENGE_BYTES = 32
#: How many accepted signatures are remembered to refuse their replay.
USED_SIGNATURES_KEPT = 64
#: What an authorisation attempt came to (the ``result`` of an ``authorization`` record).
OK, FAIL, REPLAYED, TOO_SLOW = "ok", "fail", "replayed", "too_slow"

_CODE = re.compile(r"[1-9](-[1-9])*\Z")


def parse_tap_code(text: object) -> tuple[int, ...]:
    """``"3-1-2"`` as ``(3, 1, 2)``; an empty code is no code (``()``). Each group is
    1-9 taps, at most :data:`TAP_CODE_MAX_GROUPS` groups; ``InvalidArgument`` else."""
    if not isinstance(text, str):
        raise InvalidArgument("the tap code must be text such as 3-1-2")
    if text == "":
        return ()
    if not _CODE.match(text) or text.count("-") >= TAP_CODE_MAX_GROUPS:
        raise InvalidArgument(
            f"a tap code is 1-{TAP_CODE_MAX_GROUPS} groups of 1-{TAP_GROUP_MAX_TAPS} taps "
            f"separated by '-', such as 3-1-2: {text!r}")
    return tuple(int(group) for group in text.split("-"))


def tap_groups(times: Sequence[float]) -> list[int]:
    """The sizes of the groups of taps at ``times`` (ascending): a pause of at least
    :data:`TAP_GROUP_GAP_S` starts a new group."""
    groups: list[int] = []
    last: float | None = None
    for t in times:
        if last is None or t - last >= TAP_GROUP_GAP_S:
            groups.append(0)
        groups[-1] += 1
        last = t
    return groups


def judge_taps(times: Sequence[float], code: Sequence[int], now: float) -> str | None:
    """What the taps at ``times`` come to at ``now``, at least :data:`TAP_GROUP_GAP_S`
    after the last of them (its group has ended): :data:`OK` when they are the code,
    :data:`TOO_SLOW` when they took longer than :data:`TAP_CODE_WINDOW_S` from the first
    tap, ``None`` while they are the beginning of the code and the window is open, and
    :data:`FAIL` else."""
    if not times:
        return None
    if times[-1] - times[0] > TAP_CODE_WINDOW_S:
        return TOO_SLOW
    groups = tap_groups(times)
    if groups == list(code):
        return OK
    if len(groups) < len(code) and groups == list(code[:len(groups)]):
        return TOO_SLOW if now - times[0] >= TAP_CODE_WINDOW_S else None
    return FAIL


def signature_id(signature: bytes) -> str:
    """How an accepted signature is remembered (its SHA-256, hex)."""
    return hashlib.sha256(signature).hexdigest()


def challenge_digest(challenge: bytes) -> bytes:
    """What the authority signs: the SHA-256 digest of the challenge, as ``zymkey``'s
    ``sign(challenge)`` does."""
    return hashlib.sha256(challenge).digest()
