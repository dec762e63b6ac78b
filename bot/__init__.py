"""cardbot: self-service bot for holders of government service cards."""

import os

# Libraries' documented switches, set before they are imported:
# - python-telegram-bot: time periods such as RetryAfter.retry_after are timedeltas (v22.2 deprecates the
#   int form and warns on every read);
# - pypinyin: no phrase dictionary (~45 MiB resident), in the process that reads every character's
#   readings into the cached table (bot/matching/pinyin.py): per character the phrases play no part.
os.environ.setdefault("PTB_TIMEDELTA", "true")
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
