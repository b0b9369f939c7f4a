"""The exit codes, one definition (the README's exit-code table)."""

EXIT_OK = 0        # success, or no changes
EXIT_ERROR = 1     # invalid input or usage, API failure, partial apply
EXIT_CHANGES = 2   # changes present (plan --detailed-exitcode)
EXIT_STALE = 3     # saved plan refused as stale
