"""What each user holds of the daemon, counted in one process (``Tally``) and across a
daemon's workers (``SharedTally``): per user and in all, the limit a refusal names, a
full row, counts seen by every process, a dead worker's row forgotten, and the record
lock of a process that dies let go."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator

import pytest

from softscm.service.tally import Held, Refused, SharedTally, Tally

#: A process of its own over a shared tally: ``python -c CHILD FD ROWS USERS ROW`` reads
#: commands on stdin, one a line, and answers each on stdout:
#: ``take KIND UID PER_USER [TOTAL]`` (the limit refused, or ``None``), ``give KIND UID
#: COUNT``, ``held KIND UID|all``, ``lock`` / ``unlock`` (the file's record lock), and
#: ``contend UID N`` (N times: take the one place of UID, and if taken, look whether
#: UID holds more than one, then give it back: how often it took, and saw more).
CHILD = textwrap.dedent("""
    import fcntl, sys
    from softscm.service.tally import Held, SharedTally
    fd, rows, users, row = map(int, sys.argv[1:5])
    tally = SharedTally(fd, rows, users, row)
    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "take":
            total = int(args[3]) if len(args) > 3 else None
            refused = tally.take(Held[args[0]], int(args[1]), int(args[2]), total)
            out = "None" if refused is None else refused.name
        elif cmd == "give":
            tally.give(Held[args[0]], int(args[1]), int(args[2]))
            out = "ok"
        elif cmd == "held":
            out = str(tally.held(Held[args[0]], None if args[1] == "all" else int(args[1])))
        elif cmd == "lock":
            fcntl.lockf(fd, fcntl.LOCK_EX)
            out = "locked"
        elif cmd == "unlock":
            fcntl.lockf(fd, fcntl.LOCK_UN)
            out = "unlocked"
        elif cmd == "contend":
            uid, n = map(int, args)
            taken = over = 0
            for _ in range(n):
                if tally.take(Held.CONNECTION, uid, 1) is None:
                    taken += 1
                    over += tally.held(Held.CONNECTION, uid) > 1
                    tally.give(Held.CONNECTION, uid)
            out = f"{taken} {over}"
        else:
            out = "?"
        print(out, flush=True)
