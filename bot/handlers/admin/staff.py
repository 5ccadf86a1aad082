"""/staff (admins): the front desk's accounts, paged, with a new invite link, deactivate (after
confirming) and reactivate.

One message, edited in place by its buttons; each carries an id only and acts on the server's
state when pressed.
"""

from __future__ import annotations

from telegram import Update

from bot.callbacks import (
    StaffConfirmOff,
    StaffDeactivate,
    StaffListPage,
    StaffNewInvite,
    StaffReactivate,
)
from bot.choices import Choice, Screen
from bot.context import ClinicContext
from bot.formatting import moment
from bot.invites import invite_link
from bot.routes import Button, Command, Routes, roles
from bot.texts import Raw
from db.errors import NotFound
from db.models import Role
from db.staff import (
    StaffInactive,
    StaffView,
    get_staff,
    renew_staff_invite,
    set_staff_active,
    staff_page,
)

ADMINS = roles(Role.ADMIN)
PER_PAGE = 8


def _item(context: ClinicContext, number: int, member: StaffView) -> str:
    return context.t(
        "staff.list.item",
        number=number,
        name=member.name,
        email=member.email,
        status=context.t("admin.list.active" if member.active else "admin.list.inactive"),
        password=context.t(
            "admin.list.password_set" if member.has_password else "admin.list.no_password"
        ),
    )


def _row(context: ClinicContext, member: StaffView) -> list[Choice]:
    name = Raw(member.name)  # button labels are plain text
    if not member.active:
        label = context.t("admin.list.reactivate_button", name=name)
        return [Choice(label, StaffReactivate(member=member.user_id))]
    return [
        Choice(
            context.t("admin.list.deactivate_button", name=name),
            StaffDeactivate(member=member.user_id),
        ),
        Choice(context.t("admin.list.invite_button"), StaffNewInvite(member=member.user_id)),
    ]


async def _show(context: ClinicContext, page: int = 0, notice: str = "") -> None:
    found = await staff_page(context.db, page=page, per_page=PER_PAGE)
    if not found.members:
        context.show(Screen(context.t("staff.list.empty")).with_lead(notice))
        return
    first = found.page * PER_PAGE
    items = [_item(context, n, m) for n, m in enumerate(found.members, start=first + 1)]
    lines = [context.t("staff.list.title", count=found.total), "", *items]
    if found.pages > 1:
        lines.append(context.t("book.page", page=found.page + 1, pages=found.pages))
    rows = [_row(context, member) for member in found.members]
    paging = []
    if found.page > 0:
        label = context.t("admin.list.previous_button")
        paging.append(Choice(label, StaffListPage(page=found.page - 1)))
    if found.page < found.pages - 1:
        paging.append(
            Choice(context.t("admin.list.next_button"), StaffListPage(page=found.page + 1))
        )
    if paging:
        rows.append(paging)
    context.show(Screen("\n".join(lines), rows).with_lead(notice))


async def list_staff(update: Update, context: ClinicContext) -> None:
    """/staff: the front desk's accounts and the buttons to manage them."""
    await _show(context)


async def show_page(update: Update, context: ClinicContext) -> None:
    """Another page of the list."""
    await _show(context, context.payload(StaffListPage).page)


async def ask_deactivate(update: Update, context: ClinicContext) -> None:
    """⛔ Deactivate: ask to confirm."""
    try:
        member = await get_staff(context.db, context.payload(StaffDeactivate).member)
    except NotFound:
        context.alert("staff.not_found")
        await _show(context)
        return
    rows = [
        [Choice(context.t("staff.off.confirm_button"), StaffConfirmOff(member=member.user_id))],
        [Choice(context.t("admin.off.back_button"), StaffListPage(page=0))],
    ]
    context.show(Screen(context.t("staff.off.confirm", name=member.name), rows))


async def deactivate(update: Update, context: ClinicContext) -> None:
    """Deactivate the account: logged out everywhere at once, no login."""
    try:
        member, changed = await set_staff_active(
            context.db,
            user_id=context.payload(StaffConfirmOff).member,
            active=False,
            now=context.now,
        )
    except NotFound:
        context.alert("staff.not_found")
        await _show(context)
        return
    key = "staff.off.done" if changed else "admin.list.already_inactive"
    await _show(context, notice=context.t(key, name=member.name))


async def reactivate(update: Update, context: ClinicContext) -> None:
    """Let a deactivated account log in again."""
    try:
        member, changed = await set_staff_active(
            context.db,
            user_id=context.payload(StaffReactivate).member,
            active=True,
            now=context.now,
        )
    except NotFound:
        context.alert("staff.not_found")
        await _show(context)
        return
    key = "staff.on.done" if changed else "admin.list.already_active"
    await _show(context, notice=context.t(key, name=member.name))


async def new_invite(update: Update, context: ClinicContext) -> None:
    """A new one-time invite link (earlier ones stop working)."""
    try:
        invite = await renew_staff_invite(
            context.db,
            user_id=context.payload(StaffNewInvite).member,
            created_by=context.me.user_id,
            now=context.now,
        )
    except NotFound:
        context.alert("staff.not_found")
        return
    except StaffInactive:
        context.alert("staff.invite.inactive")
        return
    context.reply(
        "staff.invite.link",
        name=invite.member.name,
        expires=moment(context.lang, invite.expires_at, context.settings.timezone),
        link=invite_link(context.bot.username, invite.token),
    )


ROUTES = Routes(
    commands=[Command("staff", list_staff, roles=ADMINS)],
    buttons=[
        Button(StaffListPage, show_page, roles=ADMINS),
        Button(StaffDeactivate, ask_deactivate, roles=ADMINS),
        Button(StaffConfirmOff, deactivate, roles=ADMINS),
        Button(StaffReactivate, reactivate, roles=ADMINS),
        Button(StaffNewInvite, new_invite, roles=ADMINS),
    ],
)
