from __future__ import annotations

from core.i18n import Catalog

EN = {
    "error.file_type": "This file cannot be sent: only PNG, JPEG or WebP images and PDF documents are accepted.",
    "error.file_size": "This file is too large: {size} MB, at most {max} MB.",
    "error.file_empty": "The file is empty.",
    "error.unauthorized": "This chat session is not valid any more. Please reload the page.",
    "error.bad_message": "This message could not be read: {reason}",
    "error.origin": "This site may not embed the support chat.",
    "email.invalid": "This does not look like an e-mail address. Please check it, for example name@example.com.",
    "demo.title": "Switchboard support desk",
    "greeting": "Hello! How can we help? Write your question here and we will register a request.",
}

RU = {
    "error.file_type": "Этот файл нельзя отправить: принимаются только изображения PNG, JPEG или WebP и документы PDF.",
    "error.file_size": "Файл слишком большой: {size} МБ, допустимо не более {max} МБ.",
    "error.file_empty": "Файл пустой.",
    "error.unauthorized": "Сессия чата больше не действительна. Перезагрузите страницу.",
    "error.bad_message": "Сообщение не удалось прочитать: {reason}",
    "error.origin": "Этому сайту не разрешено встраивать чат поддержки.",
    "email.invalid": "Это не похоже на адрес электронной почты. Проверьте его, например name@example.com.",
    "demo.title": "Служба поддержки Switchboard",
    "greeting": "Здравствуйте! Чем можем помочь? Напишите вопрос здесь, и мы зарегистрируем обращение.",
}

texts = Catalog({"en": EN, "ru": RU})
