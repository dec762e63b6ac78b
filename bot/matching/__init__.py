"""Question matching: normalisation, tokens (characters, pinyin, English) and the search index."""
