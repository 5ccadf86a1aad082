"""The dispatcher: every update of a private chat, in one shape.

1. Open one transaction and read, in one statement, the chat's open conversation, its session
   and its user; verify the session (signature, expiry, revocation, current role).
2. Route: a command by name; a button by its callback family (a step's button only in its own
   conversation, at its step, with its number); a message to the open conversation's step,
   where a typed answer that names a choice counts like its button. Check who may do it.
3. Run the handler; a returned state shows that state's screen.
4. Write the conversation back if it changed, commit, and only then send the replies.

A dropped database connection before the commit is retried once with a fresh one; nothing has
been sent at that point, so the retry is invisible to the user.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import DBAPIError
from telegram import Chat, MessageEntity, Update
from telegram.ext import ApplicationHandlerStop

from bot.callbacks import CallbackData, StepData, decode
from bot.choices import Screen
from bot.context import ClinicContext
from bot.conversation import END, Conversation, Ended, Step, StepHandler
from bot.jobs import kick_deliveries
from bot.outbox import Send
from bot.routes import Handler, Roles, RouteTable
from bot.texts import t
from bot.turn import Turn
from db.accounts import Principal, SessionProblem, renew_session
from db.chats import load_chat, principal_of, save_chat
from db.deliveries import queued
from db.engine import wrote

log = logging.getLogger(__name__)

PROBLEM_TEXT = {
    SessionProblem.NONE: "auth.login_required",
    SessionProblem.EXPIRED: "auth.session_expired",
    SessionProblem.INVALID: "auth.login_required",
    SessionProblem.INACTIVE: "auth.inactive",
}


@dataclass(frozen=True)
class CommandCall:
    name: str
    args: list[str]


def parse_command(update: Update, bot_username: str | None) -> CommandCall | None:
    """``/name@bot args`` at the start of a message, as Telegram marks commands."""
    message = update.message
    if message is None or not message.text or not message.entities:
        return None
    first = message.entities[0]
    if first.type != MessageEntity.BOT_COMMAND or first.offset != 0:
        return None
    command = message.text[1 : first.length]
    name, _, addressee = command.partition("@")
    if addressee and bot_username and addressee.lower() != bot_username.lower():
        return None
    return CommandCall(name.lower(), message.text[first.length :].split())


class ReportedError(Exception):
    """An update's failure the user has already been told about."""


async def tell_failure(update: Update, context: ClinicContext) -> None:
    """Tell the user something short and true about a failure: if their change was stored,
    that it was."""
    changed = context.out.committed and context.out.changed
    text = t(context.lang, "common.error_after_change" if changed else "common.internal_error")
    try:
        query = update.callback_query
        if query is not None and not context.out.answered:
            context.out.answered = True
            await query.answer(text, show_alert=True)
        elif update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the error report itself must never raise
        log.exception("Could not tell the user about an error")


