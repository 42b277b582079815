"""GET /t/<token>: a ticket's public status page, escaped HTML in the customer's language."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from core.db import transaction
from core.i18n import pick_language
from core.page_actions import form_token
from core.service_texts import service_texts
from core.services import Services
from core.statuspage import PublicView, public_view
from core.tickets import status_name, type_name
from platforms.html_page import PAGE
from switchboard.statuspage_form import done_notice, form_cookie, form_router, page_form

router = APIRouter()
router.include_router(form_router)


def render(view: PublicView, form: str = "") -> str:
    ticket, lang = view.ticket, view.ticket.language
    t = lambda key, **values: escape(service_texts(key, lang, **values))  # noqa: E731
    facts = "".join(
        f"<dt>{t(key)}</dt><dd>{escape(value)}</dd>"
        for key, value in (
            ("page.type", type_name(ticket.type, lang)),
            ("page.subject", ticket.subject),
            ("page.status", status_name(ticket.status, lang)),
        )
    )
    items = "".join(
        f'<li><div class="who">{entry.at:%Y-%m-%d %H:%M} UTC · '
        f"{t('page.you') if entry.from_customer else t('page.support')}</div>{escape(entry.text)}</li>"
        for entry in view.entries
    )
    history = f"<ol>{items}</ol>" if items else f"<p>{t('page.empty')}</p>"
    expected = f'<p class="expected">{escape(view.expected)}</p>' if view.expected else ""
    body = f"<dl>{facts}</dl>{expected}{form}<h2>{t('page.history')}</h2>{history}"
    return PAGE.format(lang=lang, title=t("page.title", number=ticket.number), body=body)


@router.get("/t/{token}", response_class=HTMLResponse)
async def status_page(token: str, request: Request) -> HTMLResponse:
    services: Services = request.app.state.services
    async with transaction(services.sessions) as session:
        view = await public_view(session, token)
        csrf = await form_token(session, token) if view is not None else ""
    headers = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}
    if view is None:
        lang = pick_language(request.headers.get("accept-language"), services.settings.default_language)
        text = escape(service_texts("page.not_found", lang))
        return HTMLResponse(PAGE.format(lang=lang, title=text, body=""), status_code=404, headers=headers)
    form = page_form(view, csrf, done_notice(view, request.query_params.get("done")))
    response = HTMLResponse(render(view, form), headers=headers)
    secure = request.url.scheme == "https" or services.settings.public_url.startswith("https:")
    form_cookie(response, token, csrf, secure=secure)
    return response
