from __future__ import annotations

from core.i18n import Catalog

EN = {
    "unsupported": "Sorry, I cannot read this kind of message. Please write in text, or send a photo or a file.",
    "file_too_large": "The file “{name}” is too large ({size} MB; at most {max} MB) and did not reach support. Please send a smaller one.",
    "file_failed": "I could not receive the file “{name}”. Please send it again.",
    "list_button": "Choose",
    "numbered_hint": "Reply with the number of your choice:",
    "window_closed": "Not sent to WhatsApp: the customer last wrote more than 24 hours ago, and after that WhatsApp accepts only approved template messages. The customer has to write first.",
    "no_template": "Not sent to WhatsApp: the 24-hour window is closed and no template is configured (WHATSAPP_TEMPLATE_NAME).",
    "missing_file": "Not sent to WhatsApp: the file “{name}” is not in the file store.",
}

RU = {
    "unsupported": "Извините, такой тип сообщений я не умею читать. Напишите, пожалуйста, текстом или пришлите фото или файл.",
    "file_too_large": "Файл «{name}» слишком большой ({size} МБ; не более {max} МБ) и не передан в поддержку. Пришлите, пожалуйста, файл поменьше.",
    "file_failed": "Не удалось получить файл «{name}». Пришлите его, пожалуйста, ещё раз.",
    "list_button": "Выбрать",
    "numbered_hint": "Ответьте номером варианта:",
    "window_closed": "Не отправлено в WhatsApp: клиент писал последний раз более 24 часов назад, а после этого WhatsApp принимает только одобренные шаблоны. Клиент должен написать первым.",
    "no_template": "Не отправлено в WhatsApp: 24-часовое окно закрыто, а шаблон не настроен (WHATSAPP_TEMPLATE_NAME).",
    "missing_file": "Не отправлено в WhatsApp: файла «{name}» нет в хранилище.",
}

texts = Catalog({"en": EN, "ru": RU})