class Dispatcher:
    """Routes every update through the route table (see the module docstring)."""

    def __init__(self, routes: RouteTable, *, lock_chats: bool = False) -> None:
        self.routes = routes
        self.lock_chats = lock_chats

    async def handle(self, update: Update, context: ClinicContext) -> None:
        """PTB's callback for every update; a failure is told to the user, then re-raised (as
        :class:`ReportedError`) for the error handler to log."""
        try:
            await self._handle(update, context)
        except ApplicationHandlerStop:
            raise
        except Exception as exc:
            await tell_failure(update, context)
            raise ReportedError(type(exc).__name__) from exc

    async def _handle(self, update: Update, context: ClinicContext) -> None:
        chat = update.effective_chat
        if chat is None or update.effective_user is None:
            return
        if chat.type != Chat.PRIVATE:
            await self._not_private(update, context)
            return
        if not (update.message or update.callback_query or update.edited_message):
            return  # e.g. the user blocked or unblocked the bot: nothing to answer
        services = context.services
        context.telegram_language = update.effective_user.language_code
        context.update_is_callback = update.callback_query is not None
        for attempt in (1, 2):
            context.out.clear()
            context.principal, context.problem = None, SessionProblem.NONE
            context.button, context.text, context.lead = None, None, None
            try:
                async with services.transaction() as s:
                    now = services.clock.now()
                    context.now = now
                    record = await load_chat(s, chat.id, lock=self.lock_chats)
                    if not self.lock_chats and record.handled(update.update_id, now):
                        # Sent again after a process died before acknowledging it: what it
                        # changed is stored, so it is not done twice. (Long polling hands a
                        # chat's updates over in order; a webhook may not, and acknowledges
                        # each update on receipt, so it never sends one again.)
                        log.info("update %s was handled before; not again", update.update_id)
                        return
                    turn = Turn(
                        record,
                        self.routes,
                        now=now,
                        timeout=services.settings.conversation_timeout,
                    )
                    context.bind(s, turn)
                    settings = services.settings
                    found = principal_of(
                        record, secret=services.jwt_secret, now=now, idle=settings.session_idle
                    )
                    if isinstance(found, Principal) and found.renew:
                        found = await renew_session(
                            s,
                            principal=found,
                            chat_id=chat.id,
                            secret=services.jwt_secret,
                            now=now,
                            ttl=settings.session_ttl,
                            idle=settings.session_idle,
                        )
                    if isinstance(found, Principal):
                        context.principal = found
                    else:
                        context.problem = found
                    self._tell_what_lapsed(context)
                    await self._route(update, context)
                    await self._save(context, turn, update.update_id)
                    context.out.changed = wrote(s)
                    if queued(s):
                        # Notices and confirmations the change queued go out now.
                        context.after_commit(lambda: kick_deliveries(context))
            except DBAPIError as exc:
                if attempt == 1 and exc.connection_invalidated:
                    log.warning("database connection lost; handling the update again")
                    continue
                raise
            finally:
                context.bind(None, context._turn)
            break
        context.out.committed = True
        await context.out.flush(context.bot, update)

    async def _not_private(self, update: Update, context: ClinicContext) -> None:
        """The bot works in private chats: a command in a group is answered once."""
        message = update.message
        if message is not None and message.text and message.text.startswith("/"):
            context.telegram_language = (
                update.effective_user.language_code if update.effective_user else None
            )
            context.update_is_callback = False
            context.out.clear()
            context.reply("common.private_only")
            await context.out.flush(context.bot, update)
        raise ApplicationHandlerStop

    def _tell_what_lapsed(self, context: ClinicContext) -> None:
        turn = context.turn
        if turn.expired is not None:
            minutes = int(context.settings.conversation_timeout.total_seconds() // 60)
            context.reply(
                "common.conversation_expired",
                what=context.t(f"conversation.{turn.expired.name}"),
                minutes=minutes,
            )
        elif turn.lost:
            context.reply("common.conversation_lost")

    async def _save(self, context: ClinicContext, turn: Turn, update_id: int) -> None:
        """Write the chat back if its conversation changed, or if the update changed anything
        else: with the update's number, so that it is not handled twice."""
        if turn.replaced is not None and turn.replaced is not turn.conversation:
            note = context.t(
                "common.conversation_replaced",
                what=context.t(f"conversation.{turn.replaced.name}"),
            )
            context.out.prepend(Send(note))
        if turn.changed() or wrote(context.db):
            await save_chat(
                context.db,
                chat_id=turn.chat_id,
                language=turn.language,
                flow=turn.flow,
                conversation=turn.stored_conversation(),
                now=context.now,
                update_id=update_id,
            )

    # --- routing --------------------------------------------------------------------------------

    async def _route(self, update: Update, context: ClinicContext) -> None:
        turn = context.turn
        if update.callback_query is not None:
            await self._press(update, context)
            return
        if update.edited_message is not None:
            # An edit never answers a step; at a secret step it is deleted like the original.
            step = turn.step
            if step is not None and step.secret:
                context.delete_message(update.edited_message.message_id)
            return
        message = update.message
        assert message is not None
        call = parse_command(update, context.bot.username if context.bot else None)
        step = turn.step
        if step is not None and step.secret and not (call and call.name == "cancel"):
            await self._secret_answer(update, context, step)
            return
        if call is not None:
            await self._command(update, context, call)
            return
        if step is not None:
            await self._answer(update, context, step)
            return
        context.reply("common.stray_message")

    async def _command(self, update: Update, context: ClinicContext, call: CommandCall) -> None:
        route = self.routes.command(call.name, call.args)
        if route is None:
            context.reply("common.unknown_command")
            return
        if not self._allowed(route.roles, context):
            return
        context.args = call.args
        await self._run(update, context, route.handler)

    async def _press(self, update: Update, context: ClinicContext) -> None:
        query = update.callback_query
        assert query is not None
        data = decode(query.data)
        if data is None:
            # Forged, or a button of an older version of the bot: while a conversation is
            # open, its current step is shown in place of the old screen.
            if context.turn.open:
                await self._stale_step(update, context)
            else:
                context.alert("common.stale_button")
            return
        if isinstance(data, StepData):
            await self._press_step(update, context, data)
            return
        route = self.routes.button(type(data))
        if route is None:
            context.alert("common.stale_button")
            return
        if not self._allowed(route.roles, context):
            return
        context.button = data
        await self._run(update, context, route.handler)

    async def _press_step(self, update: Update, context: ClinicContext, data: StepData) -> None:
        turn = context.turn
        owner = self.routes.conversation_of_step(type(data))
        handler = None
        if turn.open and owner is turn.conversation and data.flow == turn.flow:
            assert owner is not None and turn.state is not None
            handler = owner.handler_for(turn.state, type(data))
        if handler is None:
            await self._stale_step(update, context)
            return
        assert owner is not None
        if not self._allowed(owner.roles, context):
            turn.end()
            return
        context.button = data
        await self._run_step(update, context, handler)

    async def _stale_step(self, update: Update, context: ClinicContext) -> None:
        """A button of a conversation that has ended, or of another step: if a conversation is
        open, its current screen is shown in place of the old one; otherwise the old buttons go.
        """
        turn = context.turn
        step = turn.step
        if step is None or turn.conversation is None or step.secret:
            context.alert("common.stale_button")
            context.strip_buttons()
            return
        if turn.conversation.roles is not None and context.principal is None:
            context.alert("common.stale_button")
            return
        context.toast("common.stale_step")
        context.show(await step.screen(update, context, turn.draft))

    async def _answer(self, update: Update, context: ClinicContext, step: Step[Any]) -> None:
        """A message while a conversation waits at ``step``."""
        turn = context.turn
        conversation = turn.conversation
        assert conversation is not None and turn.state is not None
        if not self._allowed(conversation.roles, context):
            turn.end()
            return
        message = update.message
        assert message is not None
        if message.contact is not None and step.contact is not None:
            await self._run_step(update, context, step.contact)
            return
        if not message.text:
            if step.buttons or step.contact is not None:
                screen = await step.screen(update, context, turn.draft)
                lead = "common.pick_one" if step.buttons else "common.expects_text"
                context.show(screen.with_lead(context.t(lead)))
            else:
                context.reply("common.expects_text")
            return
        context.text = message.text
        if step.buttons or conversation.anywhere:
            screen = await step.screen(update, context, turn.draft)
            found = screen.match(message.text)
            if found.choice is not None:
                await self._choose(update, context, found.choice.data)
                return
            if found.candidates:
                names = ", ".join(choice.label for choice in found.candidates)
                context.show(screen.with_lead(context.t("common.which_one", choices=names)))
                return
            if step.text is None:
                context.show(screen.with_lead(context.t("common.pick_one")))
                return
        if step.text is None:
            context.reply("common.use_buttons")
            return
        await self._run_step(update, context, step.text)

    async def _choose(self, update: Update, context: ClinicContext, data: CallbackData) -> None:
        """A typed answer that named a choice: as if its button had been pressed."""
        context.button = data
        if isinstance(data, StepData):
            turn = context.turn
            assert turn.conversation is not None and turn.state is not None
            handler = turn.conversation.handler_for(turn.state, type(data))
            if handler is not None:
                await self._run_step(update, context, handler)
                return
        route = self.routes.button(type(data))
        if route is not None and self._allowed(route.roles, context):
            await self._run(update, context, route.handler)

    async def _secret_answer(
        self, update: Update, context: ClinicContext, step: Step[Any]
    ) -> None:
        """Every message at a secret step is the answer, deleted at once; only text counts."""
        message = update.message
        assert message is not None
        context.delete_message(message.message_id)
        if not message.text or step.text is None:
            context.reply("common.expects_text")
            return
        context.text = message.text
        await self._run_step(update, context, step.text)

    # --- running handlers -----------------------------------------------------------------------

    def _allowed(self, roles: Roles, context: ClinicContext) -> bool:
        if roles is None:
            return True
        if context.principal is None:
            context.alert(PROBLEM_TEXT[context.problem])
            return False
        if context.principal.role not in roles:
            context.alert("auth.wrong_role")
            return False
        return True

    async def _run(self, update: Update, context: ClinicContext, handler: Handler) -> None:
        await self._settle(update, context, await handler(update, context))

    async def _run_step(
        self, update: Update, context: ClinicContext, handler: StepHandler[Any]
    ) -> None:
        await self._settle(update, context, await handler(update, context, context.turn.draft))

    async def _settle(
        self, update: Update, context: ClinicContext, result: StrEnum | Ended | None
    ) -> None:
        """Apply a handler's result: a state moves there and shows its screen."""
        turn = context.turn
        if result is None:
            if turn.state is None:  # begun, but the handler did not go on
                turn.end()
            return
        if result is END or isinstance(result, Ended):
            turn.end()
            return
        conversation: Conversation[Any, Any] = turn.goto(result)
        screen: Screen = await conversation.steps[result].screen(update, context, turn.draft)
        if context.lead:
            screen, context.lead = screen.with_lead(context.lead), None
        context.show(screen)
