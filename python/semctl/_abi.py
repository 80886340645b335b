# SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
"""The semctl kernel ABI (uapi/linux/semctl.h) spoken directly.

Every operation is one ``fcntl.ioctl`` on a mutable ``bytearray`` of at most
1024 bytes: CPython copies it to a C buffer and releases the GIL around the
ioctl(2), so a blocked acquire never holds the GIL.  An ioctl failing with
EINTR raises ``OSError(EINTR)`` only after CPython has run the Python signal
handlers (``PyErr_SetFromErrno`` calls ``PyErr_CheckSignals``), so Ctrl-C
interrupts a blocked acquire with ``KeyboardInterrupt``.
"""
import ctypes
import errno
import fcntl
import operator
import os
import struct

DEVICE = "/dev/semctl"

NAME_MAX = 255
VALUE_MAX = 0x7FFFFFFFFFFFFFFF

FD_NOCLOEXEC = 0x1
FD_NONBLOCK = 0x2
FD_UNDO = 0x4
CREATE_EXCL = 0x100
OPEN_READ = 0x200
OPEN_WRITE = 0x400

ACQUIRE_TRY = 0x1
ACQUIRE_UNDO = 0x2
ACQUIRE_TIMEOUT = 0x4
ACQUIRE_ABSTIME = 0x8
ACQUIRE_REALTIME = 0x10

INFO_NAMED = 0x1
INFO_UNLINKED = 0x2
INFO_READ = 0x4
INFO_WRITE = 0x8
INFO_FD_UNDO = 0x10
INFO_POISONED = 0x20

URING_CMD_ACQUIRE = 0x5E01
URING_CMD_CANCEL = 0x5E02


def _ioc(direction, nr, size):
    return (direction << 30) | (size << 16) | (0xE9 << 8) | nr


_W, _RW = 1, 3

_CREATE = struct.Struct("=IIQQQII")          # 40
_OPEN = struct.Struct("=IIQ")                # 16 (unlink too)
_ACQUIRE = struct.Struct("=IIQQ")            # 24 (release too)
_INFO = struct.Struct("=IIQQQQIIII256sQ")    # 320, version 1
_POISON = struct.Struct("=II")               # 8

IOC_CREATE = _ioc(_W, 0x00, _CREATE.size)
IOC_OPEN = _ioc(_W, 0x01, _OPEN.size)
IOC_UNLINK = _ioc(_W, 0x02, _OPEN.size)
IOC_ACQUIRE = _ioc(_RW, 0x10, _ACQUIRE.size)
IOC_RELEASE = _ioc(_RW, 0x11, _ACQUIRE.size)
IOC_QUERY = _ioc(_RW, 0x12, _INFO.size)
IOC_POISON = _ioc(_W, 0x13, _POISON.size)


def _name_buffer(name):
    if isinstance(name, str):
        name = os.fsencode(name)
    if not isinstance(name, bytes):
        raise TypeError("name must be str or bytes, not %s" % type(name).__name__)
    if b"\0" in name:
        raise ValueError("embedded null byte in name")
    if not name or b"/" in name:
        raise ValueError("a semaphore name is 1..%d bytes without '/'" % NAME_MAX)
    return ctypes.create_string_buffer(name)


def check_count(n):
    """A unit count as the kernel takes it: an integer 1..VALUE_MAX."""
    n = operator.index(n)
    if n < 1:
        raise ValueError("n must be one or more")
    if n > VALUE_MAX:
        raise ValueError("n must be at most %d" % VALUE_MAX)
    return n


