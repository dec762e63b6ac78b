"""Running in production: start-up checks, one leader for periodic jobs, updates once and in order."""
