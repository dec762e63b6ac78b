"""Admin side of the knowledge: versions, reload, upload, regression gate, what users missed."""
