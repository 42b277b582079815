"""The status page's form: solved / not solved, a comment, the type; POST only, CSRF-protected.

Two guards: the form token is an HMAC of the page's link with an installation key (core), and it
must also come back in a SameSite=Strict cookie set with the page (double submit), which a
cross-site form post does not carry.
"""

from __future__ import annotations

import secrets
from html import escape
from typing import Annotated, get_args

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from core.db import transaction
from core.page_actions import Action, PageActionRefused, act, form_token_valid
from core.request_texts import request_texts
from core.requests import CUSTOMER_TYPES
from core.services import Services
from core.statuspage import PublicView, public_view
from core.tickets import status_name, type_name

form_router = APIRouter()
COOKIE = "sb_form"
DONE_KEYS = {"solved", "unsolved", "comment", "type"}


def form_cookie(response: Response, token: str, csrf: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE, csrf, path=f"/t/{token}", httponly=True, samesite="strict", secure=secure, max_age=7 * 24 * 3600
    )


def page_form(view: PublicView, csrf: str, notice: str | None = None) -> str:
    """The form part of the page, in the ticket's language; empty once the ticket is closed."""
    ticket, lang = view.ticket, view.ticket.language

    def t(key: str) -> str:
        return escape(request_texts(key, lang))

    parts = [f'<p class="notice" role="status">{escape(notice)}</p>'] if notice else []
    hidden = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    status = ticket.status
    if status == "solved":
        parts.append(
            f'<form method="post" class="confirm">{hidden}<p>{t("form.confirm_ask")}</p>'
            f'<button name="action" value="solved">{t("form.solved")}</button>'
            f'<label for="why">{t("form.unsolved_hint")}</label><textarea id="why" name="comment" rows="3"></textarea>'
            f'<button name="action" value="unsolved">{t("form.unsolved")}</button></form>'
        )
    if status == "new":
        buttons = "".join(
            f'<button name="value" value="{kind.value}"{" disabled" if kind == ticket.type else ""}>'
            f"{escape(type_name(kind, lang))}</button>"
            for kind in CUSTOMER_TYPES
        )
        parts.append(
            f'<form method="post" class="type">{hidden}<input type="hidden" name="action" value="type">'
            f"<p>{t('form.type')}</p>{buttons}</form>"
        )
    if status != "closed":
        parts.append(
            f'<form method="post" class="comment">{hidden}<input type="hidden" name="action" value="comment">'
            f'<label for="comment">{t("form.comment")}</label>'
            f'<textarea id="comment" name="comment" rows="4" placeholder="{t("form.comment_placeholder")}"></textarea>'
            f"<button>{t('form.send')}</button></form>"
        )
    return "".join(parts)


def done_notice(view: PublicView, done: str | None) -> str | None:
    lang = view.ticket.language
    if done in DONE_KEYS:
        return request_texts(f"form.done.{done}", lang)
    if done in ("form.stale", "form.empty", "form.expired"):
        return request_texts(done, lang, status=status_name(view.ticket.status, lang))
    return None


@form_router.post("/t/{token}")
async def post_action(
    token: str,
    request: Request,
    csrf: Annotated[str, Form(max_length=128)],
    action: Annotated[str, Form(max_length=16)],
    comment: Annotated[str, Form(max_length=8000)] = "",
    value: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    services: Services = request.app.state.services
    async with transaction(services.sessions) as session:
        view = await public_view(session, token)
        cookie = request.cookies.get(COOKIE, "")
        valid = bool(cookie) and secrets.compare_digest(cookie, csrf) and await form_token_valid(session, token, csrf)
    if view is None:
        return HTMLResponse("not found", status_code=404)
    if not valid:
        text = escape(request_texts("form.expired", view.ticket.language))
        return HTMLResponse(f"<!doctype html><p>{text}</p>", status_code=403)
    if action not in get_args(Action):
        return HTMLResponse("unknown action", status_code=400)
    outcome = action
    try:
        await services.desk.on_ticket(
            view.ticket.number,
            lambda s, ticket: act(s, ticket, action, comment=comment, value=value),  # type: ignore[arg-type]
        )
    except PageActionRefused as refused:
        outcome = refused.key
    # Post/redirect/get: a reload shows the result instead of sending the form again.
    return RedirectResponse(f"/t/{token}?done={outcome}", status_code=303)
