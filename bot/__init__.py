"""cardbot: self-service bot for holders of government service cards."""
