"""Staff and admins free a card number bound by the wrong account; that account is told."""

from __future__ import annotations

import html
import logging

from bot.booking import outbox
from bot.holders.registry import normalize_card_number, unbind_card
from bot.holders.users import user_language
from bot.services import Services
from bot.texts import t

log = logging.getLogger(__name__)


async def unbind(svc: Services, number: str, by_user_id: int) -> int | None:
    """The id of the user the card was bound to (now told through the outbox), or None if nobody had it."""
    now = svc.clock()
    number = normalize_card_number(number)
    async with svc.db.session() as session:
        user = await unbind_card(session, number)
        if user is None:
            return None
        # The user's private chat has the user's id.
        await outbox.enqueue(
            session, user.id, t("unbound_notice", user_language(user), number=html.escape(number)), now
        )
        log.info("card %s unbound from user %s by %s", number, user.id, by_user_id)
        return user.id
