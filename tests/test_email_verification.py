"""Email addresses proved with a code, and passwords reset by email, end to end: the bot in
chat, a real SMTP server in the test process, PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.jobs import deliver_pending
from bot.mailer import Mailer
from db.models import ChatSession, Delivery, EmailCode, Role, User
from tests.conftest import Harness
from tests.factories import PASSWORD, book_directly, log_in_chat, make_doctor, make_user
from tests.fake_telegram import ChatUser
from tests.smtp_server import ReceivedMessage, SmtpTestServer

WED_10 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)  # Wednesday 10:00 in Madrid, 25 h away
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
async def smtp() -> AsyncIterator[SmtpTestServer]:
    server = SmtpTestServer(security="starttls")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def mail(harness: Harness, smtp: SmtpTestServer) -> SmtpTestServer:
    """The clinic sends email, through the test's SMTP server."""
    harness.services.mailer = Mailer(smtp.config())
    return smtp


def _body(received: ReceivedMessage) -> str:
    part = received.message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _code(received: ReceivedMessage) -> str:
    found = re.search(r"\b(\d{6})\b", _body(received))
    assert found is not None, _body(received)
    return found.group(1)


async def _users(h: Harness, email: str) -> list[User]:
    async with h.services.session_factory() as s:
        query = select(User).where(User.email == email).order_by(User.id)
        return list((await s.scalars(query)).all())


async def _resend(chat: ChatUser) -> None:
    """Press "Send a new code": the code step, edited in place, says a new one is coming."""
    await chat.press("🔁 Send a new code")
    screen, _ = chat.find_button("🔁 Send a new code")
    assert screen.text.startswith("📧 A new code is on its way.\n\n📧 I sent a 6-digit code")
    assert chat.last_answer is not None and "text" not in chat.last_answer


async def _log_in(chat: ChatUser, email: str) -> list[str]:
    """/login with the factories' password; the answers to the password."""
    await chat.send("/login")
    await chat.send(email)
    return [m.text for m in await chat.send(PASSWORD)]


async def _register_until_code(chat: ChatUser, name: str, email: str) -> list[str]:
    """/register up to the code step; every text the bot answered."""
    texts = []
    for typed in ("/register", name, email, "s3cret-pass", "Skip"):
        texts += [m.text for m in await chat.send(typed)]
    return texts


async def test_registration_confirms_the_address_with_an_emailed_code(
    harness: Harness, mail: SmtpTestServer
) -> None:
    ana = harness.user("Ana")
    texts = await _register_until_code(ana, "Ana García", "Ana@Example.com")
    assert texts[-2] == "Thanks. One more thing: let's confirm your email address."
    assert texts[-1].startswith("📧 I sent a 6-digit code to ana@example.com.")
    assert ana.last.button_texts == ["🔁 Send a new code", "✏️ Use another email"]
    # Nothing is stored before the code.
    assert await _users(harness, "ana@example.com") == []

    (received,) = await mail.wait_for_messages(1)
    assert received.rcpt_tos == ("ana@example.com",)
    code = _code(received)
    assert str(received.message["Subject"]) == f"{code} is your code to confirm your email"
    assert "Hello Ana García," in _body(received) and "15 minutes" in _body(received)
    # The code is kept only as a keyed hash.
    assert (
        await harness.scalar(
            "SELECT count(*) FROM email_codes WHERE position(:code IN email_codes::text) > 0",
            code=code,
        )
        == 0
    )

    wrong = "000000" if code != "000000" else "111111"
    assert (await ana.send(wrong))[-1].text == "That code is not right. Tries left: 4."
    assert "6-digit code" in (await ana.send("my code?"))[-1].text  # not a try
    replies = await ana.send(f"{code[:3]} {code[3:]}")
    assert "Your account is ready, Ana García" in replies[-1].text
    (user,) = await _users(harness, "ana@example.com")
    assert user.email_verified_at == harness.clock.now()
    assert harness.telegram.menu(ana.chat_id)[:2] == ["book", "appointments"]
    me = (await ana.send("/me"))[-1].text
    assert "Email: ana@example.com\n" in me  # confirmed: no note

    # The conversation is over: the code is no answer to anything now.
    assert "didn't understand" in (await ana.send(code))[-1].text


