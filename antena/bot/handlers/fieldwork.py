"""/contrato and /instalaciones: a client's contract (new, state, signing link, PDF, send) and the
day's visits, which a technician marks done from the phone (MAC, serial, optional photo).

Marking a visit done asks for the equipment's details as the next message (aiogram FSM, per chat):
a text ``AA:BB:CC:DD:EE:FF SN123``, a photo with that caption, or "no".
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message

from antena.bot.callbacks import refused
from antena.bot.commands import usage
from antena.bot.fieldwork_ui import (
    ContractCb,
    InstallCb,
    button,
    contract_buttons,
    contract_text,
    installation_buttons,
    installation_text,
)
from antena.bot.filters import Allowed, Cmd, IsStaff
from antena.bot.handlers import support
from antena.core import validate
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.outcome import describe
from antena.core.clients.resolve import find_one
from antena.core.contracts import service as contracts
from antena.core.contracts.documents import Upload, prepare_upload
from antena.core.contracts.pdf import contract_pdf
from antena.core.contracts.sending import Sent, send_contract
from antena.core.db.models import Client, StaffUser
from antena.core.errors import Ambiguous, CoreError, InvalidInput
from antena.core.i18n import _
from antena.core.installations import InstallationDone, list_installations, mark_done, parse_mac_serial

log = logging.getLogger(__name__)


class DoneFlow(StatesGroup):
    details = State()  # the technician's next message: MAC and serial, a photo, or "no"


# -- /contrato ---------------------------------------------------------------------------------------


async def show_contract(message: Message, app: App, client_id: int) -> None:
    async with app.reader() as uow:
        latest = await contracts.latest_for_client(uow, client_id)
        client = await uow.session.get(Client, client_id)
    assert client is not None
    await message.answer(
        contract_text(app, client.name, client.id, latest),
        reply_markup=contract_buttons(app, client.id, latest),
    )


async def contract_command(message: Message, app: App, args: str) -> None:
    if not args:
        await message.answer(usage("contrato"))
        return
    try:
        client = await find_one(app, args)
    except Ambiguous as exc:
        rows = [
            [button(app, m.client.name, ContractCb(action="card", ref=m.client.id))]
            for m in exc.candidates[:8]
        ]
        await message.answer(
            _("Several clients match “{text}”. Which one?").format(text=args[:100]),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )
        return
    await show_contract(message, app, client.id)


def _link_text(contract_id: int, url: str) -> str:
    return (
        _("Signing link of contract {id} (the customer opens it, or you hand them your phone):").format(
            id=contract_id
        )
        + f"\n{url}"
    )


async def contract_button(query: CallbackQuery, callback_data: ContractCb, app: App, actor: Actor) -> None:
    actions = {"card", "new", "link", "pdf", "send"}
    if await refused(query, app, actor, callback_data, "contracts", valid=callback_data.action in actions):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    try:
        await _contract_action(query.message, app, actor, callback_data.action, callback_data.ref)
    except CoreError as exc:  # the button is answered already: the refusal goes to the chat
        await query.message.answer(str(exc))


async def _contract_action(message: Message, app: App, actor: Actor, action: str, ref: int) -> None:
    if action == "card":
        await show_contract(message, app, ref)
    elif action == "new":
        made = await app.perform(contracts.new_contract, actor, ref)
        assert made.link is not None
        await message.answer(
            _link_text(made.contract.id, made.link),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [button(app, _("Send to the customer"), ContractCb(action="send", ref=made.contract.id))]
                ]
            ),
            disable_web_page_preview=True,
        )
    elif action == "link":
        url = await app.perform(contracts.issue_link, actor, ref)
        await message.answer(_link_text(ref, url), disable_web_page_preview=True)
    elif action == "pdf":
        data = await contract_pdf(app, ref)
        await message.answer_document(BufferedInputFile(data, filename=_("contract") + f"-{ref}.pdf"))
    else:
        result = await send_contract(app, actor, ref)
        await message.answer(sent_text(result))


def sent_text(result) -> str:  # type: ignore[no-untyped-def]
    if not result.queued:
        return _("Nothing reaches {name}: no linked chat, phone or e-mail.").format(name=result.client_name)
    if result.how is Sent.EMAIL:
        return _("Contract {id} e-mailed to {to} with the PDF.").format(id=result.contract_id, to=result.to)
    if result.how is Sent.NOTICE:
        return _("{name} was told the signed contract {id} is in their portal.").format(
            name=result.client_name, id=result.contract_id
        )
    return _("Signing link of contract {id} sent to {name}.").format(
        id=result.contract_id, name=result.client_name
    )


# -- /instalaciones ------------------------------------------------------------------------------------


async def installations(message: Message, app: App, actor: Actor, staff: StaffUser, args: str) -> None:
    """The day's visits (``/instalaciones 2026-06-20`` for another day): a technician sees their own."""
    from antena.core.contracts.signing import sign_url

    day = validate.iso_date(args.strip()[:20]) if args.strip() else app.clock.today()
    async with app.reader() as uow:
        visits = await list_installations(uow, actor, day=day)
        versions = {}
        for v in visits:
            if v.unsigned_contract is not None:
                versions[v.unsigned_contract] = (
                    await contracts.get_contract(uow, v.unsigned_contract)
                ).link_version
    if not visits:
        await message.answer(_("No installations on {date}.").format(date=day.isoformat()))
        return
    for visit in visits:
        link = None
        if visit.unsigned_contract is not None:  # the customer signs on the technician's phone
            link = sign_url(app, visit.unsigned_contract, versions[visit.unsigned_contract], staff.id)
        await message.answer(
            installation_text(app, visit, link),
            reply_markup=installation_buttons(app, visit),
            disable_web_page_preview=True,
        )