""")


class Worker:
    """A process counting in row ``row`` of the tally file ``fd``."""

    def __init__(self, fd: int, rows: int, users: int, row: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(fd), str(rows), str(users), str(row)],
            pass_fds=(fd,), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the worker ended (exit code {self.proc.wait()})"
        return line.strip()

    def send(self, command: str) -> None:
        """Send ``command`` without reading its answer (yet)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def reply(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def end(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()


@pytest.fixture
def shared() -> Iterator:
    """``shared(rows, users, row)``: a new tally file and this process's view of it
    as row ``row``; ``shared.fd`` is the file, ``shared.worker(row)`` starts a process
    counting in another row."""
    made: list[int] = []
    views: list[SharedTally] = []
    workers: list[Worker] = []

    class Shared:
        fd = -1

        def __call__(self, rows: int = 2, users: int = 8, row: int = 0) -> SharedTally:
            self.fd = SharedTally.create(rows, users)
            made.append(self.fd)
            self.rows, self.users = rows, users
            view = SharedTally(self.fd, rows, users, row)
            views.append(view)
            return view

        def view(self, row: int) -> SharedTally:
            view = SharedTally(self.fd, self.rows, self.users, row)
            views.append(view)
            return view

        def worker(self, row: int) -> Worker:
            worker = Worker(self.fd, self.rows, self.users, row)
            workers.append(worker)
            return worker

    yield Shared()
    for worker in workers:
        worker.end()
    for view in views:
        view.close()
    for fd in made:
        os.close(fd)


@pytest.fixture(params=["local", "shared"])
def tally(request: pytest.FixtureRequest, shared) -> Tally:
    """A ``Tally``, and a ``SharedTally`` alone in its file: the same counting."""
    return Tally() if request.param == "local" else shared(rows=2, users=8, row=1)


def test_take_and_give_count_per_user_and_in_all(tally: Tally) -> None:
    assert tally.take(Held.CONNECTION, 5, per_user=2, total=3) is None
    assert tally.take(Held.CONNECTION, 5, per_user=2, total=3) is None
    assert tally.take(Held.CONNECTION, 5, per_user=2, total=3) is Refused.USER
    assert tally.take(Held.CONNECTION, 6, per_user=2, total=3) is None
    assert tally.take(Held.CONNECTION, 7, per_user=2, total=3) is Refused.ALL
    # Its own limit is named first when a user would pass both.
    assert tally.take(Held.CONNECTION, 5, per_user=2, total=3) is Refused.USER
    assert tally.held(Held.CONNECTION, 5) == 2
    assert tally.held(Held.CONNECTION, 6) == 1
    assert tally.held(Held.CONNECTION, 7) == 0
    assert tally.held(Held.CONNECTION) == 3
    # Each kind counts apart; no total: the user's limit alone.
    assert tally.take(Held.STREAM, 5, per_user=1) is None
    assert tally.take(Held.STREAM, 5, per_user=1) is Refused.USER
    assert tally.take(Held.WAIT, 5, per_user=1, total=1) is None
    assert tally.held(Held.STREAM, 5) == 1 and tally.held(Held.WAIT) == 1
    tally.give(Held.CONNECTION, 5)
    assert tally.held(Held.CONNECTION, 5) == 1 and tally.held(Held.CONNECTION) == 2
    assert tally.take(Held.CONNECTION, 7, per_user=2, total=3) is None
    assert tally.held(Held.STREAM, 5) == 1  # other kinds untouched


def test_give_never_goes_below_nothing(tally: Tally) -> None:
    assert tally.take(Held.STREAM, 5, per_user=8) is None
    assert tally.take(Held.STREAM, 5, per_user=8) is None
    assert tally.take(Held.STREAM, 6, per_user=8) is None
    tally.give(Held.STREAM, 5, count=5)  # more than it holds: what it holds
    assert tally.held(Held.STREAM, 5) == 0 and tally.held(Held.STREAM) == 1
    tally.give(Held.STREAM, 99)  # a user it never counted: nothing changes
    tally.give(Held.CONNECTION, 6)  # a kind the user does not hold: nothing changes
    assert tally.held(Held.STREAM, 6) == 1 and tally.held(Held.STREAM) == 1
    assert tally.held(Held.CONNECTION) == 0
    assert tally.take(Held.STREAM, 5, per_user=2) is None
    assert tally.take(Held.STREAM, 5, per_user=2) is None
    assert tally.take(Held.STREAM, 5, per_user=2) is Refused.USER


def test_a_user_given_back_everything_leaves_its_row_place(shared) -> None:
    tally = shared(rows=1, users=2)
    for uid in (1, 2):
        assert tally.take(Held.CONNECTION, uid, per_user=4, total=100) is None
    # Two users listed: a third has no place in the row, whatever the limits.
    assert tally.take(Held.CONNECTION, 3, per_user=4, total=100) is Refused.ALL
    assert tally.take(Held.WAIT, 3, per_user=4, total=100) is Refused.ALL
    assert tally.take(Held.CONNECTION, 1, per_user=4, total=100) is None  # listed already
    tally.give(Held.CONNECTION, 1, count=2)
    assert tally.take(Held.CONNECTION, 3, per_user=4, total=100) is None
    # The last user listed moved into the place given up: still counted right.
    assert tally.held(Held.CONNECTION, 2) == 1 and tally.held(Held.CONNECTION, 3) == 1
    tally.give(Held.CONNECTION, 2)
    assert tally.held(Held.CONNECTION, 3) == 1 and tally.held(Held.CONNECTION) == 1
    tally.give(Held.CONNECTION, 3)
    assert tally.held(Held.CONNECTION) == 0
    for uid in (4, 5):
        assert tally.take(Held.WAIT, uid, per_user=1, total=100) is None
    assert tally.take(Held.WAIT, 6, per_user=1, total=100) is Refused.ALL


def test_a_user_holding_only_a_wait_stays_listed(shared) -> None:
    tally = shared(rows=1, users=1)
    assert tally.take(Held.CONNECTION, 1, per_user=4) is None
    assert tally.take(Held.WAIT, 1, per_user=4) is None
    tally.give(Held.CONNECTION, 1)  # its connection is gone, its wait is not
    assert tally.held(Held.WAIT, 1) == 1
    assert tally.take(Held.CONNECTION, 2, per_user=4) is Refused.ALL
    tally.give(Held.WAIT, 1)
    assert tally.take(Held.CONNECTION, 2, per_user=4) is None


def test_rows_of_one_file_count_together(shared) -> None:
    first = shared(rows=3, users=4, row=0)
    second, third = shared.view(1), shared.view(2)
    assert first.take(Held.CONNECTION, 5, per_user=3, total=4) is None
    assert second.take(Held.CONNECTION, 5, per_user=3, total=4) is None
    assert third.take(Held.CONNECTION, 5, per_user=3, total=4) is None
    assert first.take(Held.CONNECTION, 5, per_user=3, total=4) is Refused.USER
    assert second.take(Held.CONNECTION, 6, per_user=3, total=4) is None
    assert third.take(Held.CONNECTION, 7, per_user=3, total=4) is Refused.ALL
    for view in (first, second, third):
        assert view.held(Held.CONNECTION, 5) == 3
        assert view.held(Held.CONNECTION) == 4
    # A row gives back only what it took.
    first.give(Held.CONNECTION, 6)
    assert third.held(Held.CONNECTION, 6) == 1
    second.give(Held.CONNECTION, 5)
    assert first.held(Held.CONNECTION, 5) == 2
    assert first.take(Held.CONNECTION, 5, per_user=3, total=4) is None


def test_a_row_that_does_not_exist_is_refused(shared) -> None:
    shared(rows=2, users=4)
    with pytest.raises(ValueError):
        shared.view(2)
    with pytest.raises(ValueError):
        shared.view(-1)


def test_clear_forgets_one_row(shared) -> None:
    first = shared(rows=2, users=4, row=0)
    second = shared.view(1)
    assert first.take(Held.CONNECTION, 5, per_user=2, total=3) is None
    assert second.take(Held.CONNECTION, 5, per_user=2, total=3) is None
    assert second.take(Held.STREAM, 5, per_user=2) is None
    assert second.take(Held.WAIT, 6, per_user=2, total=3) is None
    assert first.take(Held.CONNECTION, 5, per_user=2, total=3) is Refused.USER
    first.clear(1)  # the worker of row 1 has ended
    assert first.held(Held.CONNECTION, 5) == 1 and first.held(Held.CONNECTION) == 1
    assert first.held(Held.STREAM) == 0 and first.held(Held.WAIT, 6) == 0
    assert first.take(Held.CONNECTION, 5, per_user=2, total=3) is None
    assert first.take(Held.CONNECTION, 5, per_user=2, total=3) is Refused.USER
    # A new view of the row (the worker started in its place) counts from nothing.
    second.close()
    second = shared.view(1)
    assert second.take(Held.WAIT, 7, per_user=2, total=3) is None
    assert first.held(Held.WAIT) == 1
    second.give(Held.WAIT, 7)
    assert first.held(Held.WAIT) == 0
    # Clearing our own row forgets what we listed too.
    first.clear(0)
    assert first.held(Held.CONNECTION) == 0
    first.give(Held.CONNECTION, 5)  # nothing listed: nothing to give
    assert first.held(Held.CONNECTION) == 0
    assert first.take(Held.CONNECTION, 5, per_user=2, total=3) is None
    assert first.held(Held.CONNECTION, 5) == 1


def test_counts_are_shared_between_processes(shared) -> None:
    ours = shared(rows=3, users=4, row=0)
    one, two = shared.worker(1), shared.worker(2)
    assert one.ask("take CONNECTION 5 3 4") == "None"
    assert two.ask("take CONNECTION 5 3 4") == "None"
    assert ours.take(Held.CONNECTION, 5, per_user=3, total=4) is None
    assert one.ask("take CONNECTION 5 3 4") == "USER"
    assert two.ask("take CONNECTION 6 3 4") == "None"
    assert one.ask("take CONNECTION 7 3 4") == "ALL"
    assert ours.held(Held.CONNECTION, 5) == 3 and ours.held(Held.CONNECTION) == 4
    assert one.ask("held CONNECTION 5") == "3" and two.ask("held CONNECTION all") == "4"
    assert two.ask("give CONNECTION 5 1") == "ok"
    assert ours.held(Held.CONNECTION, 5) == 2
    assert one.ask("take CONNECTION 5 3 4") == "None"
    # A worker that ends: the daemon clears its row, and its places are free again.
    one.kill()
    assert ours.held(Held.CONNECTION, 5) == 3  # until its row is cleared
    ours.clear(1)
    assert ours.held(Held.CONNECTION, 5) == 1
    assert two.ask("held CONNECTION all") == "2"
    assert two.ask("take CONNECTION 5 3 4") == "None"
    assert two.ask("take CONNECTION 5 3 4") == "None"
    assert two.ask("take CONNECTION 5 3 4") == "USER"


def test_two_processes_never_both_pass_the_last_place(shared) -> None:
    shared(rows=2, users=4)
    racers = [shared.worker(0), shared.worker(1)]
    for racer in racers:
        racer.send("contend 5 20000")
    results = [tuple(map(int, racer.reply().split())) for racer in racers]
    assert all(taken > 0 for taken, _ in results), results  # both took the place
    assert all(over == 0 for _, over in results), results  # never both at once
    assert racers[0].ask("held CONNECTION all") == "0"


def _take_in_thread(tally: SharedTally) -> tuple[threading.Thread, list[Refused | None]]:
    result: list[Refused | None] = []
    thread = threading.Thread(
        target=lambda: result.append(tally.take(Held.CONNECTION, 5, per_user=2)),
        daemon=True)
    thread.start()
    return thread, result


def test_the_record_lock_excludes_other_processes_and_ends_with_its_holder(shared) -> None:
    ours = shared(rows=2, users=4, row=0)
    holder = shared.worker(1)
    assert holder.ask("lock") == "locked"
    thread, result = _take_in_thread(ours)
    thread.join(0.3)
    assert thread.is_alive(), "counted while another process held the file"
    assert holder.ask("unlock") == "unlocked"
    thread.join(10)
    assert result == [None]
    # A process killed while it holds the lock lets it go: the others keep counting.
    assert holder.ask("lock") == "locked"
    holder.proc.send_signal(signal.SIGKILL)
    holder.proc.wait()
    thread, result = _take_in_thread(ours)
    thread.join(10)
    assert result == [None], "the lock of a dead process was kept"
    assert ours.held(Held.CONNECTION, 5) == 2
    other = shared.worker(1)
    assert other.ask("take CONNECTION 5 2") == "USER"
    assert other.ask("take CONNECTION 6 2") == "None"


def test_a_process_killed_while_holding_nothing_leaves_the_others_working(shared) -> None:
    ours = shared(rows=2, users=4, row=0)
    idle = shared.worker(1)
    assert idle.ask("held CONNECTION all") == "0"
    idle.kill()
    assert ours.take(Held.CONNECTION, 5, per_user=1) is None
    assert ours.take(Held.CONNECTION, 5, per_user=1) is Refused.USER
    # Nothing of ours was forgotten when the dead row is cleared.
    ours.clear(1)
    assert ours.held(Held.CONNECTION, 5) == 1
    other = shared.worker(1)
    assert other.ask("take CONNECTION 5 1") == "USER"
    assert other.ask("take CONNECTION 6 1") == "None"