def _device_call(request, build, name=None):
    """Open /dev/semctl for one ioctl, as libsemctl does; errors name what
    failed (the device, or the semaphore *name*)."""
    try:
        dev = os.open(DEVICE, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        raise OSError(errno.ENODEV, "%s does not exist: the semctl kernel "
                      "module is not loaded (load it with 'modprobe semctl' "
                      "as root, or 'insmod semctl.ko' for a built module)"
                      % DEVICE) from None
    try:
        return fcntl.ioctl(dev, request, build(), True)
    except OSError as e:
        if name is None or e.errno not in _NAME_ERRORS:
            raise
        shown = os.fsdecode(name) if isinstance(name, bytes) else name
        raise OSError(e.errno, _NAME_ERRORS[e.errno] % (shown,)) from None
    finally:
        os.close(dev)


_NAME_ERRORS = {
    errno.ENOENT: "no semaphore named %r in this IPC namespace",
    errno.EEXIST: "a semaphore named %r exists already (create='exclusive')",
    errno.EACCES: "permission denied on the semaphore named %r (its mode)",
}


def _above_stdio(fd):
    """A semaphore fd never sits on 0, 1 or 2: a program started with them
    closed would take its own output for releases (write(2) releases).
    Moved to the lowest free number from 3, close-on-exec kept."""
    if fd > 2:
        return fd
    try:
        cloexec = fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC
        return fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC if cloexec
                           else fcntl.F_DUPFD, 3)
    finally:
        os.close(fd)


def create(name, value, max_, mode, flags):
    """SEMCTL_IOC_CREATE: a new fd (open-or-create unless CREATE_EXCL)."""
    buf = _name_buffer(name) if name is not None else None
    addr = ctypes.addressof(buf) if buf is not None else 0
    return _above_stdio(_device_call(IOC_CREATE, lambda: bytearray(
        _CREATE.pack(_CREATE.size, flags, value, max_, addr, mode, 0)), name))


def open_(name, flags):
    buf = _name_buffer(name)
    return _above_stdio(_device_call(IOC_OPEN, lambda: bytearray(
        _OPEN.pack(_OPEN.size, flags, ctypes.addressof(buf))), name))


def unlink(name):
    buf = _name_buffer(name)
    _device_call(IOC_UNLINK, lambda: bytearray(
        _OPEN.pack(_OPEN.size, 0, ctypes.addressof(buf))), name)


def acquire(fd, count, flags, timeout_ns=0):
    """SEMCTL_IOC_ACQUIRE. Returns 0 or raises OSError (EAGAIN, ETIMEDOUT,
    EINTR, ...). A relative timeout is updated in place by the kernel on
    EINTR; callers here use ABSTIME deadlines, which need no update."""
    buf = bytearray(_ACQUIRE.pack(_ACQUIRE.size, flags, count, timeout_ns))
    return fcntl.ioctl(fd, IOC_ACQUIRE, buf, True)


def release(fd, count):
    """SEMCTL_IOC_RELEASE. Returns the value before the release."""
    buf = bytearray(_ACQUIRE.pack(_ACQUIRE.size, 0, count, 0))
    fcntl.ioctl(fd, IOC_RELEASE, buf, True)
    return _ACQUIRE.unpack(buf)[3]


class Info:
    """SEMCTL_IOC_QUERY's answer (struct semctl_info)."""
    __slots__ = ("flags", "value", "max", "waiters", "undo", "uid", "gid",
                 "mode", "name", "undo_total")

    def __init__(self, raw):
        (_size, self.flags, self.value, self.max, self.waiters, self.undo,
         self.uid, self.gid, self.mode, _res, name, self.undo_total) = raw
        self.name = os.fsdecode(name.split(b"\0", 1)[0]) or None

    def __repr__(self):
        return "<semctl.Info %s>" % " ".join(
            "%s=%r" % (k, getattr(self, k)) for k in self.__slots__)


def query(fd):
    buf = bytearray(_INFO.size)
    struct.pack_into("=I", buf, 0, _INFO.size)
    fcntl.ioctl(fd, IOC_QUERY, buf, True)
    return Info(_INFO.unpack(buf))


def poison(fd):
    fcntl.ioctl(fd, IOC_POISON, bytearray(_POISON.pack(_POISON.size, 0)), True)
