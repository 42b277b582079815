"""The e-mail channel's own words: subjects and how buttons read in a mail."""

from __future__ import annotations

from core.i18n import Catalog

EN = {
    "subject.default": "Your request to support",
    "choices": "Reply with one of: {options}.",
    "choices.page": "Or answer on the status page: {url}",
    "choices.page_only": "To answer, open the status page: {url}",
    "refused": "[{name}: {size} MB, too large, not received]",
    "copy.webchat": "You get this by e-mail because you were not in the support chat. "
    "Reply to this mail to answer: your reply is added to the same request.",
}

RU = {
    "subject.default": "Ваше обращение в поддержку",
    "choices": "Ответьте одним из вариантов: {options}.",
    "choices.page": "Или ответьте на странице статуса: {url}",
    "choices.page_only": "Чтобы ответить, откройте страницу статуса: {url}",
    "refused": "[{name}: {size} МБ, слишком большой, не получен]",
    "copy.webchat": "Это письмо пришло, потому что вас не было в чате поддержки. "
    "Ответьте на него: ответ добавится к тому же обращению.",
}

texts = Catalog({"en": EN, "ru": RU})
