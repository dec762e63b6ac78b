"""cardbot: self-service bot for holders of government service cards."""

import os

# Libraries' documented switches, set before they are imported:
# - python-telegram-bot: time periods such as RetryAfter.retry_after are timedeltas (v22.2 deprecates the
#   int form and warns on every read);
# - pypinyin: no phrase dictionary (~45 MiB resident). Pinyin is only looked up per character
#   (bot/matching/pinyin.py), where the phrases play no part: every CJK character reads the same without.
os.environ.setdefault("PTB_TIMEDELTA", "true")
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")
