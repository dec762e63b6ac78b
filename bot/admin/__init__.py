"""Admin and staff operations (channel-neutral): knowledge versions, reload, upload, regression gate and
what users missed; statistics, exports."""
