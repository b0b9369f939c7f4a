"""``python -m reconciler`` runs the ``peerconn`` command line."""

from reconciler.cli import main

raise SystemExit(main())