async def done_button(
    query: CallbackQuery, callback_data: InstallCb, app: App, actor: Actor, state: FSMContext
) -> None:
    if await refused(query, app, actor, callback_data, "installations", valid=callback_data.action == "done"):
        return
    await query.answer()
    assert isinstance(query.message, Message)
    await state.set_state(DoneFlow.details)
    await state.update_data(installation_id=callback_data.installation_id)
    await query.message.answer(
        _(
            "Installation {id}: send the equipment's MAC and serial number (AA:BB:CC:DD:EE:FF SN123), "
            "as a photo's caption to add the photo, or “no” to finish without them."
        ).format(id=callback_data.installation_id)
    )


async def done_details(message: Message, app: App, actor: Actor, state: FSMContext, bot: Bot) -> None:
    data = await state.get_data()
    await state.clear()
    installation_id = int(data.get("installation_id", 0))
    photo: Upload | None = None
    if message.photo:
        biggest = message.photo[-1]
        if (biggest.file_size or 0) > app.settings.portal_max_upload:
            raise InvalidInput(_("The photo is too big."))
        buffer = await bot.download(biggest)
        assert buffer is not None
        photo = prepare_upload("photo", buffer.read(), app.settings.portal_max_upload)
    mac, serial = parse_mac_serial(message.caption or message.text or "")
    result = await app.perform(mark_done, actor, installation_id, mac=mac, serial=serial, photo=photo)
    await message.answer(done_text(app, result))


def done_text(app: App, r: InstallationDone) -> str:
    lines = [
        _("Installation {id} done: {name}").format(id=r.installation.id, name=r.installation.client_name),
        f"{r.action.client_name}: {describe(r.action)}",
    ]
    if r.contract_id is not None:
        lines.append(_("Contract {id} is active.").format(id=r.contract_id))
    elif r.unsigned_contract is not None:
        lines.append(
            _("Contract {id} is not signed yet: activate it once it is.").format(id=r.unsigned_contract)
        )
    if r.invoice_number is not None:
        from antena.core.billing.display import money

        total = money(r.invoice_total, app.settings.currency, region=app.settings.default_region)  # type: ignore[arg-type]
        lines.append(_("First invoice {number}: {total}").format(number=r.invoice_number, total=total))
    lines.append(_("The customer will be told."))
    return "\n".join(lines)


def make_router() -> Router:
    """Contracts and installations for staff, then tickets (staff and customers)."""
    router = Router(name=__name__)
    staff = Router(name=__name__ + ".staff")
    staff.message.filter(IsStaff())
    staff.callback_query.filter(IsStaff())
    staff.message.register(done_details, DoneFlow.details, (F.text & ~F.text.startswith("/")) | F.photo)
    staff.message.register(contract_command, Cmd("contrato", "contract"), Allowed("contracts"))
    staff.message.register(installations, Cmd("instalaciones", "installations"), Allowed("installations"))
    staff.callback_query.register(contract_button, ContractCb.filter())
    staff.callback_query.register(done_button, InstallCb.filter())
    router.include_router(staff)
    router.include_router(support.make_router())
    return router
