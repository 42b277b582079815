"""What the bot says to customers in their private chats."""

from __future__ import annotations

from core.i18n import Catalog

EN = {
    "agents_only": "This command is for support agents in the agents' group.",
    "file_too_big": "The file “{name}” is too large ({size} MB, at most {max} MB) and was not attached. Please send a smaller one.",
    "unsupported": "Sorry, this kind of message is not supported. Please send text, a photo or a file.",
}

RU = {
    "agents_only": "Эта команда — для агентов поддержки в их группе.",
    "file_too_big": "Файл «{name}» слишком большой ({size} МБ, допустимо до {max} МБ) и не приложен. Пришлите файл поменьше.",
    "unsupported": "К сожалению, такой тип сообщения не поддерживается. Пришлите текст, фото или файл.",
}

texts = Catalog({"en": EN, "ru": RU})
