"""Registration, login, logout, /me, /language and the catch-alls, end to end through the bot."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.models import ChatSession, Role, User
from tests.conftest import Harness
from tests.factories import PASSWORD, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser


async def _user_by_email(h: Harness, email: str) -> User | None:
    async with h.services.session_factory() as s:
        return await s.scalar(select(User).where(User.email == email))


async def _register(h: Harness, chat: ChatUser, email: str = "ana@example.com") -> None:
    await chat.send("/register")
    await chat.send("Ana García")
    await chat.send(email)
    await chat.send("s3cret-pass")
    await chat.send("Skip")


async def test_register_creates_a_logged_in_patient(harness: Harness) -> None:
    ana = harness.user("Ana")
    replies = await ana.send("/register")
    assert "full name" in replies[-1].text

    replies = await ana.send("  Ana   García ")
    assert "Ana García" in replies[-1].text and "email" in replies[-1].text

    replies = await ana.send("  Ana.Garcia@Example.COM ")
    assert "password" in replies[-1].text.lower()

    password_message = await ana.send("s3cret-pass")
    # The message that carried the password is gone from the chat.
    user_messages = [
        m for m in harness.telegram.chat(ana.chat_id, include_deleted=True) if not m.from_bot
    ]
    assert user_messages[-1].text == "s3cret-pass" and user_messages[-1].deleted
    assert "Share my phone" in password_message[-1].keyboard[0]
    assert "Skip" in password_message[-1].keyboard

    replies = await ana.send_contact("+34 600 111 222")
    assert "Your account is ready, Ana García" in replies[-1].text

    user = await _user_by_email(harness, "ana.garcia@example.com")
    assert user is not None
    assert (user.name, user.role, user.phone, user.language) == (
        "Ana García", "patient", "+34600111222", "en",
    )  # fmt: skip
    assert user.password_hash and user.password_hash.startswith("$argon2id$")
    assert "s3cret-pass" not in user.password_hash
    assert harness.telegram.menu(ana.chat_id)[:2] == ["book", "appointments"]

    me = await ana.send("/me")
    assert "Ana García" in me[-1].text and "ana.garcia@example.com" in me[-1].text
    # Stored in E.164, shown internationally (the clinic's country is not set here).
    assert "patient" in me[-1].text and "Phone: +34 600 11 12 22" in me[-1].text


async def test_register_rejects_bad_input_at_every_step(harness: Harness) -> None:
    await make_user(harness.services, "taken@example.com")
    bob = harness.user("Bob")
    await bob.send("/register")

    assert "name" in (await bob.send("x"))[-1].text  # too short
    assert "text message" in (await bob.send_sticker())[-1].text
    await bob.send("Bob Stone")

    assert "doesn't look like an email" in (await bob.send("bob@"))[-1].text
    # Whether an address has an account is never told: a taken one is answered like any other
    # (tests/test_email_verification.py follows such registrations to their end).
    assert "Choose a password" in (await bob.send("bob@example.com"))[-1].text

    short = await bob.send("short")
    assert "at least 8 characters" in short[-1].text
    assert harness.telegram.chat(bob.chat_id, include_deleted=True)[-2].deleted
    await bob.send("long enough password")

    assert "phone number" in (await bob.send("call me maybe"))[-1].text
    # A number that is no valid one (555-01xx numbers are kept for fiction) is asked again.
    assert "valid phone number" in (await bob.send("+1 (555) 010-9999"))[-1].text
    assert "your own contact" in (await bob.send_contact("+34999888777", user_id=42))[-1].text
    # A command for patients only is refused to a guest; the registration waits where it was.
    assert "Please /login first." in (await bob.send("/book"))[-1].text
    done = await bob.send("+1 (415) 555-0132")
    assert "account is ready" in done[-1].text
    user = await _user_by_email(harness, "bob@example.com")
    assert user is not None and user.phone == "+14155550132"


async def test_cancel_midway_saves_nothing(harness: Harness) -> None:
    carl = harness.user("Carl")
    await carl.send("/register")
    await carl.send("Carl Sagan")
    await carl.send("carl@example.com")
    replies = await carl.send("/cancel")
    assert "Nothing was saved" in replies[-1].text
    assert await _user_by_email(harness, "carl@example.com") is None
    # Out of the conversation: plain text is not taken as a password.
    assert "didn't understand" in (await carl.send("some password"))[-1].text
    assert "nothing to cancel" in (await carl.send("/cancel"))[-1].text


async def test_restart_mid_conversation_loses_nothing(harness: Harness) -> None:
    dana = harness.user("Dana")
    await dana.send("/register")
    await dana.send("Dana Scully")
    await dana.send("dana@example.com")
    await harness.restart()
    harness.rebind(dana)
    replies = await dana.send("trustno1-trustno1")
    assert "share your phone" in replies[-1].text
    await harness.restart()
    harness.rebind(dana)
    replies = await dana.send("Skip")
    assert "account is ready, Dana Scully" in replies[-1].text
    assert await _user_by_email(harness, "dana@example.com") is not None


async def test_without_email_an_address_in_use_blocks_nobody(harness: Harness) -> None:
    # The clinic sends no email here, so no address can be confirmed: registering at one
    # that another (unconfirmed) account uses, even meanwhile, succeeds, and tells nothing.
    eve = harness.user("Eve")
    await eve.send("/register")
    await eve.send("Eve Polastri")
    await eve.send("eve@example.com")
    await eve.send("villanelle!!")
    await make_user(harness.services, "eve@example.com", name="Someone Else", verified=False)
    replies = await eve.send("Skip")
    assert "Your account is ready, Eve Polastri" in replies[-1].text
    async with harness.services.session_factory() as s:
        names = (await s.scalars(select(User.name).where(User.email == "eve@example.com"))).all()
    assert sorted(names) == ["Eve Polastri", "Someone Else"]
    # Each logs in to their own account with their own password.
    other = harness.user("Other")
    await log_in_chat(other, "eve@example.com")
    assert "Someone Else" in (await other.send("/me"))[-1].text
    again = harness.user("Eve")
    await log_in_chat(again, "eve@example.com", "villanelle!!")
    assert "Eve Polastri" in (await again.send("/me"))[-1].text


async def test_login_logout_and_menus(harness: Harness) -> None:
    await make_user(harness.services, "doc@example.com", name="Dr. House", role=Role.DOCTOR)
    greg = harness.user("Greg")
    assert harness.telegram.menu(None)[:2] == ["start", "help"]
    await greg.send("/login")
    await greg.send(" DOC@Example.com ")
    replies = await greg.send(PASSWORD)
    assert "Logged in as Dr. House (doctor)" in replies[-1].text
    sent = [m for m in harness.telegram.chat(greg.chat_id, include_deleted=True) if not m.from_bot]
    assert sent[-1].deleted
    assert harness.telegram.menu(greg.chat_id)[:2] == ["schedule", "hours"]

    async with harness.services.session_factory() as s:
        session = await s.scalar(select(ChatSession).where(ChatSession.chat_id == greg.chat_id))
    assert session is not None and session.revoked_at is None
    assert session.expires_at - session.issued_at == timedelta(hours=24)

    assert "logged out" in (await greg.send("/logout"))[-1].text
    assert (await greg.send("/me"))[-1].text == "Please /login first."
    assert "not logged in" in (await greg.send("/logout"))[-1].text
    assert harness.telegram.menu(greg.chat_id) == harness.telegram.menu(None)


async def test_wrong_password_and_throttling(harness: Harness) -> None:
    await make_user(harness.services, "ivy@example.com")
    mallory = harness.user("Mallory")
    for _ in range(5):
        await mallory.send("/login")
        await mallory.send("ivy@example.com")
        assert "Wrong email or password" in (await mallory.send("guess-guess"))[-1].text
    replies = await mallory.send("/login")
    assert "Too many failed attempts" in replies[-1].text and "15 min" in replies[-1].text

    # Another chat trying the same email is throttled at the password step, right password or not.
    other = harness.user("Other")
    await other.send("/login")
    await other.send("ivy@example.com")
    assert "Too many failed attempts" in (await other.send(PASSWORD))[-1].text

    harness.clock.advance(timedelta(minutes=16))
    await other.send("/login")
    await other.send("ivy@example.com")
    assert "Logged in" in (await other.send(PASSWORD))[-1].text


async def test_unknown_email_is_the_same_answer(harness: Harness) -> None:
    zed = harness.user("Zed")
    await zed.send("/login")
    assert "doesn't look like an email" in (await zed.send("nope"))[-1].text
    await zed.send("nobody@example.com")
    assert "Wrong email or password" in (await zed.send("whatever-pass"))[-1].text


async def test_inactive_user_cannot_log_in(harness: Harness) -> None:
    await make_user(harness.services, "gone@example.com", active=False)
    chat = harness.user()
    await chat.send("/login")
    await chat.send("gone@example.com")
    assert "disabled" in (await chat.send(PASSWORD))[-1].text


async def test_language_is_chosen_and_stored(harness: Harness) -> None:
    await make_user(harness.services, "lu@example.com", name="Lucía")
    lucia = harness.user("Lucía", language="es")
    assert "Bienvenido" in (await lucia.send("/start"))[-1].text
    await lucia.send("/login")
    await lucia.send("lu@example.com")
    await lucia.send(PASSWORD)
    assert "Sesión iniciada" in lucia.last.text
    await lucia.send("/language")
    replies = await lucia.press("English")
    assert lucia.last.text == "Language set to English." and not replies
    assert harness.telegram.answers[-1].get("text") is None
    user = await _user_by_email(harness, "lu@example.com")
    assert user is not None and user.language == "en"
    assert "Role: patient" in (await lucia.send("/me"))[-1].text


async def test_catch_alls(harness: Harness) -> None:
    chat = harness.user()
    assert "don't know that command" in (await chat.send("/frobnicate"))[-1].text
    assert "didn't understand" in (await chat.send("hello?"))[-1].text
    await chat.press_data("x:forged", message=(await chat.send("/help"))[-1])
    assert harness.telegram.answers[-1]["text"] == "This button is no longer valid."


async def test_stale_language_button_still_harmless(harness: Harness) -> None:
    chat = harness.user()
    menu = (await chat.send("/language"))[-1]
    await chat.press("Español")
    assert chat.last.text == "Idioma cambiado a español." and not chat.last.buttons
    # A copy of the old button pressed again later (e.g. from another device) still just works.
    await chat.press_data("lang:en", message=menu)
    assert chat.last.text == "Language set to English."


async def test_html_in_names_is_escaped(harness: Harness) -> None:
    chat = harness.user()
    await chat.send("/register")
    replies = await chat.send("<b>Bobby</b> & Tables")
    # Telegram would refuse unescaped HTML; the user sees the name as typed.
    assert "<b>Bobby</b> & Tables" in replies[-1].text


async def test_a_new_command_wins_so_a_password_is_never_left_in_the_chat(
    harness: Harness,
) -> None:
    await make_user(harness.services, "first@example.com")
    chat = harness.user()
    # /register started by mistake, then /login: the registration ends, saying so.
    await chat.send("/register")
    replies = await chat.send("/login")
    assert [m.text for m in replies] == [
        "(Your unfinished registration was closed.)",
        "What is your email address?",
    ]
    await chat.send("first@example.com")
    replies = await chat.send(PASSWORD)
    assert "Logged in" in replies[-1].text
    sent = [
        m for m in harness.telegram.chat(chat.chat_id, include_deleted=True) if m.text == PASSWORD
    ]
    assert len(sent) == 1 and sent[0].deleted


async def test_at_a_password_step_every_message_is_the_attempt(harness: Harness) -> None:
    await make_user(harness.services, "first@example.com")
    chat = harness.user()
    await chat.send("/login")
    await chat.send("first@example.com")
    # A password that looks like a command is still the password, and is deleted.
    replies = await chat.send("/register-me-please")
    assert replies[-1].text == "Wrong email or password. /login to try again."
    typed = harness.telegram.chat(chat.chat_id, include_deleted=True)
    assert [m.deleted for m in typed if m.text == "/register-me-please"] == [True]
    # A sticker at the password step is deleted too, and the step waits for text.
    await chat.send("/login")
    await chat.send("first@example.com")
    assert "text message" in (await chat.send_sticker())[-1].text
    assert all(
        m.deleted
        for m in harness.telegram.chat(chat.chat_id, include_deleted=True)
        if not m.from_bot and not m.text
    )
    # /cancel still leaves.
    assert "Nothing was saved" in (await chat.send("/cancel"))[-1].text
    assert "didn't understand" in (await chat.send(PASSWORD))[-1].text


async def test_with_a_booking_open_login_still_takes_and_deletes_the_password(
    harness: Harness,
) -> None:
    await make_doctor(harness.services, "house@example.com")
    await make_user(harness.services, "ana@example.com", name="Ana García")
    chat = harness.user("Ana")
    await log_in_chat(chat, "ana@example.com")
    await chat.send("/book")
    replies = await chat.send("/login")
    assert replies[0].text == "(Your unfinished booking was closed.)"
    await chat.send("ana@example.com")
    assert "Logged in" in (await chat.send(PASSWORD))[-1].text
    typed = [
        m for m in harness.telegram.chat(chat.chat_id, include_deleted=True) if m.text == PASSWORD
    ]
    assert typed and all(m.deleted for m in typed)


async def test_an_abandoned_conversation_expires_with_a_note(harness: Harness) -> None:
    chat = harness.user("Ivy")
    await chat.send("/register")
    await chat.send("Ivy Green")
    # 29 minutes later it still waits for the email.
    harness.clock.advance(timedelta(minutes=29))
    assert "Choose a password" in (await chat.send("ivy@example.com"))[-1].text
    # Each answer gives it another 30 minutes; after those it has ended, and the next message
    # is told so once (across a restart of the bot, too).
    harness.clock.advance(timedelta(minutes=31))
    await harness.restart()
    harness.rebind(chat)
    replies = await chat.send("a password typed too late")
    assert [m.text for m in replies] == [
        "Your unfinished registration was closed after 30 minutes without an answer. "
        "Nothing was saved.",
        "I didn't understand that. /help lists what I can do.",
    ]
    # The typed text was not taken as a password, and nothing was created.
    assert not any(m.deleted for m in harness.telegram.chat(chat.chat_id, include_deleted=True))
    assert await _user_by_email(harness, "ivy@example.com") is None
    assert "didn't understand" in (await chat.send("again"))[-1].text


async def test_the_conversation_timeout_is_configurable(harness: Harness) -> None:
    from dataclasses import replace

    harness.services.settings = replace(
        harness.services.settings, conversation_timeout=timedelta(minutes=5)
    )
    chat = harness.user("Jon")
    await chat.send("/login")
    harness.clock.advance(timedelta(minutes=6))
    replies = await chat.send("jon@example.com")
    assert replies[0].text.startswith("Your unfinished login was closed after 5 minutes")


async def test_edited_messages_never_answer_a_step(harness: Harness) -> None:
    chat = harness.user("Kim")
    await chat.send("/register")
    await chat.send("Kim Lee")
    typed = next(m for m in harness.telegram.chat(chat.chat_id) if m.text == "Kim Lee")
    # Editing the name after it was answered changes nothing and gets no reply.
    assert await chat.edit(typed, "Someone Else") == []
    assert "What is your email" in chat.last.text and "Kim Lee" in chat.last.text
    await chat.send("kim@example.com")
    first = (await chat.send("short"))[-1]
    assert "at least 8 characters" in first.text
    # At the password step an edited message is deleted, like the one it edits.
    attempt = harness.telegram.chat(chat.chat_id, include_deleted=True)[-2]
    assert attempt.deleted
    attempt.deleted = False  # Telegram lets a user edit what the bot could not delete yet
    assert await chat.edit(attempt, "a much longer secret") == []
    assert attempt.deleted
    assert not harness.errors
    assert "Last step" in (await chat.send("a much longer secret"))[-1].text
