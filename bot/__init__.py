"""cardbot: self-service bot for holders of government service cards."""

import os

# Opt in to python-telegram-bot's coming behaviour: time periods such as RetryAfter.retry_after are
# timedeltas (v22.2 deprecates the int form and warns on every read).
os.environ.setdefault("PTB_TIMEDELTA", "true")