async def test_a_taken_address_is_answered_like_a_free_one(
    harness: Harness, mail: SmtpTestServer
) -> None:
    await make_user(harness.services, "taken@example.com", name="Tina Owner", language="en")
    texts = {}
    for email in ("taken@example.com", "free@example.com"):
        chat = harness.user("Bob")
        answers = await _register_until_code(chat, "Bob Stone", email)
        texts[email] = [line.replace(email, "<address>") for line in answers]
        texts[email].append((await chat.send("123456"))[-1].text.replace("4.", "n."))
    assert texts["taken@example.com"][:-1] == texts["free@example.com"][:-1]

    messages = await mail.wait_for_messages(2)
    note = next(m for m in messages if m.rcpt_tos == ("taken@example.com",))
    # The owner is told, without a code: they already have an account.
    assert str(note.message["Subject"]) == "You already have an account"
    assert "Hello Tina Owner," in _body(note) and "/reset" in _body(note)
    assert not re.search(r"\b\d{6}\b", _body(note))
    # No code typed there can create an account.
    assert [u.name for u in await _users(harness, "taken@example.com")] == ["Tina Owner"]


async def test_an_unconfirmed_address_does_not_block_its_owner(
    harness: Harness, mail: SmtpTestServer
) -> None:
    # Someone registered with Ana's address before addresses were confirmed.
    mallory = await make_user(
        harness.services, "ana@example.com", name="Mallory", verified=False, language="en"
    )
    mallory_chat = harness.user("Mallory")
    answers = await _log_in(mallory_chat, "ana@example.com")
    assert "Logged in as Mallory" in answers[0] and "/verify to confirm it" in answers[1]

    ana = harness.user("Ana")
    await _register_until_code(ana, "Ana García", "ana@example.com")
    (received,) = await mail.wait_for_messages(1)
    replies = await ana.send(_code(received))
    assert "Your account is ready, Ana García" in replies[-1].text

    users = await _users(harness, "ana@example.com")
    assert [(u.name, u.email_verified_at is not None) for u in users] == [
        ("Mallory", False),
        ("Ana García", True),
    ]
    # The unconfirmed account is told, in its chat (through the outbox).
    assert mallory_chat.last.text.startswith(
        "📧 Whoever reads the email address of your account has confirmed it for another account."
    )
    async with harness.services.session_factory() as s:
        notice = await s.scalar(select(Delivery).where(Delivery.recipient_id == mallory.id))
    assert notice is not None and (notice.kind, notice.status) == ("email_claimed", "sent")

    # Each password opens its own account; emails go to Ana's only.
    check = harness.user("Ana")
    await log_in_chat(check, "ana@example.com", "s3cret-pass")
    assert "Ana García" in (await check.send("/me"))[-1].text
    doctor = await make_doctor(harness.services, "house@example.com")
    for patient_id in (mallory.id, users[1].id):
        await book_directly(
            harness.services,
            patient_id=patient_id,
            doctor_id=doctor.user_id,
            starts_at=WED_10 + timedelta(hours=patient_id % 2),
        )
    await deliver_pending(harness.app.bot, harness.services)
    confirmations = [m for m in mail.messages if "Appointment confirmed" in m.message["Subject"]]
    assert [m.rcpt_tos for m in confirmations] == [("ana@example.com",)]
    assert "Ana García" in str(confirmations[0].message["To"])


