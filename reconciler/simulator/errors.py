"""BCE-shaped API failures raised inside the simulator.

Owns: ``SimApiError`` (HTTP status + BCE ``code`` + message) and the catalogue of codes the
simulator answers with. The server turns one of these into the wire error
``{"code","message","requestId"}``; nothing here knows about HTTP or the client package.
Codes marked "invented" are the simulator's own choice (see specs/simulator.md), because the
real peerconn business codes are not published.
"""

from __future__ import annotations


class SimApiError(Exception):
    """A refused request: what the caller sees as status, code and message."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


def invalid(message: str) -> SimApiError:
    return SimApiError(400, "InvalidParameter", message)


def malformed_json(message: str) -> SimApiError:
    return SimApiError(400, "MalformedJSON", message)


def not_found(conn_id: str) -> SimApiError:
    return SimApiError(404, "NoSuchObject", f"peer connection {conn_id} does not exist")


def access_denied(message: str) -> SimApiError:
    return SimApiError(403, "AccessDenied", message)


def bad_status(conn_id: str, status: str, action: str) -> SimApiError:
    # Invented code: the operation is not allowed in the connection's current status.
    return SimApiError(409, "PeerConn.InvalidStatus", f"cannot {action} {conn_id} while it is {status}")


def rule(code: str, message: str, status: int = 400) -> SimApiError:
    """A business-rule refusal with an invented ``PeerConn.*`` code."""
    return SimApiError(status, f"PeerConn.{code}", message)
