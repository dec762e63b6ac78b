"""Admin and staff operations: knowledge maintenance, statistics, exports (channel-neutral)."""