async def test_codes_expire_wear_out_and_are_throttled(
    harness: Harness, mail: SmtpTestServer
) -> None:
    ana = harness.user("Ana")
    await _register_until_code(ana, "Ana García", "ana@example.com")
    first = _code((await mail.wait_for_messages(1))[0])
    wrong = "000000" if first != "000000" else "111111"
    for left in (4, 3, 2, 1):
        assert (await ana.send(wrong))[-1].text == f"That code is not right. Tries left: {left}."
    spent = "That code has had too many tries. Press “Send a new code”."
    assert (await ana.send(wrong))[-1].text == spent
    assert (await ana.send(first))[-1].text == spent  # the right one too, now

    # A new code at most once a minute.
    await ana.press("🔁 Send a new code")
    answer = ana.last_answer
    assert answer is not None
    assert answer["text"] == "Too many codes were asked for. Please try again in 1 min."
    harness.clock.advance(timedelta(seconds=61))
    await _resend(ana)
    second = _code((await mail.wait_for_messages(2))[1])

    # 15 minutes later it has expired.
    harness.clock.advance(timedelta(minutes=15))
    expired = await ana.send(second)
    assert expired[-1].text == "That code has expired. Press “Send a new code”."

    # At most 5 codes in 15 minutes per address, whichever chat asks.
    for _ in range(5):
        harness.clock.advance(timedelta(seconds=61))
        await _resend(ana)
    harness.clock.advance(timedelta(seconds=61))
    other = harness.user("Other")
    answers = await _register_until_code(other, "Ana García", "ana@example.com")
    assert answers[-2:] == [
        "Too many codes were asked for. Please try again in 10 min.",
        "No code has been sent to ana@example.com yet. Press “Send a new code” once the wait "
        "is over.",
    ]
    assert len(mail.messages) == 7
    # A typed code there is no answer to any code.
    assert "no longer valid" in (await other.send("123456"))[-1].text

    # Another address still can: "Use another email" asks for it.
    screen, _ = ana.find_button("✏️ Use another email")
    await ana.press("✏️ Use another email", screen)
    assert "What is your email address" in screen.text and not screen.buttons
    replies = await ana.send("ana.garcia@example.com")
    # This chat asked for 5 codes in 15 minutes too: it waits as well, whatever the address.
    assert [m.text for m in replies] == [
        "Too many codes were asked for. Please try again in 10 min.",
        "No code has been sent to ana.garcia@example.com yet. Press “Send a new code” once "
        "the wait is over.",
    ]
    harness.clock.advance(timedelta(minutes=10))
    await ana.press("🔁 Send a new code")
    received = (await mail.wait_for_messages(8))[7]
    assert received.rcpt_tos == ("ana.garcia@example.com",)
    assert "account is ready" in (await ana.send(_code(received)))[-1].text


async def test_reset_by_email_ends_every_session_and_logs_this_chat_in(
    harness: Harness, mail: SmtpTestServer
) -> None:
    patient = await make_user(harness.services, "ana@example.com", name="Ana García")
    phone, laptop = harness.user("Ana"), harness.user("Ana")
    for chat in (phone, laptop):
        await log_in_chat(chat, "ana@example.com")

    helper = harness.user("Ana")
    assert "What is the email address of your account" in (await helper.send("/reset"))[-1].text
    replies = await helper.send(" ANA@example.com ")
    assert replies[-1].text.startswith("📧 If an account uses ana@example.com, I sent it a")
    (received,) = await mail.wait_for_messages(1)
    assert str(received.message["Subject"]) == (
        f"{_code(received)} is your code to set a new password"
    )
    replies = await helper.send(_code(received))
    assert replies[-1].text.startswith("✅ Right code. Now choose a new password")

    assert "at least 8 characters" in (await helper.send("short"))[-1].text
    replies = await helper.send(NEW_PASSWORD)
    assert replies[-1].text == (
        "✅ Your password is changed, and you are logged in as Ana García (patient). Every "
        "other chat that was logged in to your account has been logged out."
    )
    typed = [
        m for m in harness.telegram.chat(helper.chat_id, include_deleted=True) if not m.from_bot
    ]
    assert [m.deleted for m in typed if m.text in ("short", NEW_PASSWORD)] == [True, True]
    assert harness.telegram.menu(helper.chat_id)[:2] == ["book", "appointments"]
    assert "Ana García" in (await helper.send("/me"))[-1].text
    for chat in (phone, laptop):
        assert (await chat.send("/me"))[-1].text == "Please /login first."
    async with harness.services.session_factory() as s:
        live = await s.scalars(
            select(ChatSession.chat_id).where(
                ChatSession.user_id == patient.id, ChatSession.revoked_at.is_(None)
            )
        )
        assert list(live.all()) == [helper.chat_id]

    await phone.send("/login")
    await phone.send("ana@example.com")
    assert "Wrong email or password" in (await phone.send(PASSWORD))[-1].text
    await log_in_chat(phone, "ana@example.com", NEW_PASSWORD)


async def test_reset_tells_nothing_about_an_address(
    harness: Harness, mail: SmtpTestServer
) -> None:
    await make_user(harness.services, "known@example.com")
    texts = {}
    for email in ("known@example.com", "nobody@example.com"):
        chat = harness.user("Zed")
        answers = []
        for typed in ("/reset", email, "123456", "654321"):
            answers += [m.text.replace(email, "<address>") for m in await chat.send(typed)]
        await chat.press("🔁 Send a new code")
        answers.append(chat.last.text)
        texts[email] = answers
    assert texts["known@example.com"] == texts["nobody@example.com"]
    assert texts["nobody@example.com"][2] == "That code is not right. Tries left: 4."
    # Only the account's address was emailed.
    assert {m.rcpt_tos for m in mail.messages} == {("known@example.com",)}


