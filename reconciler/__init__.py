"""peerconn: a declarative reconciler for BCE VPC peering connections.

Package layout and dependency direction are described in ``specs/architecture.md``.
"""

__version__ = "0.1.0"
