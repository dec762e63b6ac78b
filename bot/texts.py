"""Everything the bot says that is not knowledge, in Simplified Chinese and English."""

from __future__ import annotations

import re
from typing import Literal

Lang = Literal["zh", "en"]

_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")

TEXTS: dict[str, dict[Lang, str]] = {
    "not_found": {
        "zh": "抱歉，这个问题我暂时答不上来。您可以换个说法再问，或者联系人工客服。",
        "en": "Sorry, I don't have an answer to that. Try asking another way, or contact our staff.",
    },
    "did_you_mean": {"zh": "您是不是想问：", "en": "Did you mean:"},
    "source": {"zh": "来源", "en": "Source"},
    "contact": {"zh": "咨询电话", "en": "Phone"},
    "tier_only": {"zh": "【仅限突出贡献优秀企业家】", "en": "[Outstanding Contribution Entrepreneurs only] "},
    "tier_yours": {"zh": "⭐ 您的突出贡献优秀企业家待遇：", "en": "⭐ Your Outstanding Contribution benefit: "},
    "console_welcome": {
        "zh": "cardbot 控制台。直接输入问题；/card zhangdian|baiyun 选择卡种；数字选择推荐问题；/quit 退出。",
        "en": "cardbot console. Type a question; /card zhangdian|baiyun picks your card; a number picks a "
        "suggestion; /quit leaves.",
    },
    "console_card_set": {"zh": "已选择：{name}", "en": "Card set: {name}"},
    "console_card_unknown": {"zh": "未知卡种。可选：{cards}", "en": "Unknown card. Choose one of: {cards}"},
    "no_token": {
        "zh": "未设置 TELEGRAM_BOT_TOKEN。获取方法：在 Telegram 里找 @BotFather，发送 /newbot，按提示起名，"
        "把得到的 token 写进 .env（参见 .env.example）。现在先进入控制台对话：",
        "en": "TELEGRAM_BOT_TOKEN is not set. To get one, message @BotFather on Telegram, send /newbot, "
        "follow the prompts and put the token in .env (see .env.example). Starting the console chat instead:",
    },
}


def t(key: str, lang: Lang, **values: object) -> str:
    text = TEXTS[key][lang]
    return text.format(**values) if values else text


def language_of(question: str) -> Lang:
    """English for a question written only in Latin letters; Chinese otherwise."""
    return "en" if _LATIN.search(question) and not _CJK.search(question) else "zh"