async def test_doctors_and_admins_reset_too_and_an_invited_address_gets_confirmed(
    harness: Harness, mail: SmtpTestServer
) -> None:
    doctor = await make_doctor(harness.services, "house@example.com", password=None)
    chat = harness.user("Greg")
    await chat.send("/reset")
    await chat.send("house@example.com")
    (received,) = await mail.wait_for_messages(1)
    await chat.send(_code(received))
    replies = await chat.send(NEW_PASSWORD)
    assert "logged in as Dr. Gregory House (doctor)" in replies[-1].text
    assert harness.telegram.menu(chat.chat_id)[:2] == ["schedule", "hours"]
    (user,) = await _users(harness, "house@example.com")
    # The code proved the address an admin had typed.
    assert user.id == doctor.user_id and user.email_verified_at is not None

    await make_user(harness.services, "boss@example.com", name="The Boss", role=Role.ADMIN)
    boss = harness.user("Boss")
    await boss.send("/reset")
    await boss.send("boss@example.com")
    await boss.send(_code((await mail.wait_for_messages(2))[1]))
    assert "logged in as The Boss (admin)" in (await boss.send(NEW_PASSWORD))[-1].text


async def test_reset_is_throttled_per_chat_and_per_address_but_not_for_the_owner(
    harness: Harness, mail: SmtpTestServer
) -> None:
    await make_user(harness.services, "ivy@example.com", name="Ivy")
    owner = harness.user("Ivy")
    await log_in_chat(owner, "ivy@example.com")
    await owner.send("/logout")

    strangers = [harness.user("Mallory") for _ in range(6)]
    for stranger in strangers[:5]:
        await stranger.send("/reset")
        replies = await stranger.send("ivy@example.com")
        assert replies[-1].text.startswith("📧 If an account uses ivy@example.com")
        harness.clock.advance(timedelta(seconds=61))
    # The address had 5 codes in 15 minutes: a sixth chat must wait, at the same step.
    await strangers[5].send("/reset")
    replies = await strangers[5].send("ivy@example.com")
    assert replies[-1].text == "Too many codes were asked for. Please try again in 10 min."
    assert "doesn't look like an email" in (await strangers[5].send("ivy@"))[-1].text
    # One chat asking for many addresses is held back as well.
    for n in range(4):
        await strangers[0].send("/reset")
        await strangers[0].send(f"someone{n}@example.com")
        harness.clock.advance(timedelta(seconds=61))
    await strangers[0].send("/reset")
    assert "Too many codes" in (await strangers[0].send("other@example.com"))[-1].text

    # A chat that has been logged in to the account is held back only by its own asking.
    await owner.send("/reset")
    replies = await owner.send("ivy@example.com")
    assert replies[-1].text.startswith("📧 If an account uses ivy@example.com")
    code = _code(mail.messages[-1])
    await owner.send(code)
    assert "logged in as Ivy" in (await owner.send(NEW_PASSWORD))[-1].text


async def test_verify_confirms_an_older_account_and_emails_follow(
    harness: Harness, mail: SmtpTestServer
) -> None:
    patient = await make_user(
        harness.services, "old@example.com", name="Olga Old", verified=False, language="en"
    )
    doctor = await make_doctor(harness.services, "house@example.com")
    chat = harness.user("Olga")
    assert (await _log_in(chat, "old@example.com"))[-1] == (
        "Your email address is not confirmed yet, so reminders reach you here in chat only. "
        "/verify to confirm it."
    )
    assert "Email: old@example.com (not confirmed: nothing is emailed to it; /verify)" in (
        (await chat.send("/me"))[-1].text
    )

    # Until then, the outbox sends nothing to the address; chat messages still go.
    appt = await book_directly(
        harness.services, patient_id=patient.id, doctor_id=doctor.user_id, starts_at=WED_10
    )
    harness.clock.set(WED_10 - timedelta(hours=24))
    await deliver_pending(harness.app.bot, harness.services)
    async with harness.services.session_factory() as s:
        rows = (await s.scalars(select(Delivery).where(Delivery.appointment_id == appt.id))).all()
    sent = {(d.kind, d.channel, d.offset_minutes): (d.status, d.last_error) for d in rows}
    assert sent[("booked", "email", None)] == ("skipped", "email address not confirmed")
    assert sent[("reminder", "email", 1440)] == ("skipped", "email address not confirmed")
    assert sent[("reminder", "telegram", 1440)][0] == "sent"
    assert "⏰ Reminder" in chat.last.text
    assert mail.messages == []

    replies = await chat.send("/verify")
    assert replies[-1].text.startswith("📧 I sent a 6-digit code to old@example.com.")
    (received,) = await mail.wait_for_messages(1)
    assert str(received.message["Subject"]).endswith("is your code to confirm your email")
    assert (await chat.send(_code(received)))[-1].text == (
        "✅ old@example.com is confirmed. Reminders and confirmations are emailed there too."
    )
    assert (await chat.send("/verify"))[-1].text == (
        "Your email address old@example.com is already confirmed."
    )
    # The next email goes.
    harness.clock.set(WED_10 - timedelta(hours=1))
    await deliver_pending(harness.app.bot, harness.services)
    (reminder,) = (await mail.wait_for_messages(2))[1:]
    assert reminder.rcpt_tos == ("old@example.com",) and "Reminder" in reminder.message["Subject"]


