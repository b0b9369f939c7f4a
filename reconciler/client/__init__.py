"""The BCE peering-connection API client.

Owns everything HTTP: signing (``signing``), the status → exception map (``errors``), retries
(``retry``), credentials and endpoints (``config``), and one method per operation: ``api``
(peering connections), ``vpc`` (VPC reads) and ``route`` (route tables and rules), sharing one ``calls.Caller`` per account.
Nothing outside this package imports ``requests``. It never imports the simulator: the two
meet only on the wire, so a misreading of the reference cannot hide on both sides.
"""

from reconciler.client.api import PeerConnApi
from reconciler.client.config import Credentials, load_credentials, resolve_endpoint
from reconciler.client.retry import RetryPolicy
from reconciler.client.route import RouteApi
from reconciler.client.vpc import VpcApi

__all__ = ["Credentials", "PeerConnApi", "RetryPolicy", "RouteApi", "VpcApi", "load_credentials", "resolve_endpoint"]
