"""An update Telegram sends again (a process died before acknowledging it) is not handled twice
once its change is stored: the chat's row keeps the newest such update's number."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from tests.conftest import Harness

ASKS_EMAIL = "What is your email address?"
NOT_AN_EMAIL = "That doesn't look like an email address."


async def test_an_update_sent_again_after_its_change_was_stored_is_not_handled_again(
    harness: Harness,
) -> None:
    ana = harness.user("Ana")
    await ana.send("/register")
    answer = ana.message_update("Ana Again")
    await ana.feed(answer)
    assert ASKS_EMAIL in ana.last.text
    said = ana.texts()
    await ana.feed(answer)  # Telegram's second copy
    assert ana.texts() == said  # not taken as the email, nothing said
    state = "SELECT conversation, state, last_update_id FROM chats WHERE chat_id = :c"
    async with harness.services.session_factory() as s:
        row = (await s.execute(text(state), {"c": ana.chat_id})).one()
    assert (row.conversation, row.state, row.last_update_id) == (
        "register",
        "email",
        answer["update_id"],
    )
    # A new message saying the same is a new answer.
    assert NOT_AN_EMAIL in (await ana.send("Ana Again"))[-1].text


async def test_a_read_only_update_sent_again_is_answered_again(harness: Harness) -> None:
    """What stores nothing leaves no mark: answered again (the one way a second copy shows)."""
    bob = harness.user("Bob")
    update = bob.message_update("/help")
    await bob.feed(update)
    await bob.feed(update)
    assert len(bob.texts()) == 2
    assert (
        await harness.scalar("SELECT count(*) FROM chats WHERE chat_id = :c", c=bob.chat_id) == 0
    )


async def test_update_numbers_that_start_again_after_a_quiet_week_are_handled(
    harness: Harness,
) -> None:
    """After a week with no updates Telegram may number them from anywhere: a lower number
    than a chat's mark from that long ago is a new update."""
    cy = harness.user("Cy")
    await cy.send("/register")
    await cy.send("/cancel")
    harness.clock.advance(timedelta(days=8))
    update = cy.message_update("/register")
    update["update_id"] = 1  # lower than every number so far
    said = len(cy.texts())
    await cy.feed(update)
    assert len(cy.texts()) == said + 1
    assert "full name" in cy.last.text
