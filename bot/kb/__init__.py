"""The knowledge base: schema, loading and validation of the files in KNOWLEDGE_DIR."""
