"""Run a command and report its resource usage: the measuring side of subproc.py.

Started by ``run_measured`` as a fresh, small Python (``python -I -S``), so
that the command is forked from this small process, not from the benchmark:
Linux keeps a process's resident-set high-water mark across ``exec`` in
``ru_maxrss``, so a command forked from a 200 MB parent reports at least
200 MB whatever it uses itself. Forked from here it inherits only the few MB
this interpreter holds.

    python -I -S measured_child.py REPORT_FD COMMAND [ARG...]

Writes one line ``returncode cpu_s peak_rss_kb wall_s`` to REPORT_FD after the
command (and the descendants it waited for) ended; exits with its status.
Standard library only, and as little of it as possible: its own size is the
floor of every figure it reports.
"""

import os
import signal
import sys
import time


def main() -> int:
    report_fd = int(sys.argv[1])
    argv = sys.argv[2:]
    os.set_inheritable(report_fd, False)  # closed in the command at exec
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        except OSError as exc:
            os.write(2, f"cannot run {argv[0]}: {exc}\n".encode())
        os._exit(127)
    while True:
        try:
            _pid, status, usage = os.wait4(pid, 0)
            break
        except InterruptedError:
            continue
    wall = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    os.write(report_fd, f"{code} {cpu!r} {usage.ru_maxrss} {wall!r}\n".encode())
    os.close(report_fd)
    if code < 0:  # died of a signal: die of the same one
        try:
            signal.signal(-code, signal.SIG_DFL)
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


if __name__ == "__main__":
    sys.exit(main())
