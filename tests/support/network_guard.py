"""Fail any test that tries to reach the internet: only loopback and unix sockets may connect."""

from __future__ import annotations

import ipaddress
import socket

_ALLOWED_HOSTS = {"localhost", "::1"}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
violations: list[str] = []


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # unix sockets and the like
    host = str(address[0])
    if host in _ALLOWED_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(sock: socket.socket, address: object) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM and not _is_loopback(address):
        violations.append(repr(address))
        raise ConnectionRefusedError(f"test tried to reach the network: {address!r}")


def _guarded_connect(self: socket.socket, address: object) -> None:
    _check(self, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


def install() -> None:
    """Patch socket connect for the whole test session."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
