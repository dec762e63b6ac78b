"""Telegram adapters: read the update, call the domain, render the reply. No rules live here."""
