"""Writes of the register. Each service updates the current row and appends its event
in one transaction, and writes the audit row in that same transaction."""