async def test_without_email_no_code_is_asked_for_nor_sent(harness: Harness) -> None:
    chat = harness.user("Ana")
    answers = await _register_until_code(chat, "Ana García", "ana@example.com")
    assert "Your account is ready" in answers[-1]
    (user,) = await _users(harness, "ana@example.com")
    assert user.email_verified_at is None
    assert await harness.scalar("SELECT count(*) FROM email_codes") == 0
    assert (await chat.send("/verify"))[-1].text == (
        "This clinic's bot sends no email, so there is nothing to confirm."
    )
    assert "Email: ana@example.com\n" in (await chat.send("/me"))[-1].text
    await chat.send("/logout")
    assert "sends no email" in (await chat.send("/reset"))[-1].text


async def test_a_failed_send_is_told_where_that_tells_nothing(
    harness: Harness, mail: SmtpTestServer
) -> None:
    await make_user(harness.services, "known@example.com")
    await mail.stop()
    chat = harness.user("Ana")
    answers = await _register_until_code(chat, "Ana García", "ana@example.com")
    assert answers[-1] == (
        "I could not send the email just now. Please press “Send a new code” in a minute."
    )
    # At /reset the same failure would tell that the address has an account: nothing is said.
    other = harness.user("Zed")
    await other.send("/reset")
    replies = await other.send("known@example.com")
    assert replies[-1].text.startswith("📧 If an account uses known@example.com")
    await mail.start()
    harness.clock.advance(timedelta(seconds=61))
    await _resend(chat)
    (received,) = await mail.wait_for_messages(1)
    assert "account is ready" in (await chat.send(_code(received)))[-1].text


async def test_codes_are_pruned_after_a_day(harness: Harness, mail: SmtpTestServer) -> None:
    from db.email_codes import prune_email_codes

    chat = harness.user("Ana")
    await _register_until_code(chat, "Ana García", "ana@example.com")
    async with harness.services.transaction() as s:
        assert await prune_email_codes(s, now=harness.clock.now() + timedelta(hours=23)) == 0
        assert await prune_email_codes(s, now=harness.clock.now() + timedelta(hours=25)) == 1
        assert (await s.scalar(select(EmailCode.id))) is None
    assert await harness.scalar("SELECT count(*) FROM email_codes") == 0


def test_the_code_email_escapes_what_users_typed() -> None:
    from bot.mailer import SmtpConfig, build_account_email

    sender = SmtpConfig(
        host="127.0.0.1", port=25, security="none", username="", password="",
        from_address="clinic@clinic.test", from_name="Clinic App",
    )  # fmt: skip
    message = build_account_email(
        "reset",
        to="bo@example.com",
        name='<b>Bo</b> "x" <evil@example.com>, Eve',
        language="es",
        sender=sender,
        code="123456",
    )
    assert str(message["Subject"]) == "123456 es su código para poner una contraseña nueva"
    assert message["To"].addresses[0].addr_spec == "bo@example.com"
    assert len(message["To"].addresses) == 1
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    body = str(html_part.get_content())
    assert "&lt;b&gt;Bo&lt;/b&gt;" in body and "<b>Bo" not in body
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None and "sirve durante 15 minutos" in str(plain.get_content())
